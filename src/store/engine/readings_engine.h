// ReadingsEngine: the embedded time-series engine (docs/engine.md) behind
// one front door. It ties the WAL, the head, segment files and the latest
// index together:
//
//   Append ──► WAL (group commit, fdatasync) ──► head ──► flush ──► segments
//   reads  ◄── segments + partitions being flushed + head, highest revision wins
//
// Durability: Append returns OK only once its batch is in an fdatasync'ed
// WAL record; Open replays the WAL, so every acknowledged sample survives a
// crash. Upserts: (series, timestamp) is the key; an identical repeat is a
// no-op, a change a new revision, the first (raw) revision is kept, also
// when the timestamp's partition was flushed before.
//
// Memory: the head is flushed, oldest day first, when it outgrows
// head_budget_bytes; once head and flushing data reach head_limit_bytes,
// Append refuses with ResourceExhausted (the API's 503 + Retry-After) rather
// than grow without bound.
//
// Thread safety: every method may be called concurrently. Append blocks on
// disk I/O: call it from worker threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"
#include "store/engine/append_gate.h"
#include "store/engine/head/head.h"
#include "store/engine/latest_index.h"
#include "store/engine/segment/segment_writer.h"
#include "store/engine/segment_catalog.h"
#include "store/engine/wal/sample_batch.h"
#include "store/engine/wal/wal_reader.h"
#include "store/engine/wal/wal_writer.h"
#include "store/series_store.h"

namespace metrify::engine {

struct EngineOptions {
  // Head memory above which the oldest day is flushed. Default 256 MiB.
  size_t head_budget_bytes = 256u << 20;
  // Head plus flushing memory at which Append refuses (ResourceExhausted).
  // 0 means twice head_budget_bytes.
  size_t head_limit_bytes = 0;
  // A day is flushed once a sample this far past its end has arrived (data
  // time, not wall time, so a backfill of old days flushes day by day).
  int64_t flush_grace_ms = 3'600'000;
  // Run the flush policy on a background thread. Tests turn it off and call
  // FlushDue / FlushAll themselves.
  bool background_flush = true;
  // Days of data kept, counted back from today (UTC); older partitions are
  // deleted whole by DropExpired (the flusher runs it). 0 keeps everything.
  int retention_days = 0;
  wal::WalWriterOptions wal;
  segment::SegmentWriterOptions segment;
};

// What one Append did with its samples (store/series_store.h).
using AppendCounts = store::AppendCounts;

// What Open found and did, for the start-up log line.
struct OpenReport {
  wal::ReplayReport replay;
  uint64_t samples_replayed = 0;  // applied to the head
  uint64_t samples_skipped = 0;   // already in segments
  size_t segments = 0;
  // Per meter key, the earliest and latest timestamps of the readings
  // replayed: what may not have been validated before the stop (VEE is
  // told of them again).
  std::unordered_map<uint32_t, std::pair<int64_t, int64_t>> replayed_readings;
};

// What Backup copied.
struct BackupReport {
  uint64_t segments = 0;
  uint64_t wal_files = 0;
  uint64_t bytes = 0;
};

struct EngineStats {
  size_t head_bytes = 0;
  size_t head_samples = 0;
  size_t flushing_bytes = 0;  // drained from the head, segment not yet written
  size_t segments = 0;
  uint64_t segment_bytes = 0;
  uint64_t flushes = 0;          // segments written since Open
  uint64_t flush_failures = 0;   // failed segment writes since Open (retried)
  uint64_t compactions = 0;      // partitions merged since Open
  uint64_t refused_appends = 0;  // Append calls refused for memory
  wal::WalCounters wal;
};

class ReadingsEngine : public store::SeriesStore {
 public:
  // Opens the engine in `root` (created if missing): removes leftovers of
  // interrupted flushes, opens the segments, replays the WAL into the head
  // (cutting a torn tail, with its report in *report) and starts the
  // flusher. Errors: Corruption (damaged segment, or WAL damage other than a
  // torn tail) and IOError; the engine is then not usable. `fs` must
  // outlive the engine.
  static Result<std::unique_ptr<ReadingsEngine>> Open(FileSystem& fs, std::string root,
                                                      EngineOptions options = {},
                                                      OpenReport* report = nullptr);
  // Stops the flusher. Does not flush: call Close for a fast next start.
  ~ReadingsEngine();
  ReadingsEngine(const ReadingsEngine&) = delete;
  ReadingsEngine& operator=(const ReadingsEngine&) = delete;

  // Stores `samples` of `kind` durably. Errors, with nothing stored:
  // InvalidArgument when a sample has no field or a field the kind lacks;
  // ResourceExhausted when memory is at its limit (retry later); IOError
  // when the WAL cannot be written (the engine stops taking writes);
  // Corruption or IOError when a late sample's segment cannot be read.
  Result<AppendCounts> Append(model::SeriesKind kind,
                              std::span<const wal::WalSample> samples) override;

  // Appends the latest revision of every sample of `key` with start_ms <=
  // timestamp < end_ms, ascending by timestamp, with only the fields in
  // `fields` (bit i: field i; the others absent): segments then decode only
  // those columns.
  Status ReadLatest(SeriesKey key, int64_t start_ms, int64_t end_ms, std::vector<HeadSample>* out,
                    uint16_t fields = segment::SegmentReader::kAllFields) const override;
  // Count and sum of one field of interval readings per bucket: bucket i
  // takes the samples with edges[i] < timestamp <= edges[i+1] (a reading is
  // stamped at the end of its interval). `interval_s` is the interval every
  // sample has.
  using FieldBuckets = store::FieldBuckets;
  // Fills *out from the segments' block statistics and the head, decoding
  // nothing, and returns true; returns false (out unspecified) when some
  // block would have to be decoded: revised, a varying present mask or
  // interval, a block across an inner bucket edge, overlapping segments, a
  // flush in progress, instants. Implemented in stats_sum.cc.
  bool SumFromStats(SeriesKey key, std::span<const int64_t> edges, int field,
                    FieldBuckets* out) const override;

  // The newest sample of `key`, or nullopt when it has none; from memory,
  // never an error.
  Result<std::optional<HeadSample>> Latest(SeriesKey key) const override {
    return latest_.Get(key);
  }

  // Flushes the days the policy says are due (too much memory, or complete).
  Status FlushDue();
  // Flushes every day in the head and deletes the WAL files it covered.
  Status FlushAll();
  // Merges each partition's segments into one, folding revisions: per
  // timestamp the raw first revision and the latest are kept, the ones
  // between dropped. Days still in the head wait (more flushes would follow)
  // unless `include_head_days`. Implemented in compaction.cc; the flusher
  // runs it when idle. Errors: IOError, Corruption from a segment (the
  // partition is left as it was).
  Status Compact(bool include_head_days = false);

  // Stops the flusher, flushes everything and compacts. Appends after Close
  // fail.
  Status Close();

  // Writes a consistent copy of the engine's data into `dir` (an empty or
  // missing directory) while appends go on: flushes the head, then links or
  // copies every segment and copies the WAL written since. Implemented in
  // backup.cc. Errors: InvalidArgument (dir not empty), IOError.
  Result<BackupReport> Backup(const std::string& dir);

  // Deletes every partition (all kinds) older than the retention window,
  // in segments and in the head. Implemented in retention.cc. Returns how
  // many partitions went. Errors: IOError (what was deleted stays deleted).
  Result<size_t> DropExpired();
  // The first UTC day inside the retention window; INT32_MIN without one.
  int32_t RetentionCutoffDay() const override;

  // Every stored revision of the series of `kind` whose entity keys are in
  // `entity_keys`: for each key with samples, `visit` gets them ordered by
  // (timestamp, revision), one per (timestamp, revision), from the segments,
  // flushes in progress and the head. What compaction dropped (the
  // revisions between the raw one and the latest) is gone. A `visit`
  // error stops the scan and is returned; otherwise Corruption or IOError
  // from a segment. Reads every block of those series. Implemented in
  // revision_scan.cc, for `metrify migrate copy`.
  // REQUIRES: no Append, flush or compaction meanwhile (an engine opened
  // with background_flush off and not written to).
  using RevisionVisitor = std::function<Status(SeriesKey, std::span<const HeadSample>)>;
  Status ScanRevisions(model::SeriesKind kind, std::span<const uint32_t> entity_keys,
                       const RevisionVisitor& visit) const;
  // The UTC days that may hold samples of `kind`, ascending: its days in
  // segments, and every day in the head or being flushed (the head does not
  // keep days per kind, so these may hold other kinds only).
  std::vector<int32_t> Days(model::SeriesKind kind) const;

  EngineStats stats() const;
  const std::string& root() const { return root_; }

 private:
  // Partitions taken out of the head, on their way into segment files.
  struct Flushing {
    uint32_t seq = 0;                 // the segment number: the WAL roll
    uint64_t first_wal_sequence = 0;  // oldest WAL file holding its data
    size_t bytes = 0;
    std::map<std::pair<model::SeriesKind, int32_t>,
             std::unordered_map<uint32_t, std::vector<HeadSample>>>
        partitions;
  };

  ReadingsEngine(FileSystem& fs, std::string root, EngineOptions options);
  Status Replay(OpenReport* report);
  Status LoadLatest();
  // Applies samples already in the WAL to the head (live appends and replay).
  Result<AppendCounts> Apply(model::SeriesKind kind, std::span<const wal::WalSample> samples);
  // Records, for each day of `samples`, the oldest WAL file holding its
  // unflushed data (the WAL is kept back to it).
  void NoteWalDays(std::span<const wal::WalSample> samples, uint64_t sequence);
  Status FlushDays(const std::vector<int32_t>& days);
  Status WriteSegments(Flushing& flushing);
  Status RemoveCoveredWal();
  Status CompactLocked(bool include_head_days);
  Status CompactPartition(const SegmentCatalog::PartitionSegments& partition);
  std::vector<int32_t> DueDays() const;
  void FlusherLoop();
  size_t limit_bytes() const;

  FileSystem& fs_;
  const std::string root_;
  const EngineOptions options_;
  std::unique_ptr<SegmentCatalog> catalog_;
  std::unique_ptr<wal::WalWriter> wal_;
  Head head_;
  LatestIndex latest_;
  AppendGate gate_;

  // Guards the hand-over of data between head, flushing_ and catalog_ so a
  // reader sees each sample in exactly one of them.
  mutable std::shared_mutex view_mu_;
  std::vector<std::shared_ptr<Flushing>> flushing_;  // guarded by view_mu_

  // Oldest WAL file that may hold unflushed data of each head day.
  mutable std::mutex wal_days_mu_;
  std::map<int32_t, uint64_t> wal_first_sequence_;  // guarded by wal_days_mu_

  std::atomic<int64_t> newest_ms_{INT64_MIN};  // newest timestamp appended
  std::mutex flush_mu_;                        // one flush at a time
  std::atomic<size_t> flushing_bytes_{0};      // sum of flushing_[i]->bytes
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> flush_failures_{0};
  std::atomic<uint64_t> compactions_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<bool> closed_{false};

  std::mutex flusher_mu_;
  std::condition_variable flusher_wake_;
  bool stop_flusher_ = false;  // guarded by flusher_mu_
  std::thread flusher_;
};

}  // namespace metrify::engine
