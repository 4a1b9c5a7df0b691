#include "vee/vee_service.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "common/time.h"
#include "vee/meter_history.h"
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
// Meters one worker takes at a time: their overlay rows are stored with one
// WAL append (and fdatasync) instead of one each, which cost VEE more than
// validating. With PostgreSQL every batch is also a transaction, its quality
// marks and round trips: four times as many meters per batch took a sixth
// of PostgreSQL's CPU off the scaled benchmark (docs/benchmarks.md); in
// process they only held 15 % more memory.
constexpr size_t kBatchMeters = 64;
constexpr size_t kBatchMetersRemote = 256;
// Rows one append stores at most (a WAL record is at most 32 MiB).
constexpr size_t kBatchRows = 100'000;
// Bounds on the raw readings kept per meter (MeterState::arrived, ::raw) and
// room for them in all: beyond them, windows read from the engine. A meter
// usually holds one or two (the anchor trails the newest reading by one),
// up to a gap's due time (4 hours) after a missing reading. Keeping what
// arrived pays for small windows (a worker keeping up); a worker behind
// validates many readings per window, and one read is then cheaper than
// copying them all under the lock that ingest takes.
constexpr size_t kMaxArrived = 4;
constexpr size_t kMaxRaw = 24;
// With a store whose reads are round trips to a database (scaled mode), a
// read costs far more than the copy, and a worker's batch brings a meter
// many readings at a time (a day or more of a meter's load profile, when
// they are sent meter by meter): keep more.
constexpr size_t kMaxArrivedRemote = 1024;
constexpr size_t kMaxRawRemote = 2048;
constexpr size_t kMaxHeld = size_t{1} << 18;  // readings, about 32 MB

// Runs `change` on `v` and keeps `held` at the room all such vectors have.
template <typename T, typename F>
void Tracked(std::atomic<size_t>& held, std::vector<T>& v, F change) {
  const size_t before = v.capacity();
  change();
  const size_t after = v.capacity();
  if (after > before) held.fetch_add(after - before, std::memory_order_relaxed);
  if (after < before) held.fetch_sub(before - after, std::memory_order_relaxed);
}

RawReading ToRaw(const engine::HeadSample& s) {
  RawReading r;
  r.timestamp_ms = s.timestamp_ms;
  r.interval_s = s.interval_s;
  r.present = s.present;
  r.values = s.values;
  r.revised = s.revision > 0;
  return r;
}

RawReading ToRaw(const engine::wal::WalSample& s) {
  RawReading r;
  r.timestamp_ms = s.timestamp_ms;
  r.interval_s = s.interval_s;
  r.present = s.present;
  r.values = s.values;
  return r;
}

// Whether `s` carries what `r` does (the engine's test for a no-op retry).
bool SameData(const RawReading& r, const engine::wal::WalSample& s) {
  engine::HeadSample a, b;
  a.interval_s = r.interval_s;
  a.present = r.present;
  a.values = r.values;
  b.interval_s = s.interval_s;
  b.present = s.present;
  b.values = s.values;
  return a.SameData(b);
}

auto FirstAtOrAfter(std::vector<RawReading>& raw, int64_t t) {
  return std::lower_bound(raw.begin(), raw.end(), t,
                          [](const RawReading& r, int64_t v) { return r.timestamp_ms < v; });
}

// Adds `s` to `raw` (ascending). Returns false when `raw` has other data
// at its timestamp: which of the two the engine holds last depends on the
// order they were stored in, which an engine read may have seen before
// either was observed.
bool Merge(std::vector<RawReading>& raw, const engine::wal::WalSample& s) {
  auto it = raw.empty() || raw.back().timestamp_ms < s.timestamp_ms
                ? raw.end()
                : FirstAtOrAfter(raw, s.timestamp_ms);
  if (it != raw.end() && it->timestamp_ms == s.timestamp_ms) return SameData(*it, s);
  raw.insert(it, ToRaw(s));
  return true;
}

// The reading at `t` of the window's (ascending), or null.
const RawReading* At(std::span<const RawReading> raw, int64_t t) {
  auto it = std::lower_bound(raw.begin(), raw.end(), t,
                             [](const RawReading& r, int64_t v) { return r.timestamp_ms < v; });
  return it != raw.end() && it->timestamp_ms == t ? &*it : nullptr;
}

// The sample at `t` of a series read in timestamp order, or null.
const engine::HeadSample* At(const std::vector<engine::HeadSample>& series, int64_t t) {
  auto it =
      std::lower_bound(series.begin(), series.end(), t,
                       [](const engine::HeadSample& s, int64_t v) { return s.timestamp_ms < v; });
  return it != series.end() && it->timestamp_ms == t ? &*it : nullptr;
}

// Where a read of `key` from `from` may stop: just past its newest sample,
// and at most `limit`. The engine looks up one head partition per day of a
// read, and `limit` (now + 2 days) can be years past a backfill's data.
// `newest`: the newest sample's time when the batch asked already (inner
// nullopt: none), else the store is asked. When the store cannot say,
// `limit`: the read itself then reports why.
int64_t ReadEnd(const store::SeriesStore& engine, engine::SeriesKey key, int64_t from,
                int64_t limit, const std::optional<std::optional<int64_t>>& newest) {
  if (newest) return *newest ? std::min(limit, **newest + 1) : from;
  const Result<std::optional<engine::HeadSample>> latest = engine.Latest(key);
  if (!latest) return limit;
  return *latest ? std::min(limit, (*latest)->timestamp_ms + 1) : from;
}

// The newest sample time of each of `keys` (nullopt: none), or an empty
// vector when the store could not say (each window then asks alone).
std::vector<std::optional<int64_t>> NewestOf(const store::SeriesStore& engine,
                                             model::SeriesKind kind,
                                             std::span<const uint32_t> keys) {
  std::vector<std::optional<int64_t>> out;
  if (keys.empty()) return out;
  Result<std::vector<std::optional<engine::HeadSample>>> latest = engine.LatestMany(kind, keys);
  if (!latest) return out;
  out.reserve(keys.size());
  for (const std::optional<engine::HeadSample>& s : *latest) {
    out.push_back(s ? std::optional<int64_t>(s->timestamp_ms) : std::nullopt);
  }
  return out;
}

// The latest revision of `key`'s samples in [from, end) (none when the
// range is empty).
Status Read(const store::SeriesStore& engine, engine::SeriesKey key, int64_t from, int64_t end,
            std::vector<engine::HeadSample>* out) {
  return from < end ? engine.ReadLatest(key, from, end, out) : Status::Ok();
}

double RawEnergy(const RawReading* raw) {
  return raw != nullptr && raw->Has(kEnergy) ? raw->values[kEnergy] : NAN;
}

// How late the reading at `t` came: as observed in this window, else as
// its overlay row keeps it from its arrival, else on time.
int64_t LateBy(int64_t t, const std::unordered_map<int64_t, int64_t>& late_by,
               const std::vector<engine::HeadSample>& overlay) {
  if (!late_by.empty()) {
    if (auto it = late_by.find(t); it != late_by.end()) return it->second;
  }
  if (overlay.empty()) return 0;
  const engine::HeadSample* old = At(overlay, t);
  return old != nullptr ? FromOverlay(*old).late_by_s * 1000 : 0;
}

// A raw reading off the grid never stands for an interval at its own time:
// the interval it is snapped to (or refused for) has its row. Raw rollups
// count it where it was stamped, so an overlay row at that off-grid time
// with the reading's energy as raw_energy and no energy of its own takes it
// out of the validated rollups (docs/vee.md "Storage"). Readers that place
// rows on the grid pass over it.
void AddOffGridMarks(uint32_t key, int32_t interval_s, std::span<const ValidatedInterval> rows,
                     std::span<const RawReading> raw,
                     const std::vector<engine::HeadSample>& overlay,
                     std::vector<engine::wal::WalSample>* writes) {
  if (rows.empty()) return;
  const int64_t step = int64_t{interval_s} * 1000;
  for (const RawReading& r : raw) {
    if (r.timestamp_ms % step == 0 || !r.Has(kEnergy)) continue;
    const int64_t end = FloorToMultiple(r.timestamp_ms + step / 2, step);
    if (end < rows.front().end_ms || end > rows.back().end_ms) continue;
    if (const engine::HeadSample* old = At(overlay, r.timestamp_ms);
        old != nullptr && (old->present >> overlay_field::kRawEnergy) & 1u &&
        old->values[overlay_field::kRawEnergy] == r.values[kEnergy]) {
      continue;  // marked before
    }
    ValidatedInterval mark;
    mark.end_ms = r.timestamp_ms;
    mark.status = ValueStatus::kInvalid;
    mark.rule = RuleId::kMisaligned;
    writes->push_back(ToOverlay(key, interval_s, mark, r.values[kEnergy]));
  }
}

// Appends the window's rows that differ from the raw readings (or replace
// an overlay row) to `writes`; returns how many.
size_t AddWrites(uint32_t key, int32_t interval_s, std::span<const ValidatedInterval> rows,
                 std::span<const RawReading> raw, const std::vector<engine::HeadSample>& overlay,
                 std::vector<engine::wal::WalSample>* writes) {
  const size_t before = writes->size();
  for (const ValidatedInterval& row : rows) {
    if (row.pending) continue;
    // A reading snapped onto the grid is not at row.end_ms: its row differs.
    const double raw_energy = RawEnergy(At(raw, row.end_ms));
    if (IsPlain(row, raw_energy) && (overlay.empty() || At(overlay, row.end_ms) == nullptr)) {
      continue;
    }
    writes->push_back(ToOverlay(key, interval_s, row, raw_energy));
  }
  AddOffGridMarks(key, interval_s, rows, raw, overlay, writes);
  return writes->size() - before;
}

}  // namespace

VeeService::VeeService(store::SeriesStore& engine, MeterLookup meters, RulesConfig rules, Clock now,
                       int threads)
    : engine_(engine),
      meters_(std::move(meters)),
      rules_(std::move(rules)),
      now_(std::move(now)),
      max_arrived_(engine.RemoteReads() ? kMaxArrivedRemote : kMaxArrived),
      max_raw_(engine.RemoteReads() ? kMaxRawRemote : kMaxRaw),
      batch_meters_(engine.RemoteReads() ? kBatchMetersRemote : kBatchMeters) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads_ = threads;
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

void VeeService::Observe(std::span<const engine::wal::WalSample> readings,
                         std::span<const uint32_t> first_stored) {
  std::vector<uint32_t> first(first_stored.begin(), first_stored.end());
  std::sort(first.begin(), first.end());
  const int64_t wall = settle_ms_ > 0 ? now_() : 0;
  const auto gather_until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(coalesce_ms_);
  size_t gathered = 0;
  std::unique_lock lock(mu_);
  const uint64_t call = ++calls_;
  MeterState* state = nullptr;
  uint32_t state_key = 0;
  size_t before = queue_.size();
  for (const engine::wal::WalSample& s : readings) {
    // Batches come in runs of one meter: one lookup per run.
    if (state == nullptr || state_key != s.entity_key) {
      std::unique_ptr<MeterState>& slot = states_[s.entity_key];
      if (!slot) {
        slot = std::make_unique<MeterState>();
        slot->only_observed = std::binary_search(first.begin(), first.end(), s.entity_key);
      }
      state = slot.get();
      state_key = s.entity_key;
      NotePending(*state, s.entity_key, call);
      if (!state->queued && !state->scheduled) {
        if (coalesce_ms_ > 0) {
          // Gathered: what else arrives meanwhile is validated with it.
          state->scheduled = true;
          later_.emplace(gather_until, s.entity_key);
          ++gathered;
        } else {
          state->queued = true;
          queue_.push_back(s.entity_key);
        }
      }
    }
    if (state->fresh) state->rewind_from_ms = std::min(state->rewind_from_ms, s.timestamp_ms);
    if (s.timestamp_ms <= state->max_seen_ms) {
      state->late_by[s.timestamp_ms] = state->max_seen_ms - s.timestamp_ms;
      state->rewind_from_ms = std::min(state->rewind_from_ms, s.timestamp_ms);
      // Kept like one in order: TakeArrived's Merge puts it in place, and
      // forgets the copy when it is a revision of a reading the copy has
      // (in what order concurrent revisions were stored only the engine
      // knows).
    } else {
      if (settle_ms_ > 0) NoteRaised(*state, state->max_seen_ms, wall, call);
      state->max_seen_ms = s.timestamp_ms;
    }
    Arrive(*state, s);
  }
  const size_t added = queue_.size() - before;
  lock.unlock();
  if (added == 1 || (added == 0 && gathered > 0)) work_.notify_one();  // a wait to time
  if (added > 1) work_.notify_all();
}

void VeeService::NoteRaised(MeterState& state, int64_t before, int64_t now, uint64_t call) {
  constexpr size_t kMaxRaised = 64;
  std::deque<MeterState::Raise>& raised = state.raised;
  // Merged into the last: it keeps its older call, so commits wait longer,
  // never shorter.
  if (!raised.empty() && raised.back().at_ms == now) return;
  if (raised.size() < kMaxRaised) {
    raised.push_back({.at_ms = now, .before_ms = before, .call = call});
  } else {
    raised.back().at_ms = now;  // full: the last waits longer, never shorter
  }
}

int64_t VeeService::Settled(MeterState& state, int64_t now, int64_t* settles_at) {
  std::deque<MeterState::Raise>& raised = state.raised;
  while (!raised.empty() && raised.front().at_ms <= now - settle_ms_) raised.pop_front();
  if (raised.empty()) {
    *settles_at = 0;
    return INT64_MAX;
  }
  *settles_at = raised.front().at_ms + settle_ms_;
  return raised.front().before_ms;
}

void VeeService::QueueSettled() {
  const auto now = std::chrono::steady_clock::now();
  while (!later_.empty() && later_.begin()->first <= now) {
    const uint32_t key = later_.begin()->second;
    later_.erase(later_.begin());
    MeterState& state = *states_[key];
    state.scheduled = false;
    if (state.running) {
      state.again = true;
    } else if (!state.queued) {
      state.queued = true;
      queue_.push_back(key);
    }
  }
}

void VeeService::Arrive(MeterState& state, const engine::wal::WalSample& s) {
  if (!state.arrived_all) return;
  // A sample without fields is no reading (the engine takes none): a
  // replayed span (replay.h), read from the engine.
  if (s.present == 0 || state.arrived.size() >= max_arrived_ ||
      held_.load(std::memory_order_relaxed) >= kMaxHeld) {
    MissArrived(state);
    return;
  }
  Tracked(held_, state.arrived, [&] {
    state.arrived.reserve(std::min(max_arrived_, kMaxArrived));
    state.arrived.push_back(s);
  });
}

void VeeService::MissArrived(MeterState& state) {
  state.arrived_all = false;
  DropArrived(state, false);
}

void VeeService::DropArrived(MeterState& state, bool keep_room) {
  // The room stays for the next readings (no allocation under the lock in
  // Observe) while the meter's copy is kept, unless the rooms of a large
  // fleet would fill the bound and leave no room for readings.
  Tracked(held_, state.arrived, [&] {
    if (keep_room && held_.load(std::memory_order_relaxed) < kMaxHeld / 2) {
      state.arrived.clear();
    } else {
      std::vector<engine::wal::WalSample>().swap(state.arrived);
    }
  });
}

void VeeService::Reopen(uint32_t key, int64_t timestamp_ms) {
  std::unique_lock lock(mu_);
  std::unique_ptr<MeterState>& slot = states_[key];
  if (!slot) slot = std::make_unique<MeterState>();
  slot->rewind_from_ms = std::min(slot->rewind_from_ms, timestamp_ms);
  NotePending(*slot, key, ++calls_);
  if (slot->queued) return;
  slot->queued = true;
  queue_.push_back(key);
  lock.unlock();
  work_.notify_one();
}

void VeeService::NotePending(MeterState& state, uint32_t key, uint64_t call) {
  state.latest_call = call;
  if (state.pending_call != 0) return;
  state.pending_call = call;
  pending_.emplace(call, key);
}

void VeeService::ClearPending(MeterState& state, uint32_t key) {
  if (state.pending_call == 0) return;
  if (state.settling) {
    // A gap waits for the observation after it to settle: a worker that
    // died now must be given that observation's call again, not the ones
    // before it. So a backfill that keeps bringing fresh gaps holds the
    // count back by the settle time, not until it pauses.
    if (!state.raised.empty()) {
      MovePending(state, key, std::min(state.raised.front().call, state.window_call + 1));
    }
    return;
  }
  if (state.latest_call <= state.window_call) {
    // Every call that named it came before its window: done, unless it
    // is queued or waits again for another reason.
    if (state.queued || state.scheduled) return;
    pending_.erase({state.pending_call, key});
    state.pending_call = 0;
  } else {
    // Named again while its window ran: only the later calls wait, so a
    // meter that streams without pause does not hold the count back.
    MovePending(state, key, state.window_call + 1);
  }
}

void VeeService::MovePending(MeterState& state, uint32_t key, uint64_t call) {
  if (call <= state.pending_call) return;
  pending_.erase({state.pending_call, key});
  state.pending_call = call;
  pending_.emplace(call, key);
}

uint64_t VeeService::observed() const {
  std::lock_guard lock(mu_);
  return calls_;
}

uint64_t VeeService::validated_through() const {
  std::lock_guard lock(mu_);
  return pending_.empty() ? calls_ : pending_.begin()->first - 1;
}

void VeeService::Drain() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return (queue_.empty() && busy_ == 0 && later_.empty()) || stop_; });
}

VeeStats VeeService::stats() const {
  std::lock_guard lock(mu_);
  VeeStats s = stats_;
  s.dirty_meters = queue_.size() + static_cast<size_t>(busy_) + later_.size();
  return s;
}

void VeeService::Run() {
  std::unique_lock lock(mu_);
  std::vector<uint32_t> keys;
  std::vector<Status> statuses;
  for (;;) {
    for (;;) {
      if (stop_) return;
      QueueSettled();
      if (!queue_.empty()) break;
      if (later_.empty()) {
        work_.wait(lock);
      } else {
        work_.wait_until(lock, later_.begin()->first);
      }
    }
    TakeBatch(&keys);
    if (keys.empty()) continue;
    busy_ += static_cast<int>(keys.size());
    lock.unlock();
    ValidateBatch(keys, &statuses);
    lock.lock();
    busy_ -= static_cast<int>(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) Finish(keys[i], statuses[i]);
    if (queue_.empty() && busy_ == 0 && later_.empty()) idle_.notify_all();
  }
}

void VeeService::TakeBatch(std::vector<uint32_t>* keys) {
  keys->clear();
  const size_t share =
      std::clamp<size_t>(queue_.size() / static_cast<size_t>(threads_), 1, batch_meters_);
  while (keys->size() < share && !queue_.empty()) {
    const uint32_t key = queue_.front();
    queue_.pop_front();
    MeterState& state = *states_[key];
    state.queued = false;
    if (state.running) {  // another worker has it: it queues it again when done
      state.again = true;
      continue;
    }
    state.running = true;
    state.window_call = state.latest_call;  // stored before it was named: the window sees it
    state.settling = false;
    keys->push_back(key);
  }
}

void VeeService::Finish(uint32_t key, const Status& status) {
  MeterState& state = *states_[key];
  state.running = false;
  if (!status.ok()) ++stats_.errors;
  if (state.again && !state.queued) {
    state.again = false;
    state.queued = true;
    queue_.push_back(key);
    work_.notify_one();
  }
  ClearPending(state, key);
}

void VeeService::ValidateBatch(std::span<const uint32_t> keys, std::vector<Status>* statuses) {
  statuses->assign(keys.size(), Status::Ok());
  std::vector<Begun> begun;
  begun.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    Begun& b = begun.emplace_back();
    (*statuses)[i] = Begin(keys[i], i, &b);
    if (!(*statuses)[i].ok()) begun.pop_back();
  }
  if (engine_.RemoteReads()) AskNewest(begun);
  std::vector<Validated> done;
  std::vector<engine::wal::WalSample> writes;
  for (size_t i = 0; i < begun.size(); ++i) {
    (*statuses)[begun[i].index] = Validate(begun[i], &done, &writes);
    // A rewound or new meter can have many rows: bounded WAL records.
    if (i + 1 < begun.size() && writes.size() < kBatchRows) continue;
    const Status stored = Store(done, writes);
    if (!stored.ok()) {
      for (const Validated& v : done) (*statuses)[v.index] = stored;
    }
    done.clear();
    writes.clear();
  }
}

void VeeService::AskNewest(std::vector<Begun>& begun) {
  // Asked after every window has taken what arrived: a reading observed
  // later is in the next window's arrivals, one observed before is stored
  // and so below the newest asked here.
  std::vector<uint32_t> all, reading;
  for (const Begun& b : begun) {
    if (!b.meter) continue;
    all.push_back(b.key);
    if (!b.state->raw_known || b.from < b.state->raw_from_ms) reading.push_back(b.key);
  }
  const std::vector<std::optional<int64_t>> overlay = NewestOf(engine_, kOverlay, all);
  const std::vector<std::optional<int64_t>> raw = NewestOf(engine_, kReading, reading);
  size_t a = 0, r = 0;
  for (Begun& b : begun) {
    if (!b.meter) continue;
    if (!overlay.empty()) b.newest_overlay = overlay[a];
    ++a;
    if (r < reading.size() && reading[r] == b.key) {
      if (!raw.empty()) b.newest_reading = raw[r];
      ++r;
    }
  }
}

Status VeeService::ValidateMeter(uint32_t key) {
  Begun begun;
  METRIFY_RETURN_IF_ERROR(Begin(key, 0, &begun));
  std::vector<Validated> done;
  std::vector<engine::wal::WalSample> writes;
  METRIFY_RETURN_IF_ERROR(Validate(begun, &done, &writes));
  return Store(done, writes);
}

Status VeeService::Begin(uint32_t key, size_t index, Begun* b) {
  b->key = key;
  b->index = index;
  b->now = now_();
  {
    std::lock_guard lock(mu_);
    std::unique_ptr<MeterState>& slot = states_[key];
    if (!slot) slot = std::make_unique<MeterState>();
    b->state = slot.get();
    std::swap(b->rewind_from, b->state->rewind_from_ms);
    b->late_by.swap(b->state->late_by);
    b->state->fresh = false;
    b->only_observed = std::exchange(b->state->only_observed, false);
    if (settle_ms_ > 0) b->settled = Settled(*b->state, b->now, &b->settles_at);
  }
  // Only this worker touches the rest of the state now (state->running).
  MeterState& state = *b->state;
  b->meter = meters_(key);
  if (!b->meter) return Status::Ok();  // deleted since: nothing to validate
  if (!state.clock || state.zone != b->meter->timezone) {
    METRIFY_ASSIGN_OR_RETURN(LocalClock made, LocalClock::For(b->meter->timezone));
    state.clock = made;
    state.zone = b->meter->timezone;
  }
  if (!state.rules || state.rules_type != b->meter->type) {
    state.rules = rules_.Shared(b->meter->type, b->meter->id);
    state.rules_type = b->meter->type;
  }
  b->from = WindowStart(key, state, *b->meter, b->rewind_from, b->only_observed, &b->anchor);
  // The engine's partitions are days since 1970 in 32 bits: bounded reads.
  // Readings more than a day ahead get no row anyway (validator.cc).
  b->until = b->now + 2 * kDayMs;
  if (b->only_observed && !state.raw_known) {
    // What arrived is all the engine has: the copy starts empty and whole.
    Forget(state);
    state.raw_known = true;
    state.raw_from_ms = INT64_MIN;
  }
  // What arrived until now is the window's, as a read here would find it.
  TakeArrived(state);
  return Status::Ok();
}

Status VeeService::Validate(Begun& b, std::vector<Validated>* done,
                            std::vector<engine::wal::WalSample>* writes) {
  if (!b.meter) return Status::Ok();
  const uint32_t key = b.key;
  MeterState* state = b.state;
  const int64_t from = b.from, until = b.until;
  std::span<RawReading> readings;
  METRIFY_RETURN_IF_ERROR(WindowRaw(key, *state, from, until, b.newest_reading, &readings));
  std::vector<engine::HeadSample> overlay;
  METRIFY_RETURN_IF_ERROR(Read(engine_, {kOverlay, key}, from,
                               ReadEnd(engine_, {kOverlay, key}, from, until, b.newest_overlay),
                               &overlay));
  for (RawReading& r : readings) r.late_by_ms = LateBy(r.timestamp_ms, b.late_by, overlay);
  std::map<int64_t, Edit> edits;
  if (edits_) edits = edits_(key, from, until);
  // The weeks before, for a similar-day estimate: read only if one is made.
  MeterHistory history(engine_, key, from, readings,
                       int64_t{state->rules->similar_day_weeks} * 7 * kDayMs);
  WindowInput in;
  in.meter = &*b.meter;
  in.edits = &edits;
  in.history = [&history](int64_t end_ms) { return history.At(end_ms); };
  in.rules = state->rules.get();
  in.typical = &state->typical;
  in.anchor = b.anchor;
  in.raw = readings;
  in.now_ms = b.now;
  in.settled_ms = b.settled;
  Validated& v = done->emplace_back();
  v.index = b.index;
  v.key = key;
  v.state = state;
  v.result = ValidateWindow(in, *state->clock);
  v.rewind_from = b.rewind_from;
  v.late_by = std::move(b.late_by);
  const auto& rows = v.result.rows;
  if (std::any_of(rows.begin(), rows.end(), [](const auto& r) { return r.settling; })) {
    v.settles_at_ms = std::max(b.settles_at, b.now);
  }
  v.writes = AddWrites(key, b.meter->interval_s, v.result.rows, readings, overlay, writes);
  v.meter = std::move(*b.meter);
  if (!state->raw_known) Forget(*state);  // a read it could not keep
  return Status::Ok();
}

int64_t VeeService::WindowStart(uint32_t key, MeterState& state, const MeterInfo& meter,
                                int64_t rewind_from, bool only_observed, Anchor* anchor) {
  *anchor = state.anchor;
  const bool first = anchor->end_ms == INT64_MIN;
  const int64_t from = first ? state.open_from_ms : anchor->end_ms + 1;
  if (rewind_from == INT64_MAX || (!first && rewind_from > anchor->end_ms)) return from;
  // From the start of the late reading's local day; with nothing measured
  // the day before (a new meter), from its first reading that day on.
  LocalClock& clock = *state.clock;
  const int64_t day_start = clock.DayStartUtc(clock.DayOfIntervalEnding(rewind_from));
  *anchor = only_observed ? Anchor{} : AnchorBefore(key, meter, day_start);
  const int64_t start = anchor->end_ms != INT64_MIN ? anchor->end_ms + 1 : day_start;
  if (first) {
    state.open_from_ms = start;  // until an anchor is found
  } else {
    std::lock_guard lock(mu_);
    ++stats_.rewinds;
  }
  return start;
}

void VeeService::TakeArrived(MeterState& state) {
  thread_local std::vector<engine::wal::WalSample> arrived;
  bool all = false;
  {
    std::lock_guard lock(mu_);
    // Without a copy to add them to, this window reads them from the engine.
    all = state.arrived_all && state.raw_known;
    if (all) arrived.assign(state.arrived.begin(), state.arrived.end());
    state.arrived_all = true;
    DropArrived(state, state.raw_known);
  }
  if (!state.raw_known) return;
  if (!all) {
    Forget(state);
    return;
  }
  bool merged = true;
  Tracked(held_, state.raw, [&] {
    for (const engine::wal::WalSample& s : arrived) {
      // Older than the copy: windows that start there read from the engine.
      if (s.timestamp_ms >= state.raw_from_ms) merged = merged && Merge(state.raw, s);
    }
  });
  if (!merged || state.raw.size() > max_raw_ || held_.load(std::memory_order_relaxed) > kMaxHeld) {
    Forget(state);
  }
}

Status VeeService::WindowRaw(uint32_t key, MeterState& state, int64_t from, int64_t until,
                             const std::optional<std::optional<int64_t>>& newest,
                             std::span<RawReading>* out) {
  if (!state.raw_known || from < state.raw_from_ms) {
    Forget(state);
    const int64_t end = ReadEnd(engine_, {kReading, key}, from, until, newest);
    thread_local std::vector<engine::HeadSample> read;
    read.clear();
    METRIFY_RETURN_IF_ERROR(Read(engine_, {kReading, key}, from, end, &read));
    Tracked(held_, state.raw, [&] {
      state.raw.reserve(read.size());
      for (const engine::HeadSample& s : read) state.raw.push_back(ToRaw(s));
    });
    state.raw_from_ms = from;
    // Cut at the horizon, the read missed what lies after it.
    state.raw_known = end < until && state.raw.size() <= max_raw_ &&
                      held_.load(std::memory_order_relaxed) <= kMaxHeld;
  }
  auto first = FirstAtOrAfter(state.raw, from);
  auto last = FirstAtOrAfter(state.raw, until);
  *out = std::span(first, last);
  return Status::Ok();
}

void VeeService::DropPassed(MeterState& state) {
  if (!state.raw_known || state.anchor.end_ms == INT64_MIN) return;
  const int64_t from = state.anchor.end_ms + 1;
  if (from <= state.raw_from_ms) return;
  Tracked(held_, state.raw, [&] {
    state.raw.erase(state.raw.begin(), FirstAtOrAfter(state.raw, from));
    // Room left from a longer window (a gap waiting to be due) goes back.
    if (state.raw.capacity() > 2 * state.raw.size() + 2) state.raw.shrink_to_fit();
  });
  state.raw_from_ms = from;
}

void VeeService::Forget(MeterState& state) {
  Tracked(held_, state.raw, [&] { std::vector<RawReading>().swap(state.raw); });
  state.raw_known = false;
  state.raw_from_ms = INT64_MAX;
}

Status VeeService::Store(std::vector<Validated>& done,
                         std::span<const engine::wal::WalSample> writes) {
  Status status = Status::Ok();
  if (!writes.empty()) status = engine_.Append(kOverlay, writes).status();
  VeeStats added;
  for (Validated& v : done) {
    if (!status.ok()) {
      GiveBack(v);
      continue;
    }
    MeterState& state = *v.state;
    const WindowResult& result = v.result;
    const auto final_rows = std::span(result.rows).first(result.final_rows);
    Learn(state, v.meter, *state.clock, final_rows);
    if (window_listener_ && !final_rows.empty()) window_listener_(v.key, v.meter, final_rows);
    state.anchor = result.anchor;
    DropPassed(state);
    ++added.windows;
    added.readings += result.rows.size();
    added.overlay_rows += v.writes;
  }
  std::lock_guard lock(mu_);
  if (status.ok()) ScheduleSettling(done);
  stats_.windows += added.windows;
  stats_.readings += added.readings;
  stats_.overlay_rows += added.overlay_rows;
  return status;
}

void VeeService::ScheduleSettling(std::span<const Validated> done) {
  const int64_t now = now_();
  for (const Validated& v : done) {
    if (v.settles_at_ms == 0) continue;
    v.state->settling = true;
    if (v.state->scheduled) continue;
    v.state->scheduled = true;
    const auto wait = std::chrono::milliseconds(std::max<int64_t>(v.settles_at_ms - now, 0) + 1);
    later_.emplace(std::chrono::steady_clock::now() + wait, v.key);
  }
}

void VeeService::GiveBack(Validated& v) {
  std::lock_guard lock(mu_);
  MeterState& state = *v.state;
  state.rewind_from_ms = std::min(state.rewind_from_ms, v.rewind_from);
  // Lateness observed since is newer: it stays.
  for (const auto& [t, late] : v.late_by) state.late_by.try_emplace(t, late);
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
