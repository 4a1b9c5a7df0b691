// Time helpers: the clock, RFC 3339 output and calendar checks. Instants are
// epoch milliseconds (UTC) everywhere inside Metrify.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace metrify {

// a / b rounded towards minus infinity (instants before 1970 too).
// REQUIRES: b > 0.
constexpr int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }
// The largest multiple of `step` at or before `t`: the grid point of `t`.
constexpr int64_t FloorToMultiple(int64_t t, int64_t step) { return FloorDiv(t, step) * step; }

// Milliseconds since the Unix epoch, from the system clock.
int64_t NowMillis();

// "2026-03-29T01:00:00Z", or with milliseconds "…00.250Z" when they are not zero.
std::string FormatRfc3339(int64_t epoch_ms);

// The same text written into `buffer`, without allocating; the view points
// into `buffer`. For answers that format one timestamp per row.
using Rfc3339Buffer = char[24];
std::string_view FormatRfc3339(int64_t epoch_ms, Rfc3339Buffer& buffer);

// Days since 1970-01-01 for a valid "YYYY-MM-DD" date; nullopt when the text
// is not that shape or names a day that does not exist (2026-02-30).
std::optional<int64_t> ParseCivilDate(std::string_view text);

// True when the IANA time zone database knows `name` ("Europe/Berlin").
bool IsKnownTimeZone(std::string_view name);

}  // namespace metrify
