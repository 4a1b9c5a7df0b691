#include "vee/overlay.h"

#include <cmath>
#include <cstring>

namespace metrify::vee {

namespace {

using namespace overlay_field;

void SetIfKnown(engine::wal::WalSample& s, int field, double v) {
  if (std::isnan(v)) return;
  s.values[field] = v;
  s.present |= static_cast<uint16_t>(1u << field);
}

double Get(const engine::HeadSample& s, int field) {
  return (s.present >> field) & 1u ? s.values[field] : NAN;
}

bool SameNumber(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

double PackVerdict(const ValidatedInterval& row) {
  const uint64_t v = static_cast<uint64_t>(row.status) | static_cast<uint64_t>(row.rule) << 3 |
                     static_cast<uint64_t>(row.invalid_fields & 0xfff) << 10 |
                     static_cast<uint64_t>(row.fired & 0xffff) << 22;
  return static_cast<double>(v);
}

void UnpackVerdict(double verdict, ValidatedInterval* row) {
  const uint64_t v = static_cast<uint64_t>(verdict);
  row->status = static_cast<ValueStatus>(v & 0x7);
  row->rule = static_cast<RuleId>((v >> 3) & 0x7f);
  row->invalid_fields = static_cast<uint16_t>((v >> 10) & 0xfff);
  row->fired = static_cast<uint32_t>((v >> 22) & 0xffff);
}

engine::wal::WalSample ToOverlay(uint32_t key, int32_t interval_s, const ValidatedInterval& row,
                                 double raw_energy) {
  engine::wal::WalSample s;
  s.entity_key = key;
  s.timestamp_ms = row.end_ms;
  s.interval_s = interval_s;
  SetIfKnown(s, kEnergy, row.energy_kwh);
  SetIfKnown(s, kExport, row.export_kwh);
  SetIfKnown(s, kRegister, row.register_kwh);
  SetIfKnown(s, kRawEnergy, raw_energy);
  SetIfKnown(s, kVerdict, PackVerdict(row));
  if (row.late_by_s > 0) SetIfKnown(s, kLateBy, static_cast<double>(row.late_by_s));
  return s;
}

ValidatedInterval FromOverlay(const engine::HeadSample& sample) {
  ValidatedInterval row;
  row.end_ms = sample.timestamp_ms;
  row.energy_kwh = Get(sample, kEnergy);
  row.export_kwh = Get(sample, kExport);
  row.register_kwh = Get(sample, kRegister);
  UnpackVerdict(Get(sample, kVerdict), &row);
  const double late = Get(sample, kLateBy);
  row.late_by_s = std::isnan(late) ? 0 : static_cast<int64_t>(late);
  return row;
}

bool IsPlain(const ValidatedInterval& row, double raw_energy) {
  return row.status == ValueStatus::kMeasured && row.fired == 0 && row.invalid_fields == 0 &&
         row.late_by_s == 0 && SameNumber(row.energy_kwh, raw_energy);
}

}  // namespace metrify::vee
