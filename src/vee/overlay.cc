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
  SetIfKnown(s, kStatus, static_cast<double>(row.status));
  SetIfKnown(s, kRule, static_cast<double>(row.rule));
  SetIfKnown(s, kFired, static_cast<double>(row.fired));
  SetIfKnown(s, kInvalidFields, static_cast<double>(row.invalid_fields));
  SetIfKnown(s, kLateBy, static_cast<double>(row.late_by_s));
  return s;
}

ValidatedInterval FromOverlay(const engine::HeadSample& sample) {
  ValidatedInterval row;
  row.end_ms = sample.timestamp_ms;
  row.energy_kwh = Get(sample, kEnergy);
  row.export_kwh = Get(sample, kExport);
  row.register_kwh = Get(sample, kRegister);
  row.status = static_cast<ValueStatus>(static_cast<int>(Get(sample, kStatus)));
  row.rule = static_cast<RuleId>(static_cast<int>(Get(sample, kRule)));
  row.fired = static_cast<uint32_t>(Get(sample, kFired));
  row.invalid_fields = static_cast<uint16_t>(Get(sample, kInvalidFields));
  row.late_by_s = static_cast<int64_t>(Get(sample, kLateBy));
  return row;
}

bool IsPlain(const ValidatedInterval& row, double raw_energy, int32_t interval_s) {
  return row.status == ValueStatus::kMeasured && row.fired == 0 && row.invalid_fields == 0 &&
         row.late_by_s <= interval_s + 900 && SameNumber(row.energy_kwh, raw_energy);
}

}  // namespace metrify::vee
