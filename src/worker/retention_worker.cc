#include "worker/retention_worker.h"

#include <algorithm>
#include <thread>

#include "common/time.h"
#include "obs/log.h"

namespace metrify::worker {

namespace {

// Sleeps `total` in short steps, so a stop is noticed within 50 ms.
void SleepUnlessStopped(std::chrono::milliseconds total, const std::atomic<bool>& stop) {
  constexpr std::chrono::milliseconds kStep(50);
  for (auto slept = std::chrono::milliseconds(0); slept < total && !stop.load(); slept += kStep) {
    std::this_thread::sleep_for(std::min(kStep, total - slept));
  }
}

}  // namespace

RetentionWorker::RetentionWorker(store::PgPool& pool, obs::MetricsRegistry& metrics,
                                 RetentionWorkerOptions options)
    : pool_(pool),
      options_(std::move(options)),
      passes_total_(metrics.AddCounter("metrify_retention_passes_total",
                                       "Retention passes by outcome: done, skipped (another "
                                       "replica held the lock) or failed",
                                       {"outcome"})),
      partitions_total_(metrics.AddCounter(
          "metrify_retention_partitions_dropped_total",
          "Day partitions of readings, grid_status, observations and vee_overlay dropped")),
      hour_rows_total_(metrics.AddCounter("metrify_retention_hour_rows_deleted_total",
                                          "readings_hourly rows of expired hours deleted")) {
  partitions_total_.Inc({}, 0);  // rendered from the start, as 0
  hour_rows_total_.Inc({}, 0);
  metrics
      .AddGauge("metrify_retention_last_pass_timestamp_seconds",
                "Wall time the last retention pass of this process ended (0 before)")
      .SetCallback([this] { return static_cast<double>(stats().last_pass_ms) / 1000; });
}

Result<store::RetentionPass> RetentionWorker::RunOnce() {
  const auto started = std::chrono::steady_clock::now();
  const int64_t now = options_.now_ms ? options_.now_ms() : NowMillis();
  Result<store::RetentionPass> pass = [&]() -> Result<store::RetentionPass> {
    METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
    return store::DropExpiredDays(*db, options_.retention_days, now);
  }();
  if (!pass) {
    passes_total_.Inc({"failed"});
    std::lock_guard lock(mu_);
    ++stats_.failures;
    return pass;
  }
  Note(*pass, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return pass;
}

void RetentionWorker::Note(const store::RetentionPass& pass, double seconds) {
  if (pass.locked_out) {
    passes_total_.Inc({"skipped"});
    std::lock_guard lock(mu_);
    ++stats_.skipped;
    return;
  }
  if (!pass.ran) return;  // retention off
  passes_total_.Inc({"done"});
  partitions_total_.Inc({}, pass.partitions_dropped);
  hour_rows_total_.Inc({}, static_cast<double>(pass.hour_rows_deleted));
  {
    std::lock_guard lock(mu_);
    ++stats_.passes;
    stats_.partitions_dropped += static_cast<uint64_t>(pass.partitions_dropped);
    stats_.hour_rows_deleted += static_cast<uint64_t>(pass.hour_rows_deleted);
    stats_.last_pass_ms = NowMillis();
    stats_.last_cutoff_ms = pass.cutoff_ms;
    stats_.last_pass_s = seconds;
  }
  const bool dropped = pass.partitions_dropped > 0 || pass.default_rows_deleted > 0 ||
                       pass.hour_rows_deleted > 0 || pass.dirty_marks_deleted > 0;
  if (!dropped) return;
  obs::LogInfo("retention dropped expired days", {{"cutoff", FormatRfc3339(pass.cutoff_ms)},
                                                  {"partitions", pass.partitions_dropped},
                                                  {"default_rows", pass.default_rows_deleted},
                                                  {"hour_rows", pass.hour_rows_deleted},
                                                  {"dirty_marks", pass.dirty_marks_deleted},
                                                  {"hours_to_recompute", pass.dirty_marks_added},
                                                  {"quality_days", pass.quality_days_deleted},
                                                  {"seconds", seconds}});
}

Status RetentionWorker::Run(const std::atomic<bool>& stop) {
  if (options_.retention_days <= 0) return Status::Ok();
  while (!stop.load()) {
    Result<store::RetentionPass> pass = RunOnce();
    if (!pass) {
      obs::LogWarn("retention pass failed; retrying",
                   {{"error", pass.status().message()},
                    {"retry_in_s", static_cast<int64_t>(options_.retry_after.count() / 1000)}});
    }
    SleepUnlessStopped(pass ? options_.every : std::min(options_.retry_after, options_.every),
                       stop);
  }
  return Status::Ok();
}

RetentionWorkerStats RetentionWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void RetentionWorker::WriteHealth(JsonWriter& j) const {
  const RetentionWorkerStats s = stats();
  j.Key("retention").BeginObject();
  j.Key("days").Int(options_.retention_days);
  j.Key("passes").Int(static_cast<int64_t>(s.passes));
  j.Key("skipped").Int(static_cast<int64_t>(s.skipped));
  j.Key("failures").Int(static_cast<int64_t>(s.failures));
  j.Key("partitions_dropped").Int(static_cast<int64_t>(s.partitions_dropped));
  if (s.last_pass_ms > 0) {
    j.Key("last_pass_age_s").Number(static_cast<double>(NowMillis() - s.last_pass_ms) / 1000);
    j.Key("last_pass_s").Number(s.last_pass_s);
    j.Key("last_cutoff").String(FormatRfc3339(s.last_cutoff_ms));
  }
  j.EndObject();
}

}  // namespace metrify::worker
