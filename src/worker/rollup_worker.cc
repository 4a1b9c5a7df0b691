#include "worker/rollup_worker.h"

#include <algorithm>
#include <thread>

#include "common/json_writer.h"
#include "common/time.h"
#include "obs/log.h"
#include "store/postgres/pg_rollups.h"

namespace metrify::worker {

namespace {

bool Transient(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted;
}

// Sleeps `total` in short steps, so a stop is noticed within 50 ms.
void SleepUnlessStopped(std::chrono::milliseconds total, const std::atomic<bool>& stop) {
  constexpr std::chrono::milliseconds kStep(50);
  for (auto slept = std::chrono::milliseconds(0); slept < total && !stop.load(); slept += kStep) {
    std::this_thread::sleep_for(std::min(kStep, total - slept));
  }
}

}  // namespace

RollupWorker::RollupWorker(store::PgPool& pool, obs::MetricsRegistry& metrics,
                           RollupWorkerOptions options)
    : pool_(pool),
      options_(options),
      rounds_total_(metrics.AddCounter("metrify_rollup_rounds_total",
                                       "Rollup rounds that claimed at least one block hour")),
      hours_total_(metrics.AddCounter("metrify_rollup_hours_total",
                                      "Meter hours recomputed into readings_hourly")),
      retries_total_(metrics.AddCounter(
          "metrify_worker_db_retries_total",
          "Rollup rounds repeated because the database failed or was unavailable")),
      round_seconds_(metrics.AddHistogram(
          "metrify_rollup_round_seconds", "Time of one rollup round (claim to commit)", {},
          {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})) {
  metrics
      .AddGauge("metrify_rollup_backlog_hours",
                "Hours of 64-meter blocks waiting to be recomputed, at the last count "
                "(about once a second)")
      .SetCallback([this] { return static_cast<double>(std::max<int64_t>(stats().backlog, 0)); });
}

Result<size_t> RollupWorker::RunOnce() {
  const auto started = std::chrono::steady_clock::now();
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(store::RollupRound round,
                           store::RecomputeDirtyHours(*db, options_.max_claims));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::lock_guard lock(mu_);
  stats_.database_down = false;
  if (round.claims == 0) return size_t{0};
  ++stats_.rounds;
  stats_.claims += round.claims;
  stats_.hours += round.hours;
  stats_.readings += round.readings;
  stats_.last_round_ms = NowMillis();
  stats_.last_round_s = seconds;
  rounds_total_.Inc({});
  hours_total_.Inc({}, static_cast<double>(round.hours));
  round_seconds_.Observe({}, seconds);
  return round.claims;
}

Status RollupWorker::Run(const std::atomic<bool>& stop) {
  std::chrono::milliseconds backoff(100);
  while (!stop.load()) {
    Result<size_t> claims = RunOnce();
    if (!claims) {
      NoteFailure(claims.status());
      SleepUnlessStopped(backoff, stop);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    CountBacklog();  // after the round: the gauge shows what is still waiting
    // A full round means more is waiting: go on at once.
    if (*claims < options_.max_claims) SleepUnlessStopped(options_.idle_sleep, stop);
  }
  return Status::Ok();
}

void RollupWorker::CountBacklog() {
  const auto now = std::chrono::steady_clock::now();
  if (now - backlog_counted_ < options_.backlog_every) return;
  backlog_counted_ = now;
  Result<store::PgLease> db = pool_.Acquire();
  if (!db) return;  // the round will report it
  Result<int64_t> backlog = store::DirtyBacklog(**db);
  if (!backlog) return;
  std::lock_guard lock(mu_);
  stats_.backlog = *backlog;
}

void RollupWorker::NoteFailure(const Status& status) {
  retries_total_.Inc({});
  bool first = false;
  {
    std::lock_guard lock(mu_);
    ++stats_.retries;
    const bool down = Transient(status);
    first = down ? !stats_.database_down : true;
    stats_.database_down = down;
  }
  // Once per outage, but every other failure (a statement the database
  // refused): those are bugs or schema trouble someone must see.
  if (first) obs::LogWarn("rollup round failed; retrying", {{"error", status.message()}});
}

RollupWorkerStats RollupWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

WorkerHealth RollupWorker::Health(const std::function<void(JsonWriter&)>& more) const {
  const RollupWorkerStats s = stats();
  JsonWriter j;
  j.BeginObject();
  j.Key("database").String(s.database_down ? "unavailable" : "ok");
  if (s.backlog >= 0) {
    j.Key("backlog_block_hours").Int(s.backlog);
  } else {
    j.Key("backlog_block_hours").Null();
  }
  j.Key("rounds").Int(static_cast<int64_t>(s.rounds));
  j.Key("hours").Int(static_cast<int64_t>(s.hours));
  if (s.last_round_ms > 0) {
    j.Key("last_round_age_s").Number(static_cast<double>(NowMillis() - s.last_round_ms) / 1000);
    j.Key("last_round_s").Number(s.last_round_s);
  }
  if (more) more(j);
  j.EndObject();
  return {.healthy = !s.database_down, .details_json = j.Take()};
}

}  // namespace metrify::worker
