#include "worker/quality_worker.h"

#include <algorithm>
#include <thread>

#include "api/validated_reads.h"
#include "common/time.h"
#include "obs/log.h"
#include "vee/local_clock.h"
#include "vee/meter_directory.h"
#include "vee/quality_days.h"

namespace metrify::worker {

namespace {

using engine::HeadSample;
using model::SeriesKind;

bool Transient(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted;
}

void SleepUnlessStopped(std::chrono::milliseconds total, const std::atomic<bool>& stop) {
  constexpr std::chrono::milliseconds kStep(50);
  for (auto slept = std::chrono::milliseconds(0); slept < total && !stop.load(); slept += kStep) {
    std::this_thread::sleep_for(std::min(kStep, total - slept));
  }
}

// One meter's readings and overlay rows of a run of days, read once; each
// day's report then reads its own window from here, through the same code
// as the API's (so it sees exactly what a one-day request would). Also
// notes the fields of the raw readings the last read returned: the view's
// sent_fields, which a stored day keeps.
class WindowCache final : public store::SeriesStore {
 public:
  WindowCache(store::SeriesStore& store, uint32_t key) : store_(store), key_(key) {}

  Status Load(int64_t start_ms, int64_t end_ms, int64_t half_ms) {
    raw_.clear();
    overlay_.clear();
    raw_lo_ = start_ms - half_ms, raw_hi_ = end_ms + half_ms;
    overlay_lo_ = start_ms, overlay_hi_ = end_ms;
    METRIFY_RETURN_IF_ERROR(
        store_.ReadLatest({SeriesKind::kReading, key_}, raw_lo_, raw_hi_, &raw_));
    return store_.ReadLatest({SeriesKind::kVeeOverlay, key_}, overlay_lo_, overlay_hi_, &overlay_);
  }
  uint16_t sent_fields() const { return sent_; }

  Status ReadLatest(engine::SeriesKey key, int64_t start_ms, int64_t end_ms,
                    std::vector<HeadSample>* out, uint16_t fields) const override {
    const bool raw = key.kind == SeriesKind::kReading;
    const std::vector<HeadSample>& all = raw ? raw_ : overlay_;
    const int64_t lo = raw ? raw_lo_ : overlay_lo_, hi = raw ? raw_hi_ : overlay_hi_;
    if (key.entity_key != key_ || start_ms < lo || end_ms > hi ||
        (!raw && key.kind != SeriesKind::kVeeOverlay)) {
      return store_.ReadLatest(key, start_ms, end_ms, out, fields);  // not cached
    }
    auto by_ts = [](const HeadSample& s, int64_t t) { return s.timestamp_ms < t; };
    auto it = std::lower_bound(all.begin(), all.end(), start_ms, by_ts);
    if (raw) sent_ = 0;
    for (; it != all.end() && it->timestamp_ms < end_ms; ++it) {
      HeadSample s = *it;
      s.present &= fields;
      if (raw) sent_ |= s.present;
      out->push_back(s);
    }
    return Status::Ok();
  }
  Result<store::AppendCounts> Append(SeriesKind, std::span<const engine::wal::WalSample>) override {
    return Status::Internal("a window cache is read-only");
  }
  Result<std::optional<HeadSample>> Latest(engine::SeriesKey key) const override {
    return store_.Latest(key);
  }
  int32_t RetentionCutoffDay() const override { return store_.RetentionCutoffDay(); }

 private:
  store::SeriesStore& store_;
  const uint32_t key_;
  std::vector<HeadSample> raw_, overlay_;
  int64_t raw_lo_ = 0, raw_hi_ = 0, overlay_lo_ = 0, overlay_hi_ = 0;
  mutable uint16_t sent_ = 0;
};

// Days in runs whose windows overlap (or nearly): one read per run.
std::vector<std::pair<int64_t, int64_t>> Runs(const std::set<int64_t>& days, int64_t gap) {
  std::vector<std::pair<int64_t, int64_t>> runs;  // [first, last]
  for (int64_t d : days) {
    if (!runs.empty() && d - runs.back().second <= gap) {
      runs.back().second = d;
    } else {
      runs.emplace_back(d, d);
    }
  }
  return runs;
}

}  // namespace

// What a meter's days are computed with.
struct QualityWorker::Meter {
  uint32_t key = 0;
  model::Meter entry;
  vee::RuleSet rules;
  vee::LocalClock clock;
  uint64_t inputs = 0;
  int32_t interval_s = 900;
  int history = 0;
};

QualityWorker::QualityWorker(store::PgPool& pool, store::SeriesStore& store, vee::PgEditLog* edits,
                             registry::Registry& registry, ingest::EntityKeys& keys,
                             const vee::RulesConfig& rules, obs::MetricsRegistry& metrics,
                             QualityWorkerOptions options)
    : pool_(pool),
      store_(store),
      edits_(edits),
      registry_(registry),
      keys_(keys),
      rules_(rules),
      options_(std::move(options)),
      rounds_total_(metrics.AddCounter("metrify_quality_rounds_total",
                                       "Quality rounds that claimed at least one dirty mark")),
      days_total_(metrics.AddCounter("metrify_quality_days_total",
                                     "Meter days whose quality report was computed and stored",
                                     {"reason"})),
      retries_total_(metrics.AddCounter(
          "metrify_quality_retries_total",
          "Quality rounds repeated because the database failed or was unavailable")),
      round_seconds_(metrics.AddHistogram(
          "metrify_quality_round_seconds", "Time of one quality round (claim to commit)", {},
          {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})) {
  metrics
      .AddGauge("metrify_quality_backlog_hours",
                "Hours of 64-meter blocks waiting for their quality reports, at the last count")
      .SetCallback([this] { return static_cast<double>(std::max<int64_t>(stats().backlog, 0)); });
}

int64_t QualityWorker::Now() const { return options_.now_ms ? options_.now_ms() : NowMillis(); }

struct QualityWorker::CachedMeter {
  std::chrono::steady_clock::time_point at;
  std::optional<Meter> meter;
};

Result<std::optional<QualityWorker::Meter>> QualityWorker::MeterOf(uint32_t key) {
  const auto now = std::chrono::steady_clock::now();
  auto cached = meters_.find(key);
  if (cached != meters_.end() && now - cached->second->at < options_.keys_every) {
    return cached->second->meter;
  }
  auto fresh = std::make_shared<CachedMeter>(CachedMeter{.at = now, .meter = std::nullopt});
  const std::string id = keys_.IdOf(SeriesKind::kReading, key);
  Result<model::Meter> entry =
      id.empty() ? Result<model::Meter>(Status::NotFound("")) : registry_.Get<model::Meter>(id);
  if (!entry && entry.error().code() != StatusCode::kNotFound) return entry.error();
  if (entry) {
    const vee::MeterInfo info = vee::MeterInfoOf(*entry);
    // A zone the clock does not know: the API cannot report the meter either.
    if (Result<vee::LocalClock> clock = vee::LocalClock::For(info.timezone); clock) {
      Meter m{.key = key, .entry = std::move(*entry), .rules = {}, .clock = *clock};
      m.rules = rules_.For(info.type, info.id);
      m.inputs = vee::QualityInputsOf(m.entry, m.rules);
      m.interval_s = info.interval_s;
      m.history = vee::HistoryDays(m.rules);
      fresh->meter = std::move(m);
    }
  }
  meters_[key] = fresh;
  return fresh->meter;
}

Status QualityWorker::Compute(const Meter& const_m, const std::set<int64_t>& days, int64_t now,
                              std::vector<store::StoredQualityRow>* out) {
  Meter m = const_m;  // the clock caches an offset
  WindowCache cache(store_, m.key);
  vee::DayReportOptions options;
  options.now_ms = now;
  options.interval_s = m.interval_s;
  options.due_after_hours = m.rules.due_after_hours;
  options.rules = &m.rules;
  for (const auto& [first, last] : Runs(days, m.history + 2)) {
    const vee::ReportWindow run = vee::WindowFor(m.clock, first, last + 1, m.rules);
    METRIFY_RETURN_IF_ERROR(cache.Load(run.start_ms, run.end_ms, int64_t{m.interval_s} * 500));
    for (auto it = days.find(first); it != days.end() && *it <= last; ++it) {
      const vee::ReportWindow w = vee::WindowFor(m.clock, *it, *it + 1, m.rules);
      METRIFY_ASSIGN_OR_RETURN(
          std::vector<vee::ValidatedPoint> points,
          api::ReadValidatedMeter(cache, &rules_, edits_, m.entry, m.key, w.start_ms, w.end_ms));
      std::vector<vee::DayQuality> report =
          vee::BuildDayReports(points, m.clock, *it, *it + 1, options);
      store::StoredQualityRow row{.key = m.key, .stored = {}};
      row.stored.day = std::move(report.at(0));
      row.stored.inputs = m.inputs;
      row.stored.due_from_ms = points.empty() ? INT64_MAX : points.front().row.end_ms;
      row.stored.sent_fields = cache.sent_fields();
      out->push_back(std::move(row));
    }
  }
  return Status::Ok();
}

Result<size_t> QualityWorker::ComputeBlock(store::PgConnection& db, int64_t block,
                                           const std::vector<int64_t>& hours, int64_t now) {
  std::vector<store::StoredQualityRow> rows;
  for (int64_t k = block * store::kQualityBlockMeters; k < (block + 1) * store::kQualityBlockMeters;
       ++k) {
    METRIFY_ASSIGN_OR_RETURN(std::optional<Meter> m, MeterOf(static_cast<uint32_t>(k)));
    if (!m) continue;
    // The days an hour's samples fall in (a raw reading snaps up to half an
    // interval), and the days that have those as history.
    const int64_t half = int64_t{m->interval_s} * 500;
    const int64_t today = m->clock.At(now).day;
    std::set<int64_t> days;
    for (int64_t h : hours) {
      const int64_t lo = m->clock.At(h - half - 1).day;
      const int64_t hi =
          std::min(m->clock.At(h + store::kQualityHourMs + half).day + m->history, today - 1);
      for (int64_t d = lo; d <= hi; ++d) {
        if (m->clock.DayStartUtc(d + 1) <= now) days.insert(d);  // closed
      }
    }
    METRIFY_RETURN_IF_ERROR(Compute(*m, days, now, &rows));
  }
  METRIFY_RETURN_IF_ERROR(store::UpsertQualityDays(db, rows));
  return rows.size();
}

Result<size_t> QualityWorker::RunOnce() {
  const auto started = std::chrono::steady_clock::now();
  RefreshKeys();
  const int64_t now = Now();
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  size_t claims = 0, days = 0;
  METRIFY_RETURN_IF_ERROR(db->InTransaction([&]() -> Status {
    METRIFY_ASSIGN_OR_RETURN(auto blocks, store::ClaimQualityMarks(*db, options_.max_claims));
    if (blocks.empty()) return Status::Ok();
    // The edits of marks just claimed committed before the claim: be sure
    // this process has them in force before reading.
    if (edits_) METRIFY_RETURN_IF_ERROR(edits_->CatchUp());
    for (const auto& [block, hours] : blocks) {
      claims += hours.size();
      METRIFY_ASSIGN_OR_RETURN(size_t stored, ComputeBlock(*db, block, hours, now));
      days += stored;
    }
    return Status::Ok();
  }));
  if (claims > 0) {
    rounds_total_.Inc({});
    days_total_.Inc({"dirty"}, static_cast<double>(days));
    NoteRound(claims, days, 0,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  } else {
    std::lock_guard lock(mu_);
    stats_.database_down = false;
  }
  return claims;
}

Result<size_t> QualityWorker::SweepBlock(int64_t block, int64_t now) {
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  return db->InTransaction([&]() -> Result<size_t> {
    METRIFY_ASSIGN_OR_RETURN(bool mine, store::TryLockQualityBlock(*db, block));
    if (!mine) return size_t{0};  // another replica works on it
    std::vector<Meter> meters;
    for (int64_t k = block * store::kQualityBlockMeters;
         k < (block + 1) * store::kQualityBlockMeters; ++k) {
      METRIFY_ASSIGN_OR_RETURN(std::optional<Meter> m, MeterOf(static_cast<uint32_t>(k)));
      if (m) meters.push_back(std::move(*m));
    }
    if (meters.empty()) return size_t{0};
    // Zones differ by a day at most: ask for one more on each side.
    const int64_t utc_today = FloorDiv(now, int64_t{86'400'000});
    METRIFY_ASSIGN_OR_RETURN(
        auto stored,
        store::StoredQualityInputs(*db, block, utc_today - options_.sweep_days - 1, utc_today + 2));
    std::vector<store::StoredQualityRow> rows;
    for (Meter& m : meters) {
      const int64_t today = m.clock.At(now).day;
      const std::map<int64_t, uint64_t>& have = stored[m.key];
      std::set<int64_t> days;
      for (int64_t d = today - options_.sweep_days; d < today; ++d) {
        auto it = have.find(d);
        if (it == have.end() || it->second != m.inputs) days.insert(d);
      }
      METRIFY_RETURN_IF_ERROR(Compute(m, days, now, &rows));
    }
    METRIFY_RETURN_IF_ERROR(store::UpsertQualityDays(*db, rows));
    return rows.size();
  });
}

Result<size_t> QualityWorker::SweepOnce() {
  const auto started = std::chrono::steady_clock::now();
  RefreshKeys();
  if (sweep_order_.empty()) return size_t{0};
  const int64_t now = Now();
  size_t days = 0;
  const size_t n = std::min(options_.sweep_blocks, sweep_order_.size());
  for (size_t i = 0; i < n; ++i) {
    const int64_t block = sweep_order_[sweep_next_ % sweep_order_.size()];
    METRIFY_ASSIGN_OR_RETURN(size_t stored, SweepBlock(block, now));
    ++sweep_next_;  // only past a block swept (or held by another replica)
    days += stored;
  }
  {
    std::lock_guard lock(mu_);
    stats_.sweeps += n;
  }
  if (days > 0) {
    days_total_.Inc({"sweep"}, static_cast<double>(days));
    NoteRound(0, days, days,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return days;
}

Result<size_t> QualityWorker::StoreDays(uint32_t key, int64_t first_day, int64_t end_day) {
  const int64_t now = Now();
  METRIFY_ASSIGN_OR_RETURN(std::optional<Meter> m, MeterOf(key));
  if (!m) return Status::NotFound("no meter has key " + std::to_string(key));
  std::set<int64_t> days;
  for (int64_t d = first_day; d < end_day; ++d) {
    if (m->clock.DayStartUtc(d + 1) <= now) days.insert(d);
  }
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  return db->InTransaction([&]() -> Result<size_t> {
    METRIFY_ASSIGN_OR_RETURN(bool mine,
                             store::TryLockQualityBlock(*db, key / store::kQualityBlockMeters));
    if (!mine) return Status::Unavailable("another replica works on the meter's block");
    std::vector<store::StoredQualityRow> rows;
    METRIFY_RETURN_IF_ERROR(Compute(*m, days, now, &rows));
    METRIFY_RETURN_IF_ERROR(store::UpsertQualityDays(*db, rows));
    return rows.size();
  });
}

void QualityWorker::RefreshKeys() {
  const auto now = std::chrono::steady_clock::now();
  if (!sweep_order_.empty() && now - keys_loaded_ < options_.keys_every) return;
  if (Status s = keys_.Load(); !s.ok()) return;  // the round reports the database
  keys_loaded_ = now;
  std::set<int64_t> blocks;
  for (const auto& [id, key] : *keys_.All(SeriesKind::kReading)) {
    blocks.insert(key / store::kQualityBlockMeters);
  }
  sweep_order_.assign(blocks.begin(), blocks.end());
}

Status QualityWorker::Run(const std::atomic<bool>& stop) {
  std::chrono::milliseconds backoff(100);
  while (!stop.load()) {
    Result<size_t> claims = RunOnce();
    Result<size_t> swept = claims ? SweepOnce() : Result<size_t>(size_t{0});
    if (!claims || !swept) {
      NoteFailure(!claims ? claims.status() : swept.status());
      SleepUnlessStopped(backoff, stop);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    CountBacklog();
    if (*claims < options_.max_claims) SleepUnlessStopped(options_.idle_sleep, stop);
  }
  return Status::Ok();
}

void QualityWorker::NoteRound(size_t claims, size_t days, size_t swept, double seconds) {
  round_seconds_.Observe({}, seconds);
  std::lock_guard lock(mu_);
  stats_.database_down = false;
  stats_.rounds += claims > 0;
  stats_.claims += claims;
  stats_.days += days;
  stats_.swept_days += swept;
  stats_.last_round_ms = NowMillis();
  stats_.last_round_s = seconds;
}

void QualityWorker::CountBacklog() {
  const auto now = std::chrono::steady_clock::now();
  if (now - backlog_counted_ < options_.backlog_every) return;
  backlog_counted_ = now;
  Result<store::PgLease> db = pool_.Acquire();
  if (!db) return;
  Result<int64_t> backlog = store::QualityBacklog(**db);
  if (!backlog) return;
  std::lock_guard lock(mu_);
  stats_.backlog = *backlog;
}

void QualityWorker::NoteFailure(const Status& status) {
  retries_total_.Inc({});
  bool first = false;
  {
    std::lock_guard lock(mu_);
    ++stats_.retries;
    const bool down = Transient(status);
    first = down ? !stats_.database_down : true;
    stats_.database_down = down;
  }
  if (first) obs::LogWarn("quality round failed; retrying", {{"error", status.message()}});
}

QualityWorkerStats QualityWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void QualityWorker::WriteHealth(JsonWriter& j) const {
  const QualityWorkerStats s = stats();
  j.Key("quality").BeginObject();
  j.Key("database").String(s.database_down ? "unavailable" : "ok");
  if (s.backlog >= 0) {
    j.Key("backlog_block_hours").Int(s.backlog);
  } else {
    j.Key("backlog_block_hours").Null();
  }
  j.Key("rounds").Int(static_cast<int64_t>(s.rounds));
  j.Key("days").Int(static_cast<int64_t>(s.days));
  j.Key("swept_days").Int(static_cast<int64_t>(s.swept_days));
  j.Key("swept_blocks").Int(static_cast<int64_t>(s.sweeps));
  j.Key("retries").Int(static_cast<int64_t>(s.retries));
  if (s.last_round_ms > 0) {
    j.Key("last_round_age_s").Number(static_cast<double>(NowMillis() - s.last_round_ms) / 1000);
    j.Key("last_round_s").Number(s.last_round_s);
  }
  j.EndObject();
}

}  // namespace metrify::worker
