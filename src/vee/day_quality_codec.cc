// Codec of a stored day's quality report; the layout is in the header.
#include "vee/day_quality_codec.h"

#include <bit>
#include <cstring>

#include "common/varint.h"

namespace metrify::vee {

namespace {

void PutF64(std::string* out, double v) {
  uint64_t bits = std::bit_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i, bits >>= 8) out->push_back(static_cast<char>(bits & 0xFF));
}

Status GetF64(std::string_view* in, double* v) {
  if (in->size() < 8) return Status::Corruption("stored quality day: truncated double");
  uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = (bits << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(8);
  *v = std::bit_cast<double>(bits);
  return Status::Ok();
}

Status GetU8(std::string_view* in, uint8_t* v) {
  if (in->empty()) return Status::Corruption("stored quality day: truncated");
  *v = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  return Status::Ok();
}

Status GetCount(std::string_view* in, int64_t* v) {
  uint64_t u = 0;
  METRIFY_RETURN_IF_ERROR(GetVarint64AtMost(in, uint64_t{1} << 62, &u));
  *v = static_cast<int64_t>(u);
  return Status::Ok();
}

void PutTally(std::string* out, const QualityTally& t) {
  PutVarint64(out, static_cast<uint64_t>(t.expected));
  for (int64_t c : t.counts) PutVarint64(out, static_cast<uint64_t>(c));
  PutVarint64(out, static_cast<uint64_t>(t.came));
  PutVarint64(out, static_cast<uint64_t>(t.refused));
  PutVarint64(out, static_cast<uint64_t>(t.late));
  PutF64(out, t.timeliness_sum);
  PutF64(out, t.quality_sum);
  PutF64(out, t.energy_kwh);
  PutVarint64(out, static_cast<uint64_t>(t.energy_intervals));
  uint64_t nonzero = 0;
  for (int64_t r : t.rules) nonzero += r != 0;
  PutVarint64(out, nonzero);
  for (size_t r = 0; r < t.rules.size(); ++r) {
    if (t.rules[r] == 0) continue;
    PutVarint64(out, r);
    PutVarint64(out, static_cast<uint64_t>(t.rules[r]));
  }
}

Status GetTally(std::string_view* in, QualityTally* t) {
  METRIFY_RETURN_IF_ERROR(GetCount(in, &t->expected));
  for (int64_t& c : t->counts) METRIFY_RETURN_IF_ERROR(GetCount(in, &c));
  METRIFY_RETURN_IF_ERROR(GetCount(in, &t->came));
  METRIFY_RETURN_IF_ERROR(GetCount(in, &t->refused));
  METRIFY_RETURN_IF_ERROR(GetCount(in, &t->late));
  METRIFY_RETURN_IF_ERROR(GetF64(in, &t->timeliness_sum));
  METRIFY_RETURN_IF_ERROR(GetF64(in, &t->quality_sum));
  METRIFY_RETURN_IF_ERROR(GetF64(in, &t->energy_kwh));
  METRIFY_RETURN_IF_ERROR(GetCount(in, &t->energy_intervals));
  uint64_t n = 0;
  METRIFY_RETURN_IF_ERROR(GetVarint64AtMost(in, t->rules.size(), &n));
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t rule = 0;
    METRIFY_RETURN_IF_ERROR(GetVarint64AtMost(in, t->rules.size() - 1, &rule));
    METRIFY_RETURN_IF_ERROR(GetCount(in, &t->rules[rule]));
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeDayQuality(const DayQuality& day) {
  std::string out;
  out.reserve(96);
  out.push_back(static_cast<char>(kDayQualityCodecVersion));
  PutVarsint64(&out, day.day);
  PutVarsint64(&out, day.start_ms);
  PutVarsint64(&out, day.end_ms);
  PutVarint64(&out, static_cast<uint64_t>(day.intervals));
  PutTally(&out, day.tally);
  out.push_back(static_cast<char>(day.daily.result));
  out.push_back(static_cast<char>(day.daily.reason));
  PutF64(&out, day.daily.usual_kwh);
  PutVarsint64(&out, day.daily.history_days);
  PutF64(&out, day.daily.ratio);
  return out;
}

Result<DayQuality> DecodeDayQuality(std::string_view in) {
  uint8_t version = 0;
  METRIFY_RETURN_IF_ERROR(GetU8(&in, &version));
  if (version != kDayQualityCodecVersion) {
    return Status::Corruption("stored quality day: unknown version " + std::to_string(version));
  }
  DayQuality day;
  METRIFY_RETURN_IF_ERROR(GetVarsint64(&in, &day.day));
  METRIFY_RETURN_IF_ERROR(GetVarsint64(&in, &day.start_ms));
  METRIFY_RETURN_IF_ERROR(GetVarsint64(&in, &day.end_ms));
  METRIFY_RETURN_IF_ERROR(GetCount(&in, &day.intervals));
  METRIFY_RETURN_IF_ERROR(GetTally(&in, &day.tally));
  uint8_t result = 0, reason = 0;
  METRIFY_RETURN_IF_ERROR(GetU8(&in, &result));
  METRIFY_RETURN_IF_ERROR(GetU8(&in, &reason));
  if (result > static_cast<uint8_t>(DailyResult::kLow) ||
      reason > static_cast<uint8_t>(NotJudgedReason::kTooLittleHistory)) {
    return Status::Corruption("stored quality day: unknown daily result or reason");
  }
  day.daily.result = static_cast<DailyResult>(result);
  day.daily.reason = static_cast<NotJudgedReason>(reason);
  METRIFY_RETURN_IF_ERROR(GetF64(&in, &day.daily.usual_kwh));
  int64_t history = 0;
  METRIFY_RETURN_IF_ERROR(GetVarsint64(&in, &history));
  day.daily.history_days = static_cast<int>(history);
  METRIFY_RETURN_IF_ERROR(GetF64(&in, &day.daily.ratio));
  if (!in.empty()) return Status::Corruption("stored quality day: trailing bytes");
  return day;
}

}  // namespace metrify::vee
