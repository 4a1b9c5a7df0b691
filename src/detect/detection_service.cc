#include "detect/detection_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include <pthread.h>

#include "common/time.h"
#include "detect/threshold_checks.h"
#include "model/grid_operator.h"
#include "model/meter.h"
#include "obs/log.h"

namespace metrify::detect {

namespace {

using alerts::SourceKind;
using model::SeriesKind;
using Clock = std::chrono::steady_clock;

constexpr int kMeter = 0, kOperator = 1, kStation = 2;  // entity kinds, SourceKind order
constexpr int kEnergy = 0;                              // reading field energy_kwh
constexpr int64_t kHourMs = 3'600'000;
// How long a grid operator's capacity is trusted before it is read again.
constexpr auto kCapacityTtl = std::chrono::minutes(5);
// How often judged findings and clears go to the manager (one store
// transaction each), and how many may wait before they go at once.
constexpr auto kReportEvery = std::chrono::milliseconds(250);
constexpr size_t kMaxPending = 50'000;
// Samples waiting to be judged (about 120 B each) before ingest waits for
// room: detection falling behind slows ingest rather than growing memory.
constexpr size_t kMaxQueued = 2'000'000;
// How far past the wall clock data may be stamped and still move the
// silence front.
constexpr int64_t kFrontSlackMs = 5 * 60'000;

// Every rule a source can fire, each with its bit in the source's watched
// set. Rules of different kinds may share a bit: the set is per source.
constexpr std::array<std::string_view, 15> kRuleBits = {
    "voltage_high",       "voltage_low",
    "current_high",       "power_factor_low",
    "frequency_out",      "power_factor_inconsistent",
    "consumption_high",   "no_data",
    "stuck_register",     "meter_reset",
    "repeated_rollovers", "utilisation_high",
    "voltage_out",        "stability_low",
    "area_outage"};
// The weather rules share bits with the meter rules above (never the same source).
constexpr std::array<std::string_view, 4> kWeatherBits = {"temperature_out", "humidity_high",
                                                          "pressure_out", "wind_high"};

// How long (data time) a meter's frequency_out waits for its operator's
// status of the same time before it is raised on its own.
constexpr int64_t kHoldFrequencyMs = 15 * 60'000;

// Bits of kRuleBits that the code names (their order there).
constexpr int kFrequencyBit = 4, kConsumptionBit = 6, kNoDataBit = 7, kFirstFaultBit = 8,
              kLastFaultBit = 10, kVoltageOutBit = 12;
// The threshold rules of a meter (bits 0-5), of a station (0-3) and of a
// grid operator (frequency_out 4, utilisation_high..stability_low 11-13).
constexpr uint32_t kThresholdBits = 0x3f | 1u << 11 | 1u << 12 | 1u << 13;

static_assert(kRuleBits[kFrequencyBit] == "frequency_out" &&
              kRuleBits[kConsumptionBit] == "consumption_high" &&
              kRuleBits[kNoDataBit] == "no_data" && kRuleBits[kFirstFaultBit] == "stuck_register" &&
              kRuleBits[kLastFaultBit] == "repeated_rollovers" &&
              kRuleBits[kVoltageOutBit] == "voltage_out");

int KindOf(SeriesKind kind) { return static_cast<int>(model::EntityKindOf(kind)) - 1; }
SeriesKind SeriesOf(int kind) { return static_cast<SeriesKind>(kind + 1); }

}  // namespace

DetectionService::DetectionService(ingest::EntityKeys& keys, registry::Registry& registry,
                                   alerts::FindingSink& sink, Options options)
    : keys_(keys), registry_(registry), sink_(sink), options_(std::move(options)) {
  // Open alerts from before: their clears must reach the manager.
  for (const alerts::Alert& alert : options_.open_alerts) {
    const int kind = static_cast<int>(alert.source_kind);
    Result<std::optional<uint32_t>> key = keys_.Find(SeriesOf(kind), alert.source_id);
    const int bit = RuleBit(alert.rule);
    if (key && *key && bit >= 0) Watched(kind, **key) |= 1u << bit;
  }
  options_.open_alerts.clear();
  if (!options_.now) options_.now = [] { return NowMillis(); };
  next_sweep_ = Clock::now() + options_.sweep_every;
  worker_ = std::thread([this] { Run(); });
}

DetectionService::~DetectionService() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_.notify_all();
  room_.notify_all();
  worker_.join();
}

int DetectionService::RuleBit(std::string_view rule) {
  for (size_t i = 0; i < kRuleBits.size(); ++i) {
    if (kRuleBits[i] == rule) return static_cast<int>(i);
  }
  for (size_t i = 0; i < kWeatherBits.size(); ++i) {
    if (kWeatherBits[i] == rule) return static_cast<int>(i);
  }
  return -1;
}

uint32_t& DetectionService::Watched(int kind, uint32_t key) {
  std::vector<uint32_t>& bits = watched_[kind];
  if (key >= bits.size()) bits.resize(std::max<size_t>(key + 1, bits.size() * 2));
  return bits[key];
}

std::string DetectionService::IdOf(int kind, uint32_t key) const {
  return keys_.IdOf(SeriesOf(kind), key);
}

void DetectionService::Observe(SeriesKind kind, std::span<const engine::wal::WalSample> samples) {
  if (samples.empty() || kind == SeriesKind::kVeeOverlay) return;
  Enqueue(Batch{kind, {samples.begin(), samples.end()}});
}

void DetectionService::ObserveNewest(SeriesKind kind,
                                     std::span<const engine::wal::WalSample> samples) {
  if (samples.empty() || kind == SeriesKind::kVeeOverlay) return;
  Enqueue(Batch{kind, {samples.begin(), samples.end()}, /*newest_only=*/true});
}

void DetectionService::Enqueue(Batch batch) {
  {
    std::unique_lock lock(mu_);
    room_.wait(lock, [this] { return stop_ || queued_samples_ < kMaxQueued; });
    queued_samples_ += batch.samples.size();
    queue_.push_back(std::move(batch));
  }
  work_.notify_one();
}

void DetectionService::OnWindow(uint32_t key, const vee::MeterInfo& meter,
                                std::span<const vee::ValidatedInterval> rows) {
  thread_local std::vector<Verdict> verdicts;
  verdicts.clear();
  {
    std::lock_guard lock(faults_mu_);
    faults_[key].Observe(rows, options_.rules.meter_faults, meter.id, &verdicts);
  }
  // Clears matter only if meter faults may resolve themselves (by default a
  // person resolves them).
  const bool clears = options_.rules.auto_resolve.ForType("meter_fault").has_value();
  bool pushed = false;
  {
    std::lock_guard lock(mu_);
    for (Verdict& v : verdicts) {
      if (v.fired()) {
        from_windows_.findings.push_back(std::move(*v.finding));
        pushed = true;
      } else if (clears && !rows.empty()) {
        // The worker drops those of rules it has not seen fire.
        from_windows_.clears.push_back(
            {SourceKind::kMeter, meter.id, std::string(v.rule), rows.back().end_ms});
        from_windows_.owners.push_back({kMeter, key, RuleBit(v.rule)});
        pushed = true;
      }
    }
  }
  if (pushed) work_.notify_one();
}

void DetectionService::Drain() {
  std::unique_lock lock(mu_);
  sweep_requested_ = true;
  work_.notify_one();
  idle_.wait(lock, [this] {
    return stop_ || (queue_.empty() && !busy_ && !sweep_requested_ &&
                     from_windows_.findings.empty() && from_windows_.clears.empty());
  });
}

DetectionStats DetectionService::stats() const {
  std::lock_guard lock(mu_);
  DetectionStats s = stats_;
  s.queued = queued_samples_;
  return s;
}

void DetectionService::Run() {
  pthread_setname_np(pthread_self(), "detect");  // for top -H and perf
  std::unique_lock lock(mu_);
  Output pending;  // judged, not yet reported
  auto last_report = Clock::now();
  for (;;) {
    const auto deadline = pending.findings.empty() && pending.clears.empty()
                              ? next_sweep_
                              : std::min(next_sweep_, last_report + kReportEvery);
    work_.wait_until(lock, deadline, [this] {
      return stop_ || !queue_.empty() || sweep_requested_ || !from_windows_.findings.empty() ||
             !from_windows_.clears.empty();
    });
    if (stop_) return;
    std::deque<Batch> batches;
    batches.swap(queue_);
    Output windows;
    std::swap(windows, from_windows_);
    const bool drain = sweep_requested_;
    sweep_requested_ = false;
    busy_ = true;
    lock.unlock();

    TakeWindows(windows, &pending);
    size_t judged = 0;
    for (const Batch& batch : batches) {
      Judge(batch, &pending);
      judged += batch.samples.size();
    }
    ReleaseHeld(drain, &pending);
    const auto now = Clock::now();
    if (options_.sweep && (drain || now >= next_sweep_)) {
      Sweep(&pending);
      next_sweep_ = now + options_.sweep_every;
    }
    // One store transaction (and disk sync) per turn would bound detection
    // by the disk: findings are reported a few times a second instead.
    size_t findings = 0, clears = 0;
    if (drain || now - last_report >= kReportEvery || pending.findings.size() >= kMaxPending) {
      findings = pending.findings.size();
      clears = pending.clears.size();
      Report(pending);
      pending = Output();
      last_report = now;
    }

    lock.lock();
    busy_ = false;
    queued_samples_ -= judged;
    if (judged > 0) room_.notify_all();
    stats_.samples += judged;
    stats_.findings += findings;
    stats_.clears += clears;
    stats_.attributed += std::exchange(attributed_, 0);
    if (queue_.empty() && pending.findings.empty() && pending.clears.empty()) idle_.notify_all();
  }
}

void DetectionService::TakeWindows(Output& windows, Output* out) {
  for (alerts::Finding& f : windows.findings) {
    Result<std::optional<uint32_t>> key = keys_.Find(model::SeriesKind::kReading, f.source_id);
    const int bit = RuleBit(f.rule);
    if (key && *key && bit >= 0) Watched(kMeter, **key) |= 1u << bit;
    out->findings.push_back(std::move(f));
  }
  for (size_t i = 0; i < windows.clears.size(); ++i) {
    const Owner& o = windows.owners[i];
    if (o.bit >= 0 && !((Watched(o.kind, o.key) >> o.bit) & 1u)) continue;
    out->clears.push_back(std::move(windows.clears[i]));
    out->owners.push_back(o);
  }
}

void DetectionService::Judge(const Batch& batch, Output* out) {
  const int kind = KindOf(batch.kind);
  const SourceKind source = static_cast<SourceKind>(kind);
  const int64_t front_limit = options_.now() + kFrontSlackMs;
  for (const engine::wal::WalSample& s : batch.samples) {
    if (s.timestamp_ms <= front_limit) front_ms_ = std::max(front_ms_, s.timestamp_ms);
    silence_.Seen(source, s.entity_key, s.timestamp_ms);
    if (batch.kind == SeriesKind::kGridStatus) {
      if (s.entity_key >= operator_seen_.size()) operator_seen_.resize(s.entity_key + 1, INT64_MIN);
      operator_seen_[s.entity_key] = std::max(operator_seen_[s.entity_key], s.timestamp_ms);
    }
    if (batch.newest_only) continue;
    verdicts_.clear();
    std::string id;
    switch (batch.kind) {
      case SeriesKind::kReading:
        JudgeReading(s, out);
        continue;
      case SeriesKind::kGridStatus:
        CheckGridStatus(options_.rules.grid, s, "", CapacityOf(s.entity_key), &verdicts_,
                        (Watched(kind, s.entity_key) & kThresholdBits) != 0);
        break;
      case SeriesKind::kObservation:
        CheckObservation(options_.rules.weather, s, "", &verdicts_,
                         (Watched(kind, s.entity_key) & kThresholdBits) != 0);
        break;
      default:
        continue;
    }
    Collect(kind, s.entity_key, s.timestamp_ms, verdicts_, id, out);
  }
}

void DetectionService::JudgeReading(const engine::wal::WalSample& s, Output* out) {
  MeterState& meter = Meter(s.entity_key, s.timestamp_ms);
  // Clears are of use only where something fired (Collect).
  CheckReading(options_.rules.meter, s, "", &verdicts_, meter.rated_current_a,
               (Watched(kMeter, s.entity_key) & kThresholdBits) != 0);
  // One grid event, one alert: the operator's (every meter of the area sees
  // the same frequency). Whether the operator saw it may be known only once
  // its status for that time has come: until then the finding waits.
  const auto frequency = std::find_if(verdicts_.begin(), verdicts_.end(), [](const Verdict& v) {
    return v.fired() && v.rule == kRuleBits[kFrequencyBit];
  });
  if (frequency != verdicts_.end() && OperatorKey(meter) >= 0) {
    held_frequency_.push_back(
        {std::move(*frequency->finding), s.entity_key, static_cast<uint32_t>(meter.operator_key)});
    held_frequency_.back().finding.source_id = meter.id;
    verdicts_.erase(frequency);
  }
  if ((s.present >> kEnergy) & 1u) {
    if (std::optional<Verdict> v =
            meter.consumption.Observe(s.timestamp_ms, s.values[kEnergy], s.interval_s,
                                      options_.rules.consumption, "", meter.utc_offset_s)) {
      verdicts_.push_back(std::move(*v));
    }
  }
  std::string id = meter.id;  // known: no lookup for its findings and clears
  Collect(kMeter, s.entity_key, s.timestamp_ms, verdicts_, id, out);
}

void DetectionService::Collect(int kind, uint32_t key, int64_t at_ms,
                               std::vector<Verdict>& verdicts, std::string& id, Output* out) {
  if (verdicts.empty()) return;
  uint32_t* watched = nullptr;
  for (Verdict& v : verdicts) {
    if (v.fired()) {
      if (id.empty()) id = IdOf(kind, key);
      if (id.empty()) return;  // deleted since
      v.finding->source_id = id;
      Emit(kind, key, std::move(*v.finding), out);
      continue;
    }
    // Most clears are of sources where nothing ever fired.
    if (!watched) watched = &Watched(kind, key);
    if (*watched == 0) continue;
    const int bit = RuleBit(v.rule);
    if (bit >= 0 && !((*watched >> bit) & 1u)) continue;
    if (bit >= 0 && !ClearWorthSending(kind, key, bit, at_ms)) continue;
    if (id.empty()) id = IdOf(kind, key);
    if (id.empty()) return;
    out->clears.push_back({static_cast<SourceKind>(kind), id, std::string(v.rule), at_ms});
    out->owners.push_back({kind, key, bit});
  }
}

void DetectionService::Emit(int kind, uint32_t key, alerts::Finding finding, Output* out) {
  finding.source_kind = static_cast<SourceKind>(kind);
  if (const int bit = RuleBit(finding.rule); bit >= 0) {
    Watched(kind, key) |= 1u << bit;
    clear_since_.erase(GateKey(kind, key, bit));  // the condition is back
  }
  out->findings.push_back(std::move(finding));
}

std::string_view DetectionService::TypeOf(int kind, int bit) {
  if (bit == kNoDataBit) return "no_data";
  if (kind == kStation) return "weather";
  if (kind == kOperator) return "grid";
  if (bit == kConsumptionBit) return "consumption";
  if (bit >= kFirstFaultBit && bit <= kLastFaultBit) return "meter_fault";
  return "meter_rule";
}

bool DetectionService::ClearWorthSending(int kind, uint32_t key, int bit, int64_t at_ms) {
  // The manager needs the first clear after a finding (the clear period
  // starts) and one once the period has passed (it resolves): the clears in
  // between, one per sample, would cost a lookup each and say nothing.
  const std::optional<int64_t> clear_for = options_.rules.auto_resolve.ForType(TypeOf(kind, bit));
  if (!clear_for) return false;         // people resolve these
  constexpr int64_t kSent = INT64_MAX;  // the resolving clear went: wait for its answer
  auto [it, first] = clear_since_.try_emplace(GateKey(kind, key, bit), at_ms);
  if (first) return true;
  if (it->second == kSent || at_ms - it->second < *clear_for) return false;
  it->second = kSent;
  return true;
}

DetectionService::MeterState& DetectionService::Meter(uint32_t key, int64_t t_ms) {
  if (key >= meters_.size()) meters_.resize(key + 1);
  std::unique_ptr<MeterState>& slot = meters_[key];
  if (!slot) slot = std::make_unique<MeterState>();
  MeterState& meter = *slot;
  if (t_ms < meter.info_until_ms) return meter;
  // Asked again every 12 hours of data: an hour off for part of the two
  // DST days is of no consequence to an hour-of-week baseline.
  meter.info_until_ms = t_ms + 12 * kHourMs;
  meter.operator_key = MeterState::kUnknown;
  std::optional<vee::MeterInfo> info =
      options_.meter_info ? options_.meter_info(key) : std::nullopt;
  meter.utc_offset_s = 0;
  meter.rated_current_a = info ? info->rated_current_a : std::nullopt;
  meter.id = IdOf(kMeter, key);
  if (!info) return meter;
  auto zone = clocks_.find(info->timezone);
  if (zone == clocks_.end()) {
    Result<vee::LocalClock> clock = vee::LocalClock::For(info->timezone);
    if (!clock) return meter;
    zone = clocks_.emplace(info->timezone, *clock).first;
  }
  const vee::LocalTime local = zone->second.At(t_ms);
  const int64_t local_s = local.day * 86'400 + local.second;
  meter.utc_offset_s = static_cast<int32_t>(local_s - t_ms / 1000);
  return meter;
}

int64_t DetectionService::OperatorKey(MeterState& meter) {
  if (meter.operator_key == MeterState::kUnknown) {
    meter.operator_key = MeterState::kNone;
    Result<model::Meter> m = registry_.Get<model::Meter>(meter.id);
    if (m && !m->grid_operator_id.empty()) {
      Result<std::optional<uint32_t>> key =
          keys_.Find(SeriesKind::kGridStatus, m->grid_operator_id);
      if (key && *key) meter.operator_key = **key;
    }
  }
  return meter.operator_key;
}

void DetectionService::ReleaseHeld(bool all, Output* out) {
  size_t kept = 0;
  for (HeldFinding& h : held_frequency_) {
    const bool operator_out = OperatorOpen(h.operator_key, 1u << kFrequencyBit);
    const bool operator_judged =
        h.operator_key < operator_seen_.size() && operator_seen_[h.operator_key] >= h.finding.at_ms;
    if (operator_out) {
      ++attributed_;
    } else if (all || operator_judged || front_ms_ >= h.finding.at_ms + kHoldFrequencyMs) {
      Emit(kMeter, h.meter_key, std::move(h.finding), out);
    } else {
      held_frequency_[kept++] = std::move(h);
    }
  }
  held_frequency_.resize(kept);
}

bool DetectionService::OperatorOpen(uint32_t key, uint32_t bits) {
  if ((Watched(kOperator, key) & bits) != 0) return true;
  // Seen firing elsewhere: in scaled mode another worker may own the
  // operator's partition, and the monitor judges no one's grid status.
  const std::string id = IdOf(kOperator, key);
  if (id.empty()) return false;
  for (int bit = 0; bit < static_cast<int>(kRuleBits.size()); ++bit) {
    if (((bits >> bit) & 1u) &&
        sink_.IsOpen(SourceKind::kGridOperator, id, kRuleBits[static_cast<size_t>(bit)])) {
      return true;
    }
  }
  return false;
}

std::optional<double> DetectionService::CapacityOf(uint32_t key) {
  auto it = capacity_.find(key);
  if (it != capacity_.end() && Clock::now() < it->second.second) return it->second.first;
  std::optional<double> capacity;
  const std::string id = IdOf(kOperator, key);
  if (Result<model::GridOperator> op = registry_.Get<model::GridOperator>(id)) {
    capacity = op->capacity_mw;
  }
  capacity_[key] = {capacity, Clock::now() + kCapacityTtl};
  return capacity;
}

void DetectionService::Sweep(Output* out) {
  if (front_ms_ == INT64_MIN) return;
  std::vector<SilenceVerdict> verdicts;
  silence_.Sweep(
      front_ms_, options_.rules.no_data,
      [this](SourceKind kind, uint32_t key) { return IdOf(static_cast<int>(kind), key); },
      &verdicts);
  // Silent meters of an operator in a disturbance: counted on the operator.
  // A disturbance is an open frequency_out, voltage_out or no_data of the
  // operator (a rule the worker saw fire and still watches for its clear).
  // Not utilisation_high or stability_low: a busy evening grid keeps them
  // open for hours, and a meter that dies then is the meter's fault. Not
  // area_outage itself: nothing clears it, so it stays open, and counting
  // it kept every later silent meter of the area on the operator for good.
  constexpr uint32_t kDisturbance = 1u << kFrequencyBit | 1u << kVoltageOutBit | 1u << kNoDataBit;
  auto disturbed = [this](const std::string& op) {
    Result<std::optional<uint32_t>> key = keys_.Find(SeriesKind::kGridStatus, op);
    return key && *key && OperatorOpen(**key, kDisturbance);
  };
  std::map<std::string, std::pair<int, int64_t>> areas;  // operator -> (meters, at)
  for (SilenceVerdict& v : verdicts) {
    const int kind = static_cast<int>(v.kind);
    if (!v.finding) {
      const std::string id = IdOf(kind, v.key);
      if (id.empty()) continue;
      out->clears.push_back({v.kind, id, "no_data", front_ms_});
      out->owners.push_back({kind, v.key, kNoDataBit});
      continue;
    }
    if (v.kind == SourceKind::kMeter) {
      Result<model::Meter> meter = registry_.Get<model::Meter>(v.finding->source_id);
      const std::string op = meter ? meter->grid_operator_id : std::string();
      if (!op.empty() && disturbed(op)) {
        auto& [count, at] = areas[op];
        ++count;
        at = std::max(at, v.finding->at_ms);
        continue;
      }
    }
    Watched(kind, v.key) |= 1u << kNoDataBit;
    out->findings.push_back(std::move(*v.finding));
  }
  for (const auto& [op, area] : areas) {
    alerts::Finding f;
    f.type = "grid";
    f.rule = "area_outage";
    f.severity = alerts::Severity::kWarning;
    f.source_kind = SourceKind::kGridOperator;
    f.source_id = op;
    f.message = fmt::format("{} meter(s) in the area fell silent during the operator's open alert",
                            area.first);
    f.at_ms = area.second;
    f.value = area.first;
    out->findings.push_back(std::move(f));
  }
}

void DetectionService::Report(Output& out) {
  if (out.findings.empty() && out.clears.empty()) return;
  Result<std::vector<size_t>> released = sink_.Report(out.findings, out.clears);
  if (!released) {
    // The store or queue failed (disk full, locked, down): the findings
    // come again with the condition; the error is the operator's to see.
    std::lock_guard lock(mu_);
    ++stats_.errors;
    obs::LogWarn("alerts not stored", {{"error", released.status().message()}});
    return;
  }
  for (size_t i : *released) {
    const Owner& o = out.owners[i];
    if (o.bit < 0) continue;
    Watched(o.kind, o.key) &= ~(1u << o.bit);
    clear_since_.erase(GateKey(o.kind, o.key, o.bit));
  }
}

}  // namespace metrify::detect
