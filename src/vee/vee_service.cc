#include "vee/vee_service.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/time.h"
#include "vee/overlay.h"

namespace metrify::vee {

namespace {

constexpr auto kReading = model::SeriesKind::kReading;
constexpr auto kOverlay = model::SeriesKind::kVeeOverlay;
constexpr int kEnergy = 0, kRegister = 2;
constexpr int64_t kDayMs = 86'400'000;
// How fast the usual values follow the meter: about the last ten days
// weigh most.
constexpr float kQuarterAlpha = 0.1f;
constexpr double kDailyAlpha = 0.2;

RawReading ToRaw(const engine::HeadSample& s) {
  RawReading r;
  r.timestamp_ms = s.timestamp_ms;
  r.interval_s = s.interval_s;
  r.present = s.present;
  r.values = s.values;
  r.revised = s.revision > 0;
  return r;
}

// The sample at `t` of a series read in timestamp order, or null.
const engine::HeadSample* At(const std::vector<engine::HeadSample>& series, int64_t t) {
  auto it =
      std::lower_bound(series.begin(), series.end(), t,
                       [](const engine::HeadSample& s, int64_t v) { return s.timestamp_ms < v; });
  return it != series.end() && it->timestamp_ms == t ? &*it : nullptr;
}

double RawEnergy(const engine::HeadSample* raw) {
  return raw != nullptr && (raw->present & (1u << kEnergy)) ? raw->values[kEnergy] : NAN;
}

}  // namespace

VeeService::VeeService(engine::ReadingsEngine& engine, MeterLookup meters, RulesConfig rules,
                       Clock now, int threads)
    : engine_(engine), meters_(std::move(meters)), rules_(std::move(rules)), now_(std::move(now)) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Run(); });
}

VeeService::~VeeService() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void VeeService::Observe(std::span<const engine::wal::WalSample> readings) {
  std::unique_lock lock(mu_);
  MeterState* state = nullptr;
  uint32_t state_key = 0;
  size_t before = queue_.size();
  for (const engine::wal::WalSample& s : readings) {
    // Batches come in runs of one meter: one lookup per run.
    if (state == nullptr || state_key != s.entity_key) {
      std::unique_ptr<MeterState>& slot = states_[s.entity_key];
      if (!slot) slot = std::make_unique<MeterState>();
      state = slot.get();
      state_key = s.entity_key;
      if (!state->queued) {
        state->queued = true;
        queue_.push_back(s.entity_key);
      }
    }
    if (state->fresh) state->rewind_from_ms = std::min(state->rewind_from_ms, s.timestamp_ms);
    if (s.timestamp_ms <= state->max_seen_ms) {
      state->late_by[s.timestamp_ms] = state->max_seen_ms - s.timestamp_ms;
      state->rewind_from_ms = std::min(state->rewind_from_ms, s.timestamp_ms);
    } else {
      state->max_seen_ms = s.timestamp_ms;
    }
  }
  const size_t added = queue_.size() - before;
  lock.unlock();
  if (added == 1) work_.notify_one();
  if (added > 1) work_.notify_all();
}

void VeeService::Reopen(uint32_t key, int64_t timestamp_ms) {
  std::unique_lock lock(mu_);
  std::unique_ptr<MeterState>& slot = states_[key];
  if (!slot) slot = std::make_unique<MeterState>();
  slot->rewind_from_ms = std::min(slot->rewind_from_ms, timestamp_ms);
  if (slot->queued) return;
  slot->queued = true;
  queue_.push_back(key);
  lock.unlock();
  work_.notify_one();
}

void VeeService::Drain() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return (queue_.empty() && busy_ == 0) || stop_; });
}

VeeStats VeeService::stats() const {
  std::lock_guard lock(mu_);
  VeeStats s = stats_;
  s.dirty_meters = queue_.size() + static_cast<size_t>(busy_);
  return s;
}

void VeeService::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    const uint32_t key = queue_.front();
    queue_.pop_front();
    MeterState& state = *states_[key];
    state.queued = false;
    if (state.running) {  // another worker has it: it queues it again when done
      state.again = true;
      continue;
    }
    state.running = true;
    ++busy_;
    lock.unlock();
    const Status status = ValidateMeter(key);
    lock.lock();
    --busy_;
    state.running = false;
    if (!status.ok()) ++stats_.errors;
    if (state.again && !state.queued) {
      state.again = false;
      state.queued = true;
      queue_.push_back(key);
      work_.notify_one();
    }
    if (queue_.empty() && busy_ == 0) idle_.notify_all();
  }
}

Status VeeService::ValidateMeter(uint32_t key) {
  MeterState* state = nullptr;
  int64_t rewind_from = INT64_MAX;
  std::unordered_map<int64_t, int64_t> late_by;
  {
    std::lock_guard lock(mu_);
    std::unique_ptr<MeterState>& slot = states_[key];
    if (!slot) slot = std::make_unique<MeterState>();
    state = slot.get();
    std::swap(rewind_from, state->rewind_from_ms);
    late_by.swap(state->late_by);
    state->fresh = false;
  }
  const std::optional<MeterInfo> meter = meters_(key);
  if (!meter) return Status::Ok();  // deleted since: nothing to validate
  // Only this worker touches the state now (state->running).
  if (!state->clock || state->zone != meter->timezone) {
    METRIFY_ASSIGN_OR_RETURN(LocalClock made, LocalClock::For(meter->timezone));
    state->clock = made;
    state->zone = meter->timezone;
  }
  if (!state->rules || state->rules_type != meter->type) {
    state->rules = rules_.For(meter->type, meter->id);
    state->rules_type = meter->type;
  }
  LocalClock& clock = *state->clock;
  const RuleSet& rules = *state->rules;

  Anchor anchor = state->anchor;
  const bool first = anchor.end_ms == INT64_MIN;
  int64_t from = first ? state->open_from_ms : anchor.end_ms + 1;
  if (rewind_from != INT64_MAX && (first || rewind_from <= anchor.end_ms)) {
    // From the start of the late reading's local day; with nothing measured
    // the day before (a new meter), from its first reading that day on.
    from = clock.DayStartUtc(clock.DayOfIntervalEnding(rewind_from));
    anchor = AnchorBefore(key, *meter, from);
    if (anchor.end_ms != INT64_MIN) from = anchor.end_ms + 1;
    if (first) state->open_from_ms = from;  // until an anchor is found
    if (!first) {
      std::lock_guard lock(mu_);
      ++stats_.rewinds;
    }
  }
  // The engine's partitions are days since 1970 in 32 bits: bounded reads.
  // Readings more than a day ahead get no row anyway (validator.cc).
  const int64_t now = now_();
  const int64_t until = now + 2 * kDayMs;
  std::vector<engine::HeadSample> raw, overlay;
  METRIFY_RETURN_IF_ERROR(engine_.ReadLatest({kReading, key}, from, until, &raw));
  METRIFY_RETURN_IF_ERROR(engine_.ReadLatest({kOverlay, key}, from, until, &overlay));
  std::vector<RawReading> readings;
  readings.reserve(raw.size());
  for (const engine::HeadSample& s : raw) {
    RawReading& r = readings.emplace_back(ToRaw(s));
    if (auto it = late_by.find(s.timestamp_ms); it != late_by.end()) {
      r.late_by_ms = it->second;
    } else if (const engine::HeadSample* old = At(overlay, s.timestamp_ms)) {
      r.late_by_ms = FromOverlay(*old).late_by_s * 1000;  // kept from its arrival
    }
  }
  std::map<int64_t, Edit> edits;
  if (edits_) edits = edits_(key, from, until);
  WindowInput in;
  in.meter = &*meter;
  in.edits = &edits;
  in.rules = &rules;
  in.typical = &state->typical;
  in.anchor = anchor;
  in.raw = readings;
  in.now_ms = now;
  const WindowResult result = ValidateWindow(in, clock);

  std::vector<engine::wal::WalSample> writes;
  for (const ValidatedInterval& row : result.rows) {
    if (row.pending) continue;
    // A reading snapped onto the grid is not at row.end_ms: its row differs.
    const double raw_energy = RawEnergy(At(raw, row.end_ms));
    if (IsPlain(row, raw_energy) && At(overlay, row.end_ms) == nullptr) continue;
    writes.push_back(ToOverlay(key, meter->interval_s, row, raw_energy));
  }
  if (!writes.empty()) METRIFY_RETURN_IF_ERROR(engine_.Append(kOverlay, writes).status());

  Learn(*state, *meter, clock, std::span(result.rows).first(result.final_rows));
  state->anchor = result.anchor;
  std::lock_guard lock(mu_);
  ++stats_.windows;
  stats_.readings += result.rows.size();
  stats_.overlay_rows += writes.size();
  return Status::Ok();
}

// The last measured interval at or before `day_start` (from the raw
// readings and the overlay of the day before), or no anchor.
Anchor VeeService::AnchorBefore(uint32_t key, const MeterInfo& meter, int64_t day_start) {
  const int64_t step = static_cast<int64_t>(meter.interval_s) * 1000;
  const int64_t end = FloorToMultiple(day_start, step);
  Anchor anchor;
  std::vector<engine::HeadSample> raw, overlay;
  if (!engine_.ReadLatest({kReading, key}, end - kDayMs, end + 1, &raw).ok() ||
      !engine_.ReadLatest({kOverlay, key}, end - kDayMs, end + 1, &overlay).ok()) {
    return anchor;
  }
  std::map<int64_t, ValidatedInterval> rows;
  for (const engine::HeadSample& s : overlay) rows[s.timestamp_ms] = FromOverlay(s);
  for (auto r = raw.rbegin(); r != raw.rend(); ++r) {
    if (r->timestamp_ms % step != 0) continue;  // off the grid: not an anchor
    auto o = rows.find(r->timestamp_ms);
    const bool measured = o == rows.end() ? (r->present & (1u << kEnergy)) != 0
                                          : o->second.status == ValueStatus::kMeasured &&
                                                !std::isnan(o->second.energy_kwh);
    if (!measured) continue;
    anchor.end_ms = r->timestamp_ms;
    anchor.energy_kwh = o == rows.end() ? r->values[kEnergy] : o->second.energy_kwh;
    if (r->present & (1u << kRegister)) anchor.register_kwh = r->values[kRegister];
    return anchor;
  }
  return anchor;  // none
}

// Learns the meter's usual quarter hours and days from its final measured
// intervals, each once.
void VeeService::Learn(MeterState& state, const MeterInfo& meter, LocalClock& clock,
                       std::span<const ValidatedInterval> rows) {
  const int64_t step = static_cast<int64_t>(meter.interval_s) * 1000;
  for (const ValidatedInterval& row : rows) {
    if (row.end_ms <= state.learned_until_ms) continue;
    state.learned_until_ms = row.end_ms;
    const bool clean = row.status == ValueStatus::kMeasured && row.fired == 0;
    const int64_t day = clock.DayOfIntervalEnding(row.end_ms);
    if (day != state.learn_day) {
      const int64_t expected =
          state.learn_day == INT64_MIN
              ? 0
              : (clock.DayStartUtc(state.learn_day + 1) - clock.DayStartUtc(state.learn_day)) /
                    step;
      if (expected > 0 && state.learn_count == expected) {
        MeterTypical& t = state.typical;
        t.daily_kwh = std::isnan(t.daily_kwh)
                          ? state.learn_kwh
                          : (1 - kDailyAlpha) * t.daily_kwh + kDailyAlpha * state.learn_kwh;
        ++t.days;
      }
      state.learn_day = day;
      state.learn_kwh = 0;
      state.learn_count = 0;
    }
    if (!clean || std::isnan(row.energy_kwh)) continue;
    state.learn_kwh += row.energy_kwh;
    ++state.learn_count;
    const LocalTime local = clock.At(row.end_ms - step);
    float& q = state.typical.quarter_kwh[std::clamp(local.second / 900, 0, 95)];
    q = std::isnan(q)
            ? static_cast<float>(row.energy_kwh)
            : (1 - kQuarterAlpha) * q + kQuarterAlpha * static_cast<float>(row.energy_kwh);
  }
}

}  // namespace metrify::vee
