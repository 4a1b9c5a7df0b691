// DetectionService: runs the detectors (docs/alerts.md "Detectors") on what
// ingest stores and what VEE finds, and reports findings and clears to a
// sink: the AlertManager in embedded mode; in scaled mode the ingest
// worker's publisher to metrify.alerts (without the silence sweep, which
// the monitor runs on each source's newest data time, ObserveNewest).
//
// Ingest tells it of every durable batch (Observe); a worker thread of its
// own runs the threshold checks of each kind, the consumption detector of
// each meter and notes who sent data; VEE tells it each meter window's
// final rows (OnWindow: stuck registers, resets, rollovers). Every
// `sweep_every` the worker looks for silent sources. Findings and clears go
// to the sink in one batch per turn of the worker.
//
// A clear is only sent for a (source, rule) the service has seen fire since
// the start or that has an open alert: an alert can only be resolved by the
// rule that raised it, and most samples fire nothing.
//
// No-data time: a source is silent when the newest data time of the whole
// platform (any source) is past its last data by more than its limit, so a
// backfill sent in time order judges silence in its own time and a live
// fleet in real time. A whole platform that stops receiving raises nothing
// here; the ingest metrics show it.
//
// Grid-aware: a meter falling silent while its grid operator has an open
// alert (a disturbance, or the operator itself silent) is not raised on its
// own: the operator gets one area_outage finding counting such meters. A
// meter measuring the frequency out of band while its operator's own
// frequency_out alert is open is the same grid event seen from one house:
// it raises nothing of its own (counted in DetectionStats::attributed).
// Whether the operator's alert is open is what this service saw fire, or
// what the sink says (in scaled mode the operator may be judged by another
// worker). Its
// finding waits until the operator's status of that time has been judged
// (at most 15 minutes of data time), so the order in which a sender
// delivers meters and grid status does not matter.
//
// Thread safety: all public methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "alerts/alert_manager.h"  // embedded mode's sink, for the callers
#include "alerts/finding_sink.h"
#include "detect/consumption_detector.h"
#include "detect/detect_rules.h"
#include "detect/meter_faults.h"
#include "detect/silence_tracker.h"
#include "ingest/entity_keys.h"
#include "registry/registry.h"
#include "store/engine/wal/sample_batch.h"
#include "vee/local_clock.h"
#include "vee/validator.h"

namespace metrify::detect {

struct DetectionStats {
  uint64_t samples = 0;     // judged
  uint64_t findings = 0;    // reported to the sink
  uint64_t clears = 0;      // reported to the sink
  uint64_t errors = 0;      // batches the sink could not take (dropped)
  uint64_t attributed = 0;  // meter frequency_out findings left to the operator's open alert
  size_t queued = 0;        // samples waiting
};

class DetectionService {
 public:
  struct Options {
    DetectRules rules;
    std::chrono::milliseconds sweep_every{std::chrono::seconds(30)};
    // Whether this service looks for silent sources. Scaled mode's ingest
    // workers see only their partitions' sources, so the monitor sweeps.
    bool sweep = true;
    // A meter by key: its time zone (the consumption detector's week; UTC
    // when unknown) and rated current (current_high). Asked again every 12
    // hours of a meter's data.
    std::function<std::optional<vee::MeterInfo>(uint32_t key)> meter_info;
    // The alerts open at start: their rules are watched for clears.
    std::vector<alerts::Alert> open_alerts;
    // Wall clock, epoch ms (NowMillis when empty): data stamped more than 5
    // minutes past it does not move the silence front (one meter with a
    // clock a day ahead would make every other source look silent).
    std::function<int64_t()> now;
  };

  // Every reference must outlive the service. Starts the worker.
  DetectionService(ingest::EntityKeys& keys, registry::Registry& registry,
                   alerts::FindingSink& sink, Options options);
  ~DetectionService();  // stops the worker; what is queued is not judged
  DetectionService(const DetectionService&) = delete;
  DetectionService& operator=(const DetectionService&) = delete;

  // Samples of `kind` are durable in the engine.
  void Observe(model::SeriesKind kind, std::span<const engine::wal::WalSample> samples);
  // Only notes that each sample's source sent data up to its timestamp:
  // the silence sweep's input, nothing else is judged (the monitor, which
  // knows each source's newest data time, not its values).
  void ObserveNewest(model::SeriesKind kind, std::span<const engine::wal::WalSample> samples);
  // VEE's final rows of meter `key`'s window (vee::VeeService's listener).
  void OnWindow(uint32_t key, const vee::MeterInfo& meter,
                std::span<const vee::ValidatedInterval> rows);
  // Waits until everything observed so far is judged and reported, then
  // sweeps for silent sources once.
  void Drain();

  DetectionStats stats() const;

 private:
  struct Batch {
    model::SeriesKind kind;
    std::vector<engine::wal::WalSample> samples;
    bool newest_only = false;  // ObserveNewest's: silence only
  };
  // What the worker keeps per source: rules seen firing (bit per rule of
  // the kind) and, for meters, the consumption detector and local offset.
  struct MeterState {
    ConsumptionDetector consumption;
    int64_t info_until_ms = INT64_MIN;  // when utc_offset_s and rated_current_a are asked again
    int32_t utc_offset_s = 0;
    std::optional<double> rated_current_a;
    std::string id;  // "" when deleted
    // Its grid operator's key: kUnknown until a finding needs it (asked
    // again with the rest every 12 hours), kNone without an operator.
    static constexpr int64_t kUnknown = -2, kNone = -1;
    int64_t operator_key = kUnknown;
  };
  // Whose watched bit a clear is: released clears unset it.
  struct Owner {
    int kind;  // entity kind - 1
    uint32_t key;
    int bit;
  };
  struct Output {
    std::vector<alerts::Finding> findings;
    std::vector<alerts::Clear> clears;
    std::vector<Owner> owners;  // one per clear
  };

  void Run();
  void Enqueue(Batch batch);
  // Whether the operator of `key` has an open alert of a rule among `bits`.
  bool OperatorOpen(uint32_t key, uint32_t bits);
  // Moves OnWindow's output to *out: findings mark their rule watched;
  // clears of rules not watched are dropped.
  void TakeWindows(Output& windows, Output* out);
  void Judge(const Batch& batch, Output* out);
  void JudgeReading(const engine::wal::WalSample& s, Output* out);
  // The key of `meter`'s grid operator, or MeterState::kNone.
  int64_t OperatorKey(MeterState& meter);
  // Decides the held meter frequency_out findings whose operator's status
  // for their time has come (or all of them): dropped while the operator's
  // own frequency_out is open, else raised.
  void ReleaseHeld(bool all, Output* out);
  // A fired finding of source (kind, key) into *out; its rule is watched.
  void Emit(int kind, uint32_t key, alerts::Finding finding, Output* out);
  // Turns verdicts of source (kind, key) into findings and the clears
  // worth sending; `id` is filled on first need.
  void Collect(int kind, uint32_t key, int64_t at_ms, std::vector<Verdict>& verdicts,
               std::string& id, Output* out);
  // The meter's state, its offset and rating brought up to date for `t_ms`.
  MeterState& Meter(uint32_t key, int64_t t_ms);
  std::optional<double> CapacityOf(uint32_t key);
  void Sweep(Output* out);
  void Report(Output& out);

  // The bit of `rule` in a source's watched set (-1: not tracked, its
  // clears are always sent).
  static int RuleBit(std::string_view rule);
  uint32_t& Watched(int kind, uint32_t key);
  // Whether a clear of (kind, key, rule bit) at `at_ms` tells the manager
  // anything: the first after a finding, or one past the clear period.
  bool ClearWorthSending(int kind, uint32_t key, int bit, int64_t at_ms);
  static std::string_view TypeOf(int kind, int bit);  // the alert type of a rule bit
  static uint64_t GateKey(int kind, uint32_t key, int bit) {
    return uint64_t{static_cast<uint32_t>(kind)} << 40 | uint64_t{key} << 8 |
           static_cast<uint32_t>(bit);
  }
  std::string IdOf(int kind, uint32_t key) const;

  ingest::EntityKeys& keys_;
  registry::Registry& registry_;
  alerts::FindingSink& sink_;
  Options options_;

  mutable std::mutex mu_;
  std::condition_variable work_, idle_, room_;
  std::deque<Batch> queue_;       // guarded by mu_
  size_t queued_samples_ = 0;     // guarded by mu_
  bool busy_ = false;             // guarded by mu_
  bool stop_ = false;             // guarded by mu_
  Output from_windows_;           // guarded by mu_ (OnWindow's)
  bool sweep_requested_ = false;  // guarded by mu_
  DetectionStats stats_;          // guarded by mu_
  uint64_t attributed_ = 0;       // the worker's, added to stats_ each turn

  // The worker's own (OnWindow's faults_ under faults_mu_).
  std::vector<std::unique_ptr<MeterState>> meters_;
  std::vector<uint32_t> watched_[3];  // by entity kind - 1, indexed by key
  SilenceTracker silence_;
  int64_t front_ms_ = INT64_MIN;  // newest data time seen
  std::chrono::steady_clock::time_point next_sweep_;
  std::unordered_map<uint32_t,
                     std::pair<std::optional<double>, std::chrono::steady_clock::time_point>>
      capacity_;
  std::mutex faults_mu_;
  std::unordered_map<uint32_t, MeterFaults> faults_;  // guarded by faults_mu_
  std::vector<Verdict> verdicts_;                     // scratch
  // Meter frequency_out findings waiting for their operator's status.
  struct HeldFinding {
    alerts::Finding finding;
    uint32_t meter_key, operator_key;
  };
  std::vector<HeldFinding> held_frequency_;
  std::vector<int64_t> operator_seen_;  // newest grid status time per operator key
  std::unordered_map<std::string, vee::LocalClock> clocks_;  // by zone name
  // Data time of the first clear since the newest finding, by GateKey.
  std::unordered_map<uint64_t, int64_t> clear_since_;
  std::thread worker_;
};

}  // namespace metrify::detect
