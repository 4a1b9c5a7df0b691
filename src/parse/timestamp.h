// Instants on the ingest path: RFC 3339 text with a UTC offset, or epoch
// milliseconds. Hand-written because it runs once per reading (millions per
// second): no allocation, no locale, no regex.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace metrify::parse {

// Earliest and latest instants accepted anywhere on ingest: years 1970 to 2200.
inline constexpr int64_t kMinTimestampMs = 0;              // 1970-01-01T00:00:00Z
inline constexpr int64_t kMaxTimestampMs = 7289654399999;  // 2200-12-31T23:59:59.999Z

// Why a text is not an instant; each maps to an ingest rejection code.
enum class TimestampError {
  kNone = 0,
  kInvalid,        // not RFC 3339 nor digits, or a date/time that does not exist
  kWithoutOffset,  // a well-formed local time without Z or ±HH:MM
  kOutOfRange,     // a real instant outside years 1970..2200
};

// Parses `text` into UTC epoch milliseconds in `*epoch_ms` (left unchanged on
// failure). Accepted forms:
//   - RFC 3339 "2026-03-29T01:15:00+01:00", "…Z", a space or lower-case 't'
//     between date and time, lower-case 'z'; fractional seconds of 1 to 9
//     digits, truncated to milliseconds; offsets up to ±18:00; "-00:00" is UTC.
//     Seconds are required and 60 (a leap second) is refused.
//   - Epoch milliseconds: 1 to 18 ASCII digits, no sign.
// Returns kNone on success.
TimestampError ParseTimestamp(std::string_view text, int64_t* epoch_ms);

// The same, for callers that only need yes or no.
std::optional<int64_t> ParseTimestamp(std::string_view text);

// Checks epoch milliseconds given as a number (a JSON integer): kNone when
// inside years 1970..2200, otherwise kOutOfRange.
TimestampError CheckEpochMillis(int64_t epoch_ms);

}  // namespace metrify::parse
