#include "vee/validated_view.h"

#include <cmath>

#include "common/time.h"
#include "vee/overlay.h"
#include "vee/quality.h"

namespace metrify::vee {

namespace {

constexpr auto kReading = model::SeriesKind::kReading;
constexpr int kEnergy = 0, kExport = 1, kRegister = 2;
constexpr uint16_t kVeeFields = (1u << kEnergy) | (1u << kExport) | (1u << kRegister);

void Set(query::Point& p, int field, double v) {
  if (std::isnan(v)) {
    p.values[field] = NAN;
    p.present &= static_cast<uint16_t>(~(1u << field));
  } else {
    p.values[field] = v;
    p.present |= static_cast<uint16_t>(1u << field);
  }
}

// The raw reading's other fields, less those VEE found out of range.
query::Point FromRaw(const engine::HeadSample* raw, int64_t end_ms, int32_t interval_s,
                     uint16_t invalid_fields) {
  query::Point p;
  p.timestamp_ms = end_ms;
  p.interval_s = interval_s;
  if (raw == nullptr) return p;
  const uint16_t keep = raw->present & static_cast<uint16_t>(~invalid_fields);
  for (int f = 0; f < model::kMaxSeriesFields; ++f) {
    if ((keep >> f) & 1u) p.values[f] = raw->values[f];
  }
  p.present = keep;
  return p;
}

// One grid interval: what came and what VEE said of it.
struct Slot {
  const engine::HeadSample* raw = nullptr;
  const engine::HeadSample* overlay = nullptr;
  int64_t raw_offset_ms = INT64_MAX;  // how far off the grid `raw` was
};

class ViewBuilder {
 public:
  ViewBuilder(const MeterInfo& meter, int64_t start_ms, int64_t end_ms,
              const ValidatedReadOptions& options)
      : meter_(meter), options_(options), step_(int64_t{meter.interval_s} * 1000) {
    // Interval ends in [start, end) on the grid.
    first_ = FloorToMultiple(start_ms - 1, step_) + step_;
    count_ = end_ms > first_ ? static_cast<size_t>((end_ms - first_ + step_ - 1) / step_) : 0;
    slots_.resize(count_);
  }

  void PlaceRaw(const std::vector<engine::HeadSample>& raw) {
    for (const engine::HeadSample& s : raw) {
      sent_fields_ |= s.present;
      // The nearest grid end: how VEE snaps a reading within its tolerance.
      const int64_t end = FloorToMultiple(s.timestamp_ms + step_ / 2, step_);
      Slot* slot = At(end);
      const int64_t offset = std::abs(s.timestamp_ms - end);
      if (slot != nullptr && offset < slot->raw_offset_ms) {
        slot->raw = &s;
        slot->raw_offset_ms = offset;
      }
    }
  }

  void PlaceOverlay(const std::vector<engine::HeadSample>& overlay) {
    for (const engine::HeadSample& s : overlay) {
      if (Slot* slot = At(s.timestamp_ms)) slot->overlay = &s;
    }
  }

  void Build(std::vector<ValidatedPoint>* out) const {
    int64_t missing_from = options_.missing_from_ms;
    if (missing_from == INT64_MIN) missing_from = FirstKnown();
    out->reserve(out->size() + count_);
    for (size_t i = 0; i < count_; ++i) {
      const int64_t end = first_ + static_cast<int64_t>(i) * step_;
      const Slot& s = slots_[i];
      const bool known = s.raw != nullptr || s.overlay != nullptr;
      const bool edited = options_.edits && options_.edits->count(end);
      if (!known && !edited && (end < missing_from || end > options_.now_ms)) continue;
      out->push_back(Point(end, s));
    }
  }

 private:
  Slot* At(int64_t end_ms) {
    if (end_ms < first_ || (end_ms - first_) % step_ != 0) return nullptr;
    const size_t i = static_cast<size_t>((end_ms - first_) / step_);
    return i < count_ ? &slots_[i] : nullptr;
  }

  int64_t FirstKnown() const {
    for (size_t i = 0; i < count_; ++i) {
      if (slots_[i].raw || slots_[i].overlay) return first_ + static_cast<int64_t>(i) * step_;
    }
    return INT64_MAX;
  }

  ValidatedPoint Point(int64_t end, const Slot& s) const {
    ValidatedPoint v;
    v.raw_present = s.raw ? s.raw->present : 0;
    if (s.overlay) {
      v.row = FromOverlay(*s.overlay);
    } else if (s.raw) {
      v.row.status = ValueStatus::kMeasured;
      v.row.energy_kwh = Field(s.raw, kEnergy);
      v.row.export_kwh = Field(s.raw, kExport);
      v.row.register_kwh = Field(s.raw, kRegister);
    } else {
      v.row.status = ValueStatus::kMissing;
      v.row.rule = RuleId::kGap;
      v.row.fired = 1u << static_cast<int>(RuleId::kGap);
    }
    v.row.end_ms = end;
    ApplyEdit(v.row);
    v.point = FromRaw(s.raw, end, meter_.interval_s, v.row.invalid_fields);
    v.point.present &= static_cast<uint16_t>(~kVeeFields);
    const bool counts = CountsInRollups(v.row.status);
    Set(v.point, kEnergy, counts ? v.row.energy_kwh : NAN);
    Set(v.point, kExport, counts ? v.row.export_kwh : NAN);
    Set(v.point, kRegister, counts ? v.row.register_kwh : NAN);
    v.row.quality = IntervalQuality(v.row, v.raw_present, sent_fields_, options_.due_after_hours);
    return v;
  }

  void ApplyEdit(ValidatedInterval& row) const {
    if (!options_.edits) return;
    auto it = options_.edits->find(row.end_ms);
    if (it == options_.edits->end()) return;
    row.status = ValueStatus::kEdited;
    row.rule = RuleId::kManualEdit;
    if (!std::isnan(it->second.energy_kwh)) row.energy_kwh = it->second.energy_kwh;
    if (!std::isnan(it->second.register_kwh)) row.register_kwh = it->second.register_kwh;
  }

  static double Field(const engine::HeadSample* s, int f) {
    return (s->present >> f) & 1u ? s->values[f] : NAN;
  }

  const MeterInfo& meter_;
  const ValidatedReadOptions& options_;
  int64_t step_;
  int64_t first_ = 0;
  size_t count_ = 0;
  std::vector<Slot> slots_;
  uint16_t sent_fields_ = 0;
};

}  // namespace

bool CountsInRollups(ValueStatus status) {
  return status == ValueStatus::kMeasured || status == ValueStatus::kEstimated ||
         status == ValueStatus::kEdited;
}

Status ReadValidated(store::SeriesStore& engine, uint32_t key, const MeterInfo& meter,
                     int64_t start_ms, int64_t end_ms, const ValidatedReadOptions& options,
                     std::vector<ValidatedPoint>* out) {
  ViewBuilder builder(meter, start_ms, end_ms, options);
  const int64_t half = int64_t{meter.interval_s} * 500;
  std::vector<engine::HeadSample> raw, overlay;
  // Off-grid readings up to half an interval either side snap into range.
  METRIFY_RETURN_IF_ERROR(engine.ReadLatest({kReading, key}, start_ms - half, end_ms + half, &raw));
  METRIFY_RETURN_IF_ERROR(
      engine.ReadLatest({model::SeriesKind::kVeeOverlay, key}, start_ms, end_ms, &overlay));
  builder.PlaceRaw(raw);
  builder.PlaceOverlay(overlay);
  builder.Build(out);
  return Status::Ok();
}

}  // namespace metrify::vee
