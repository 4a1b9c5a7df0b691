#include "vee/validator.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "common/time.h"
#include "vee/estimation.h"
#include "vee/local_clock.h"
#include "vee/quality.h"

namespace metrify::vee {

namespace {

constexpr int kEnergy = 0, kExport = 1, kRegister = 2, kCurrent = 4;
constexpr int kReadingKind = static_cast<int>(model::SeriesKind::kReading);
// Readings this far ahead of now get no row at all (a clock set to another
// year would otherwise open a window of millions of intervals).
constexpr int64_t kFutureHorizonMs = 86'400'000;

uint32_t Bit(RuleId rule) { return 1u << static_cast<int>(rule); }

// One grid interval while the window is worked on.
struct Slot {
  const RawReading* raw = nullptr;
  int64_t raw_offset_ms = 0;  // |timestamp - grid end| of `raw`
  uint32_t fired = 0;
  uint16_t invalid_fields = 0;
  bool energy_ok = false;  // a usable measured (or derived) energy
  bool register_ok = false;
  double energy = NAN, exported = NAN, reg = NAN;
  RuleId invalid_rule = RuleId::kNone;  // what made the energy unusable
  const Edit* edit = nullptr;
};

class Window {
 public:
  Window(const WindowInput& in, LocalClock& clock)
      : in_(in),
        m_(*in.meter),
        r_(*in.rules),
        step_(static_cast<int64_t>(in.meter->interval_s) * 1000),
        clock_(clock) {
    // The meter's ranges, worked out once for all readings of the window.
    for (int f = 0; f < model::kMaxSeriesFields; ++f) {
      ranges_[f] = r_.ranges[kReadingKind][f];
      if (f == kEnergy) ranges_[f] = EnergyRange(ranges_[f]);
      if (f == kCurrent) ranges_[f] = CurrentRange(ranges_[f]);
    }
  }

  WindowResult Run() {
    if (!Place()) return {{}, in_.anchor, 0};
    for (Slot& s : slots_) CheckFields(s);
    CheckRegisters();
    CheckSpikes();
    CheckRuns();
    ApplyEdits();
    WindowResult out;
    out.rows.resize(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) out.rows[i] = Measured(i);
    MarkPending(out.rows);
    Estimate(out.rows);
    for (ValidatedInterval& row : out.rows) row.quality = Quality(row);
    SetAnchor(out);
    return out;
  }

 private:
  // Puts each raw reading on its grid interval; returns false when the
  // window is empty.
  bool Place() {
    first_end_ = in_.anchor.end_ms != INT64_MIN ? in_.anchor.end_ms + step_ : INT64_MAX;
    int64_t last_end = INT64_MIN;
    for (const RawReading& raw : in_.raw) {
      if (raw.timestamp_ms > in_.now_ms + kFutureHorizonMs) continue;
      const int64_t end = FloorToMultiple(raw.timestamp_ms + step_ / 2, step_);
      if (in_.anchor.end_ms == INT64_MIN) first_end_ = std::min(first_end_, end);
      if (end < first_end_) continue;  // at or before the anchor: not this window's
      last_end = std::max(last_end, end);
    }
    if (last_end == INT64_MIN || last_end < first_end_) return false;
    slots_.resize(static_cast<size_t>((last_end - first_end_) / step_ + 1));
    for (const RawReading& raw : in_.raw) {
      const int64_t end = FloorToMultiple(raw.timestamp_ms + step_ / 2, step_);
      if (end < first_end_ || end > last_end) continue;
      Slot& s = slots_[(end - first_end_) / step_];
      const int64_t offset = std::llabs(raw.timestamp_ms - end);
      if (offset > r_.clock_skew_tolerance_s * 1000) {
        s.fired |= Bit(RuleId::kMisaligned);
        if (r_.misaligned != RuleAction::kInvalid) Take(s, raw, offset);
        continue;
      }
      Take(s, raw, offset);
    }
    return true;
  }

  // Of two readings for one interval, the one nearer the grid wins.
  static void Take(Slot& s, const RawReading& raw, int64_t offset) {
    if (s.raw && s.raw_offset_ms <= offset) return;
    s.raw = &raw;
    s.raw_offset_ms = offset;
  }

  int64_t EndOf(size_t i) const { return first_end_ + static_cast<int64_t>(i) * step_; }

  // Fires `rule` on the slot; with action kInvalid the energy is unusable.
  void Fire(Slot& s, RuleId rule, RuleAction action) {
    if (action == RuleAction::kOff) return;
    s.fired |= Bit(rule);
    if (action == RuleAction::kInvalid && s.energy_ok) {
      s.energy_ok = false;
      s.invalid_rule = rule;
    }
  }

  void CheckFields(Slot& s) {
    if (!s.raw) return;
    const RawReading& raw = *s.raw;
    s.energy_ok = raw.Has(kEnergy);
    s.energy = raw.Has(kEnergy) ? raw.values[kEnergy] : NAN;
    s.exported = raw.Has(kExport) ? raw.values[kExport] : NAN;
    s.register_ok = raw.Has(kRegister);
    s.reg = s.register_ok ? raw.values[kRegister] * m_.register_multiplier : NAN;
    if (raw.interval_s != m_.interval_s) Fire(s, RuleId::kIntervalLength, r_.interval_length);
    if (raw.timestamp_ms > in_.now_ms + r_.future_tolerance_s * 1000) {
      Fire(s, RuleId::kFuture, r_.future);
    }
    if (raw.Has(kEnergy) && raw.values[kEnergy] < 0) {
      Fire(s, RuleId::kNegativeEnergy, r_.negative_energy);
    }
    CheckRanges(s);
    if (raw.revised) Fire(s, RuleId::kDuplicate, r_.duplicate);
  }

  void CheckRanges(Slot& s) {
    const RawReading& raw = *s.raw;
    for (int f = 0; f < model::kMaxSeriesFields; ++f) {
      if (!raw.Has(f)) continue;
      const std::optional<Range>& range = ranges_[f];
      if (!range || range->Contains(raw.values[f])) continue;
      if (f == kEnergy && raw.values[f] < 0 && r_.negative_energy != RuleAction::kOff) continue;
      if (r_.range_action == RuleAction::kOff) continue;
      s.fired |= Bit(RuleId::kRange);
      if (r_.range_action != RuleAction::kInvalid) continue;
      s.invalid_fields |= static_cast<uint16_t>(1u << f);
      if (f == kEnergy) Fire(s, RuleId::kRange, RuleAction::kInvalid);
      if (f == kRegister) s.register_ok = false;
      if (f == kExport) s.exported = NAN;
    }
  }

  // The energy range, bounded above by the meter's rating when it has one:
  // three phases at the rated current (the registry does not say how many
  // phases a meter has, and a bound must never refuse a true value).
  std::optional<Range> EnergyRange(std::optional<Range> range) const {
    if (!m_.rated_current_a || (range && range->max)) return range;
    Range bounded = range.value_or(Range{});
    bounded.max = 3 * *m_.rated_current_a * r_.nominal_voltage_v * r_.rating_factor *
                  (m_.interval_s / 3600.0) / 1000.0;
    return bounded;
  }

  // The current range: 1.2 x the meter's rating when it has one (DESIGN §3).
  std::optional<Range> CurrentRange(std::optional<Range> range) const {
    if (!m_.rated_current_a) return range;
    Range bounded = range.value_or(Range{});
    bounded.max = *m_.rated_current_a * r_.rating_factor;
    return bounded;
  }

  // Register continuity: rollover and reset; a register-only meter's
  // energy is the difference; and the sum check: over the period since the
  // last register it was based on, the interval energies must add up to the
  // register's rise.
  void CheckRegisters() {
    std::optional<double> prev = in_.anchor.register_kwh;
    if (prev) *prev *= m_.register_multiplier;
    int64_t prev_end = in_.anchor.end_ms;
    bool open = in_.anchor.sum_open;
    double energy = in_.anchor.sum_energy_kwh, rise = in_.anchor.sum_register_kwh;
    sum_.assign(slots_.size(), SumState{});
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      const int64_t end = EndOf(i);
      double diff = NAN;
      if (s.register_ok && prev) diff = RegisterRise(s, *prev, (end - prev_end) / step_);
      if (open && !s.energy_ok && !(s.register_ok && !std::isnan(diff) && !s.raw->Has(kEnergy))) {
        open = false;  // an interval of unknown energy: the period cannot be checked
      }
      if (s.register_ok) {
        if (open && !std::isnan(diff)) {
          if (!s.energy_ok && !s.raw->Has(kEnergy) && (end - prev_end) == step_) Derive(s, diff);
          if (s.energy_ok) energy += s.energy;
          rise += diff;
          // The period's totals catch small disagreements that add up; the
          // step catches a large one that a long period's percentage would
          // hide (and a frozen register that later catches up).
          if (std::abs(rise - energy) > SumTolerance(rise) ||
              StepDisagrees(s, diff, end - prev_end)) {
            Fire(s, RuleId::kSumCheck, r_.sum_check);
            open = false;
          }
        } else if (!std::isnan(diff) && !s.raw->Has(kEnergy) && (end - prev_end) == step_) {
          Derive(s, diff);
        }
        if (!open || std::isnan(diff)) {
          open = true;  // a new period starts at this register
          energy = rise = 0;
        }
        prev = s.reg;
        prev_end = end;
      } else if (open && s.energy_ok) {
        energy += s.energy;
      }
      sum_[i] = {open, energy, rise};
    }
  }

  // The register's rise since `prev` over `intervals` intervals, unwrapping
  // a rollover; NaN after a reset.
  double RegisterRise(Slot& s, double prev, int64_t intervals) {
    const double diff = s.reg - prev;
    if (diff >= 0) return diff;
    if (PlausibleSpan(diff + m_.RegisterWrapKwh(), intervals)) {
      Fire(s, RuleId::kRollover, r_.rollover);
      return diff + m_.RegisterWrapKwh();
    }
    s.fired |= r_.reset == RuleAction::kOff ? 0 : Bit(RuleId::kReset);
    if (r_.reset == RuleAction::kInvalid) s.register_ok = false;
    return NAN;
  }

  void Derive(Slot& s, double diff) {
    s.energy = diff;
    s.energy_ok = true;
  }

  // Whether one interval's energy and the register's rise across exactly
  // that interval disagree beyond the tolerance of the larger of the two.
  bool StepDisagrees(const Slot& s, double diff, int64_t span_ms) const {
    if (span_ms != step_ || !s.energy_ok || !s.raw->Has(kEnergy)) return false;
    return std::abs(diff - s.energy) > SumTolerance(std::max(diff, s.energy));
  }

  double SumTolerance(double rise) const {
    const double resolution = std::pow(10.0, -m_.register_decimals) * m_.register_multiplier;
    return std::max(
               {r_.sum_tolerance_kwh, std::abs(rise) * r_.sum_tolerance_pct / 100, resolution}) +
           1e-9;
  }

  // Whether `kwh` could flow in `intervals` intervals: within the rating
  // bound when the meter has one, else under 1 % of the register's range.
  bool PlausibleSpan(double kwh, int64_t intervals) const {
    const std::optional<Range> range = EnergyRange(r_.ranges[kReadingKind][kEnergy]);
    if (range && range->max) return kwh <= *range->max * static_cast<double>(intervals);
    return kwh <= m_.RegisterWrapKwh() * 0.01;
  }

  // The usual energy of the interval ending at `end`, if learned.
  std::optional<double> Typical(int64_t end) {
    if (!in_.typical) return std::nullopt;
    const LocalTime local = clock_.At(end - step_);  // the interval's start
    const float v = in_.typical->quarter_kwh[std::clamp(local.second / 900, 0, 95)];
    if (std::isnan(v)) return std::nullopt;
    return v;
  }

  std::optional<double> EnergyBefore(size_t i) const {
    if (i == 0) return in_.anchor.energy_kwh;
    const Slot& p = slots_[i - 1];
    return p.energy_ok ? std::optional<double>(p.energy) : std::nullopt;
  }

  // A spike stands far above both neighbours and above the usual value at
  // that time of day. The newest interval is judged without its next
  // neighbour; the window is run again when that arrives.
  void CheckSpikes() {
    if (r_.spike == RuleAction::kOff) return;
    std::vector<bool> spike(slots_.size(), false);
    for (size_t i = 0; i < slots_.size(); ++i) {
      const Slot& s = slots_[i];
      if (!s.energy_ok || s.energy < r_.spike_min_kwh) continue;
      std::optional<double> ref = EnergyBefore(i);
      if (i + 1 < slots_.size() && slots_[i + 1].energy_ok) {
        ref = std::max(ref.value_or(0.0), slots_[i + 1].energy);
      }
      if (!ref) continue;
      if (s.energy <= r_.spike_factor * std::max(*ref, r_.spike_min_kwh)) continue;
      const std::optional<double> typical = Typical(EndOf(i));
      if (typical && s.energy <= r_.spike_typical_factor * std::max(*typical, r_.spike_min_kwh)) {
        continue;
      }
      spike[i] = true;
    }
    // Judged on the measured neighbours first, then marked, so one spike
    // does not hide its neighbour's.
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (spike[i]) Fire(slots_[i], RuleId::kSpike, r_.spike);
    }
  }

  // Zero-consumption streaks and flat lines, counted across windows.
  void CheckRuns() {
    zero_run_.assign(slots_.size(), 0);
    flat_run_.assign(slots_.size(), 0);
    flat_value_.assign(slots_.size(), NAN);
    int zero = in_.anchor.zero_run, flat = in_.anchor.flat_run;
    double flat_value = in_.anchor.flat_value;
    const bool consumes = in_.typical && !std::isnan(in_.typical->daily_kwh) &&
                          in_.typical->daily_kwh > r_.zero_streak_min_daily_kwh;
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      if (!s.energy_ok) {
        zero = flat = 0;
        flat_value = NAN;
      } else {
        zero = s.energy == 0 ? zero + 1 : 0;
        flat = (s.energy != 0 && s.energy == flat_value) ? flat + 1 : (s.energy != 0 ? 1 : 0);
        flat_value = s.energy;
        if (consumes && zero >= r_.zero_streak_intervals) {
          Fire(s, RuleId::kZeroStreak, r_.zero_streak);
        }
        if (flat >= r_.flat_line_intervals) Fire(s, RuleId::kFlatLine, r_.flat_line);
      }
      zero_run_[i] = zero;
      flat_run_[i] = flat;
      flat_value_[i] = flat_value;
    }
  }

  void ApplyEdits() {
    if (!in_.edits) return;
    for (size_t i = 0; i < slots_.size(); ++i) {
      auto it = in_.edits->find(EndOf(i));
      if (it != in_.edits->end()) slots_[i].edit = &it->second;
    }
  }

  // The row as measured (before estimation fills what is unusable).
  ValidatedInterval Measured(size_t i) const {
    const Slot& s = slots_[i];
    ValidatedInterval row;
    row.end_ms = EndOf(i);
    row.fired = s.fired;
    row.invalid_fields = s.invalid_fields;
    // Late only once it came after it was due: readings a concurrent sender
    // reorders by minutes or hours of data time are on time.
    if (s.raw && s.raw->late_by_ms > r_.due_after_hours * 3'600'000) {
      row.late_by_s = s.raw->late_by_ms / 1000;
    }
    if (s.edit) {
      row.status = ValueStatus::kEdited;
      row.rule = RuleId::kManualEdit;
      row.energy_kwh = std::isnan(s.edit->energy_kwh) ? s.energy : s.edit->energy_kwh;
      row.register_kwh = std::isnan(s.edit->register_kwh) ? s.reg : s.edit->register_kwh;
      return row;
    }
    if (!s.raw && (s.fired & Bit(RuleId::kMisaligned))) {
      row.status = ValueStatus::kInvalid;  // it came, off the grid
      row.rule = RuleId::kMisaligned;
      return row;
    }
    if (!s.raw || (!s.energy_ok && s.invalid_rule == RuleId::kNone)) {
      row.status = ValueStatus::kMissing;  // nothing came, or no energy in what came
      row.rule = RuleId::kGap;
      row.fired |= Bit(RuleId::kGap);
      if (s.raw && s.register_ok) row.register_kwh = s.reg;
      return row;
    }
    if (!s.energy_ok) {
      row.status = ValueStatus::kInvalid;
      row.rule = s.invalid_rule;
      row.export_kwh = s.exported;
      if (s.register_ok) row.register_kwh = s.reg;
      return row;
    }
    row.status = ValueStatus::kMeasured;
    row.rule = FirstFired(s.fired);
    row.energy_kwh = s.energy;
    row.export_kwh = s.exported;
    if (s.register_ok) row.register_kwh = s.reg;
    return row;
  }

  static RuleId FirstFired(uint32_t fired) {
    for (int r = 1; r < 32; ++r) {
      if (fired & (1u << r)) return static_cast<RuleId>(r);
    }
    return RuleId::kNone;
  }

  bool Usable(const ValidatedInterval& row) const {
    return row.status == ValueStatus::kMeasured || row.status == ValueStatus::kEdited;
  }

  // Fills each run of MISSING and INVALID intervals with an estimate when a
  // method applies.
  void Estimate(std::vector<ValidatedInterval>& rows) {
    if (!r_.estimate) return;
    size_t i = 0;
    while (i < rows.size()) {
      if (Usable(rows[i])) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < rows.size() && !Usable(rows[j])) ++j;
      EstimateRun(rows, i, j);
      i = j;
    }
  }

  // Intervals nothing came for are due once the meter's data (or the clock)
  // is `due_after_hours` past them: readings sent concurrently or a little
  // late then fill them without an estimate made and withdrawn on the way.
  // The clock counts only for gaps before the settled readings.
  void MarkPending(std::vector<ValidatedInterval>& rows) const {
    const int64_t due_ms = static_cast<int64_t>(r_.due_after_hours * 3'600'000);
    const int64_t newest = slots_.empty() ? INT64_MIN : EndOf(slots_.size() - 1);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (slots_[i].raw || rows[i].status != ValueStatus::kMissing) continue;
      const int64_t end = rows[i].end_ms;
      if (end <= newest - due_ms) continue;  // due by the meter's own data
      const bool clock_due = end <= in_.now_ms - due_ms;
      rows[i].settling = clock_due && end > in_.settled_ms;
      rows[i].pending = !clock_due || rows[i].settling;
    }
  }

  void EstimateRun(std::vector<ValidatedInterval>& rows, size_t first, size_t last) {
    for (size_t k = first; k < last; ++k) {
      if (rows[k].pending) return;  // the run waits until it is due
    }
    Gap gap{rows[first].end_ms, static_cast<int>(last - first), m_.interval_s};
    GapContext context;
    std::optional<double> reg_start;
    if (first > 0) {
      if (!std::isnan(rows[first - 1].energy_kwh)) context.before_kwh = rows[first - 1].energy_kwh;
      if (!std::isnan(rows[first - 1].register_kwh)) reg_start = rows[first - 1].register_kwh;
    } else {
      context.before_kwh = in_.anchor.energy_kwh;
      if (in_.anchor.register_kwh) reg_start = *in_.anchor.register_kwh * m_.register_multiplier;
    }
    if (last < rows.size()) {
      const ValidatedInterval& after = rows[last];
      if (!std::isnan(after.energy_kwh)) context.after_kwh = after.energy_kwh;
      if (reg_start && !std::isnan(after.register_kwh) && !std::isnan(after.energy_kwh)) {
        double reg_end = after.register_kwh - after.energy_kwh;
        if (reg_end < *reg_start &&
            PlausibleSpan(reg_end + m_.RegisterWrapKwh() - *reg_start, gap.count)) {
          reg_end += m_.RegisterWrapKwh();
        }
        // A reset inside the gap leaves no known difference.
        if (reg_end >= *reg_start) {
          context.register_start_kwh = reg_start;
          context.register_end_kwh = reg_end;
        }
      }
    }
    context.history = in_.history;
    context.load_profile = m_.load_profile;
    context.timezone = m_.timezone;
    context.annual_kwh = m_.annual_kwh.value_or(0);
    if (context.annual_kwh == 0 && in_.typical && !std::isnan(in_.typical->daily_kwh)) {
      context.annual_kwh = in_.typical->daily_kwh * 365;
    }
    const std::optional<vee::Estimate> estimate = EstimateGap(gap, context, r_);
    if (!estimate) return;
    double reg = reg_start.value_or(NAN);
    for (size_t k = first; k < last; ++k) {
      ValidatedInterval& row = rows[k];
      row.status = ValueStatus::kEstimated;
      row.rule = estimate->method;
      row.energy_kwh = estimate->kwh[k - first];
      row.export_kwh = NAN;
      reg = std::fmod(reg + row.energy_kwh, m_.RegisterWrapKwh());
      row.register_kwh = reg;
    }
  }

  double Quality(const ValidatedInterval& row) const {
    const Slot& s = slots_[(row.end_ms - first_end_) / step_];
    return IntervalQuality(row, s.raw ? s.raw->present : 0, expected_fields(), r_.due_after_hours);
  }

  // The fields this meter sends: those any reading of the window carries.
  uint16_t expected_fields() const {
    if (expected_fields_ == 0) {
      for (const RawReading& raw : in_.raw) expected_fields_ |= raw.present;
    }
    return expected_fields_;
  }

  // The new anchor: the last measured interval whose next neighbour has
  // arrived (its spike check saw both sides).
  void SetAnchor(WindowResult& out) const {
    out.anchor = in_.anchor;
    out.final_rows = 0;
    size_t limit = slots_.size();  // the anchor stays before a pending gap
    for (size_t i = 0; i < out.rows.size(); ++i) {
      if (out.rows[i].pending) {
        limit = i;
        break;
      }
    }
    for (size_t i = limit; i-- > 1;) {
      const size_t a = i - 1;
      if (!slots_[i].raw || !slots_[a].energy_ok || slots_[a].edit) continue;
      if (out.rows[a].status != ValueStatus::kMeasured) continue;
      out.anchor.end_ms = EndOf(a);
      out.anchor.energy_kwh = slots_[a].energy;
      out.anchor.register_kwh = slots_[a].register_ok
                                    ? std::optional<double>(slots_[a].reg / m_.register_multiplier)
                                    : std::nullopt;
      out.anchor.zero_run = zero_run_[a];
      out.anchor.flat_run = flat_run_[a];
      out.anchor.flat_value = flat_value_[a];
      out.anchor.sum_open = sum_[a].open;
      out.anchor.sum_energy_kwh = sum_[a].energy;
      out.anchor.sum_register_kwh = sum_[a].rise;
      out.final_rows = a + 1;
      return;
    }
  }

  const WindowInput& in_;
  const MeterInfo& m_;
  const RuleSet& r_;
  int64_t step_;
  LocalClock& clock_;
  std::array<std::optional<Range>, model::kMaxSeriesFields> ranges_;
  int64_t first_end_ = 0;
  std::vector<Slot> slots_;
  struct SumState {
    bool open = false;
    double energy = 0, rise = 0;
  };
  std::vector<SumState> sum_;
  std::vector<int> zero_run_, flat_run_;
  std::vector<double> flat_value_;
  mutable uint16_t expected_fields_ = 0;
};

}  // namespace

double MeterInfo::RegisterWrapKwh() const {
  return std::pow(10.0, register_digits - register_decimals) * register_multiplier;
}

Result<WindowResult> ValidateWindow(const WindowInput& in) {
  METRIFY_ASSIGN_OR_RETURN(LocalClock clock, LocalClock::For(in.meter->timezone));
  return ValidateWindow(in, clock);
}

WindowResult ValidateWindow(const WindowInput& in, LocalClock& clock) {
  Window window(in, clock);
  return window.Run();
}

}  // namespace metrify::vee
