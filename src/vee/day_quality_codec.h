// The stored form of one day's quality report (vee::DayQuality), as the
// quality worker keeps it in PostgreSQL (quality_daily.figures, migration 8;
// docs/scaled.md "Quality reports"). Lossless: every count, every double
// bit for bit (NaN included), all 64 rule counts, the daily check; a report
// built from decoded days writes the same JSON as the live one.
//
// Layout, version 1 (little endian; "varint" and "zigzag" as common/varint.h):
//
//   u8 version (1)
//   zigzag day, start_ms, end_ms; varint intervals
//   varint expected, counts[5] (ValueStatus order), came, refused, late
//   f64 timeliness_sum, quality_sum, energy_kwh; varint energy_intervals
//   varint n, then n x (varint rule id < 64, varint count): the nonzero rules
//   u8 daily result, u8 not-judged reason; f64 usual_kwh; zigzag
//   history_days; f64 ratio
//
// f64: the IEEE-754 bits as 8 bytes, least significant first. A reader
// refuses another version, a short or overlong input, a rule id >= 64 and
// an enum value it does not know (Corruption): the worker then computes the
// day again. Never change version 1's meaning; add a version instead.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "vee/quality_report.h"

namespace metrify::vee {

inline constexpr uint8_t kDayQualityCodecVersion = 1;

// Appends nothing: returns the encoding of `day`.
std::string EncodeDayQuality(const DayQuality& day);

// The day `bytes` encodes. Errors: Corruption (see above).
Result<DayQuality> DecodeDayQuality(std::string_view bytes);

}  // namespace metrify::vee
