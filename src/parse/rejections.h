// Per-item rejection codes of the ingest parsers (ItemError::code). They are
// part of the API: clients match on them, and docs/api.md ("Ingest
// rejections") lists each with its meaning. Never rename one; add new codes
// here and there together.
#pragma once

#include <string_view>

namespace metrify::parse::reject {

// No entity id (meter_id / operator_id / station_id) in the item or the path.
inline constexpr std::string_view kMissingEntity = "missing_entity";
// The item's entity id differs from the one in the request path.
inline constexpr std::string_view kEntityMismatch = "entity_mismatch";
// Not 1-64 of [A-Za-z0-9._-] starting with a letter or digit.
inline constexpr std::string_view kInvalidEntityId = "invalid_entity_id";
inline constexpr std::string_view kMissingTimestamp = "missing_timestamp";
// Not RFC 3339 nor epoch milliseconds, a date that does not exist, or
// outside years 1970..2200.
inline constexpr std::string_view kInvalidTimestamp = "invalid_timestamp";
// A local time with no UTC offset: ambiguous across DST changes.
inline constexpr std::string_view kTimestampWithoutOffset = "timestamp_without_offset";
// A key that is neither a field of the kind nor entity, timestamp, interval.
inline constexpr std::string_view kUnknownField = "unknown_field";
// A string, boolean, object or array where a number belongs (and so on).
inline constexpr std::string_view kWrongType = "wrong_type";
// NaN, infinity, or a number beyond the range of a double.
inline constexpr std::string_view kNotFinite = "not_finite";
// interval_s not a whole number of seconds in 60..86400 dividing 86400.
inline constexpr std::string_view kInvalidInterval = "invalid_interval";
// No value field given (all absent or null).
inline constexpr std::string_view kNoValues = "no_values";
// Not a JSON object, a CSV row with the wrong number of cells, an unclosed
// quote, or a value that is not valid JSON.
inline constexpr std::string_view kMalformedItem = "malformed_item";
// The same key twice in one item (interval_s and interval count as one).
inline constexpr std::string_view kDuplicateField = "duplicate_field";
// The item names a meter, grid operator or weather station that is not
// registered (and ingest.auto_register is off, or cannot register it).
inline constexpr std::string_view kUnknownEntity = "unknown_entity";
// Older than the retention window (storage.retention_days): it would be
// deleted at once, so it is refused instead of silently dropped.
inline constexpr std::string_view kBeyondRetention = "beyond_retention";

}  // namespace metrify::parse::reject
