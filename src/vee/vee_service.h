// VeeService: validation and estimation as readings arrive (docs/vee.md
// "Pipeline"). The ingest path tells it which meters got which timestamps
// (Observe, after the raw readings are durable); a worker thread then runs
// each such meter's window (validator.h) over the raw readings read back
// from the engine and stores what differs from them in the VEE overlay
// (overlay.h). A reading older than the meter's anchor (late data) makes
// the worker validate again from the start of its local day, so an
// estimate it had made is replaced by the measured value.
//
// What each meter usually draws (MeterTypical: per local quarter hour and
// per day) is learned from its final measured intervals.
//
// Thread safety: Observe, Drain and stats may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/series_store.h"
#include "vee/local_clock.h"
#include "vee/rules.h"
#include "vee/validator.h"

namespace metrify::vee {

struct VeeStats {
  uint64_t windows = 0;       // meter windows validated
  uint64_t readings = 0;      // intervals validated (a reading may be validated again)
  uint64_t overlay_rows = 0;  // overlay samples appended
  uint64_t rewinds = 0;       // windows restarted for late data
  uint64_t errors = 0;        // windows that failed (retried with the next data)
  size_t dirty_meters = 0;    // waiting to be validated
};

class VeeService {
 public:
  // The meter behind a registry key, or nullopt when there is none (deleted).
  using MeterLookup = std::function<std::optional<MeterInfo>(uint32_t key)>;
  using Clock = std::function<int64_t()>;  // wall time, ms
  // The edits of meter `key` with grid ends in [from_ms, to_ms).
  using EditsLookup =
      std::function<std::map<int64_t, Edit>(uint32_t key, int64_t from_ms, int64_t to_ms)>;

  // `engine` must outlive the service. Starts `threads` workers (0: one per
  // core); a meter is validated by one of them at a time.
  VeeService(store::SeriesStore& engine, MeterLookup meters, RulesConfig rules, Clock now,
             int threads = 0);
  // Stops the worker (what is still dirty is validated after the next start,
  // from the meters' anchors: docs/vee.md "Restarts").
  ~VeeService();
  VeeService(const VeeService&) = delete;
  VeeService& operator=(const VeeService&) = delete;

  // Readings of these meters are durable in the engine. `first_stored`:
  // meters of which the engine held no reading before these (the ingest
  // worker learns it in the transaction that stored them); a meter this
  // service has no state of yet then needs no read for its first window,
  // which has all there is. Leave it empty when unknown.
  void Observe(std::span<const engine::wal::WalSample> readings,
               std::span<const uint32_t> first_stored = {});
  // How long a reading must have been observed before the clock alone
  // makes a gap before it due (WindowInput::settled_ms; 0, the default:
  // at once). Readings sent together over several connections arrive out
  // of order; with old data (a backfill) every gap is overdue by the
  // clock, and without the wait each such gap is estimated and then
  // withdrawn, and its day validated again. A meter waiting to settle is
  // validated again when it has. Call before the first Observe.
  void set_settle_ms(int64_t ms) { settle_ms_ = ms; }
  // How long a meter observed waits before it is validated (0, the
  // default: at once), so that what arrives meanwhile is validated in the
  // same window. Worth it where every window costs database round trips
  // and an overlay commit (scaled mode); it delays validation by as much.
  // Call before the first Observe.
  void set_coalesce_ms(int64_t ms) { coalesce_ms_ = ms; }
  // Where windows find the edits people made (none without it). Call
  // before the first Observe.
  void set_edits(EditsLookup edits) { edits_ = std::move(edits); }
  // Told of each window's final rows (those before its new anchor) once
  // they are stored: detection reads VEE's findings there. A rewound day's
  // rows come again. Called on a worker thread, so it must be quick and
  // thread-safe. Call before the first Observe.
  using WindowListener = std::function<void(uint32_t key, const MeterInfo& meter,
                                            std::span<const ValidatedInterval> rows)>;
  void set_window_listener(WindowListener listener) { window_listener_ = std::move(listener); }
  // The value at `timestamp_ms` of meter `key` was edited (or an edit
  // withdrawn): validate its local day again.
  void Reopen(uint32_t key, int64_t timestamp_ms);
  // Waits until every meter observed so far is validated.
  void Drain();

  // Observe and Reopen calls so far: each takes the next number.
  uint64_t observed() const;
  // The largest n such that what Observe and Reopen calls 1..n brought has
  // been validated: every meter they named has had a window since (one
  // that failed counts, its meter waits for new data as before). The
  // ingest worker commits its Kafka offsets only that far, so a worker that
  // dies redelivers what VEE had not finished, and its successor validates
  // it (docs/scaled.md "VEE in the worker").
  uint64_t validated_through() const;

  VeeStats stats() const;

  // Validates meter `key` now on the calling thread (the worker's step;
  // tests call it directly). Errors: the engine's, or the meter's time zone.
  Status ValidateMeter(uint32_t key);

 private:
  struct MeterState {
    Anchor anchor;
    int64_t max_seen_ms = INT64_MIN;               // newest timestamp observed
    int64_t rewind_from_ms = INT64_MAX;            // earliest late timestamp not yet validated
    std::unordered_map<int64_t, int64_t> late_by;  // late timestamps -> how late (ms)
    bool queued = false;
    bool scheduled = false;  // in later_: a gap waits for its readings to settle
    bool running = false;    // a worker is validating it
    bool again = false;      // observed again while running: queue it after
    // Not validated since this process started: the first window starts
    // at the local day of the earliest reading observed (the state is in
    // memory only; docs/vee.md "Restarts").
    bool fresh = true;
    // The engine holds no reading of the meter but those observed since
    // the state was made (Observe's first_stored): the first window takes
    // them from `arrived` and reads nothing. Guarded by mu_.
    bool only_observed = false;
    // The first Observe or Reopen call not yet followed by a window (0:
    // none); the meter is in pending_ meanwhile. The newest call that named
    // the meter, the newest one its running window covers, and whether a
    // gap it found waits to settle (then its calls stay pending). Guarded
    // by mu_.
    uint64_t pending_call = 0;
    uint64_t latest_call = 0;
    uint64_t window_call = 0;
    bool settling = false;
    int64_t open_from_ms = 0;  // where windows start while there is no anchor
    // Observations that raised max_seen_ms within the settle time: when,
    // the newest timestamp before them (so the front's is the newest
    // settled one; empty: all settled), and the call that brought them (the
    // front's is the oldest a gap still waits on). Guarded by mu_.
    struct Raise {
      int64_t at_ms = 0;
      int64_t before_ms = 0;
      uint64_t call = 0;
    };
    std::deque<Raise> raised;
    // The meter's rules and clock, resolved once per type and time zone.
    std::string rules_type, zone;
    std::shared_ptr<const RuleSet> rules;  // shared by meters of a type (RulesConfig::Shared)
    std::optional<LocalClock> clock;
    MeterTypical typical;
    // The local day being learned from final rows.
    int64_t learn_day = INT64_MIN;
    double learn_kwh = 0;
    int learn_count = 0;
    int64_t learned_until_ms = INT64_MIN;
    // Readings observed in order since the worker last took them, so the
    // window need not read them back (guarded by mu_). With arrived_all
    // false some reading observed since is not among them (late, sent
    // again, or too many): the window reads from the engine.
    std::vector<engine::wal::WalSample> arrived;
    bool arrived_all = true;
    // The worker's copy of the meter's raw readings from raw_from_ms on,
    // the latest revision of each as the engine holds it; only while
    // raw_known. What came in order is added to it and what the anchor
    // passes dropped, so for in-order data the engine is not read.
    std::vector<RawReading> raw;
    int64_t raw_from_ms = INT64_MAX;
    bool raw_known = false;
  };

  // A meter's window, validated; its overlay rows wait in the batch's
  // writes until they are stored with those of the other meters a worker
  // took (one WAL sync for all of them).
  struct Validated {
    size_t index = 0;  // in the batch
    uint32_t key = 0;
    MeterState* state = nullptr;
    MeterInfo meter;
    WindowResult result;
    size_t writes = 0;  // its overlay rows
    // What the window took from the state: given back when storing fails.
    int64_t rewind_from = INT64_MAX;
    std::unordered_map<int64_t, int64_t> late_by;
    // When a gap of the window that waits to settle has (0: none waits).
    int64_t settles_at_ms = 0;
  };

  // Keeps an in-order reading for the meter's next window, or notes that
  // it must read from the engine. REQUIRES: mu_ held.
  void Arrive(MeterState& state, const engine::wal::WalSample& s);
  void MissArrived(MeterState& state);                  // REQUIRES: mu_ held
  void DropArrived(MeterState& state, bool keep_room);  // REQUIRES: mu_ held

  void Run();
  // Notes an observation of call `call` that raised max_seen_ms from
  // `before` at wall time `now`. REQUIRES: mu_ held.
  void NoteRaised(MeterState& state, int64_t before, int64_t now, uint64_t call);
  // The newest settled timestamp at `now`, forgetting settled
  // observations; *settles_at: when the next one settles. REQUIRES: mu_.
  int64_t Settled(MeterState& state, int64_t now, int64_t* settles_at);
  // Queues the meters whose wait in later_ is over. REQUIRES: mu_ held.
  void QueueSettled();
  // Takes up to a fair share of the queue for one worker, skipping meters
  // another worker has. REQUIRES: mu_ held.
  void TakeBatch(std::vector<uint32_t>* keys);
  void ValidateBatch(std::span<const uint32_t> keys, std::vector<Status>* statuses);
  // A meter's window up to its first read: the state taken over, the meter
  // looked up, where the window starts, what arrived taken.
  struct Begun {
    size_t index = 0;  // in the batch
    uint32_t key = 0;
    MeterState* state = nullptr;
    std::optional<MeterInfo> meter;  // nullopt: deleted, nothing to validate
    int64_t rewind_from = INT64_MAX;
    std::unordered_map<int64_t, int64_t> late_by;
    Anchor anchor;
    int64_t from = 0, until = 0, now = 0;
    int64_t settled = INT64_MAX;  // WindowInput::settled_ms
    int64_t settles_at = 0;       // when the first unsettled observation settles
    bool only_observed = false;   // MeterState::only_observed, taken
    // The newest reading and overlay row (inner nullopt: none), when the
    // batch asked for them all at once (AskNewest); else each read asks.
    std::optional<std::optional<int64_t>> newest_reading, newest_overlay;
  };
  Status Begin(uint32_t key, size_t index, Begun* begun);
  // One round trip per series kind for the whole batch instead of one per
  // window (stores whose reads are remote).
  void AskNewest(std::vector<Begun>& begun);
  // Validates the begun window; what to store goes to `done` and `writes`.
  Status Validate(Begun& begun, std::vector<Validated>* done,
                  std::vector<engine::wal::WalSample>* writes);
  // Where the window starts, and the anchor it starts from (rebuilt when
  // late data or an edit rewinds the meter to a local day's start).
  // With `only_observed` no anchor is looked for: the engine holds no
  // reading before what this window has.
  int64_t WindowStart(uint32_t key, MeterState& state, const MeterInfo& meter, int64_t rewind_from,
                      bool only_observed, Anchor* anchor);
  // Adds what arrived in order to the meter's copy of its raw readings, or
  // forgets the copy when some reading is not there.
  void TakeArrived(MeterState& state);
  // The window's raw readings, [from, until): the meter's copy when it
  // reaches back to `from`, else read from the engine (and kept).
  Status WindowRaw(uint32_t key, MeterState& state, int64_t from, int64_t until,
                   const std::optional<std::optional<int64_t>>& newest, std::span<RawReading>* out);
  // Drops the raw readings the anchor has passed (the next window starts
  // after it).
  void DropPassed(MeterState& state);
  void Forget(MeterState& state);
  // Notes call number `call` for the meter (pending, unless an older one
  // waits). REQUIRES: mu_ held.
  void NotePending(MeterState& state, uint32_t key, uint64_t call);
  // After a window: what it covered is no longer pending, but for the
  // calls from the oldest whose observation a gap still waits to settle on.
  // REQUIRES: mu_ held.
  void ClearPending(MeterState& state, uint32_t key);
  // Moves the meter's pending call forward to `call` (never back).
  // REQUIRES: mu_ held.
  void MovePending(MeterState& state, uint32_t key, uint64_t call);
  // Stores `writes`, then moves each meter of `done` past its window.
  Status Store(std::vector<Validated>& done, std::span<const engine::wal::WalSample> writes);
  // Puts the meters of `done` whose gaps wait to settle in later_.
  // REQUIRES: mu_ held.
  void ScheduleSettling(std::span<const Validated> done);
  // After a failed store: the next window starts where this one did.
  void GiveBack(Validated& v);
  void Finish(uint32_t key, const Status& status);  // REQUIRES: mu_ held
  Anchor AnchorBefore(uint32_t key, const MeterInfo& meter, int64_t day_start);
  void Learn(MeterState& state, const MeterInfo& meter, LocalClock& clock,
             std::span<const ValidatedInterval> rows);

  store::SeriesStore& engine_;
  MeterLookup meters_;
  RulesConfig rules_;
  Clock now_;
  EditsLookup edits_;
  WindowListener window_listener_;

  mutable std::mutex mu_;
  std::condition_variable work_, idle_;
  std::unordered_map<uint32_t, std::unique_ptr<MeterState>> states_;  // guarded by mu_
  std::deque<uint32_t> queue_;                                        // guarded by mu_
  // Meters to validate again once a gap's readings have settled, by when
  // (steady clock). Guarded by mu_.
  std::multimap<std::chrono::steady_clock::time_point, uint32_t> later_;
  // Meters with an observation not yet validated, by MeterState::pending_call,
  // and the calls so far (validated_through). Guarded by mu_.
  std::set<std::pair<uint64_t, uint32_t>> pending_;
  uint64_t calls_ = 0;
  int64_t settle_ms_ = 0;
  int64_t coalesce_ms_ = 0;  // set_coalesce_ms
  int busy_ = 0;             // guarded by mu_
  bool stop_ = false;        // guarded by mu_
  VeeStats stats_;           // guarded by mu_
  // Room for readings in MeterState::arrived and ::raw, for the memory
  // bound.
  std::atomic<size_t> held_{0};
  int threads_ = 1;
  // Bounds on MeterState::arrived and ::raw (kMaxArrived, kMaxRaw in the .cc).
  size_t max_arrived_ = 0, max_raw_ = 0;
  size_t batch_meters_ = 0;  // most meters per batch (kBatchMeters in the .cc)
  std::vector<std::thread> workers_;
};

}  // namespace metrify::vee
