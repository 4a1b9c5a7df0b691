#include "store/engine/readings_engine.h"

#include <algorithm>
#include <chrono>

#include "obs/log.h"
#include "store/engine/segment/segment_files.h"
#include "store/engine/wal/wal_format.h"

namespace metrify::engine {

namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HeadSample ToHead(const wal::WalSample& s) {
  HeadSample h;
  h.timestamp_ms = s.timestamp_ms;
  h.interval_s = s.interval_s;
  h.present = s.present;
  h.values = s.values;
  return h;
}

// Samples are checked before anything is written, so a bad batch leaves no
// trace in the WAL.
Status CheckSamples(model::SeriesKind kind, std::span<const wal::WalSample> samples) {
  const size_t fields = model::SeriesFields(kind).size();
  const uint32_t allowed = (1u << fields) - 1;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].present == 0 || (samples[i].present & ~allowed) != 0) {
      return Status::InvalidArgument("sample " + std::to_string(i) + " has no field or one that " +
                                     std::string(model::SeriesKindName(kind)) + " lacks");
    }
  }
  return Status::Ok();
}

}  // namespace

ReadingsEngine::ReadingsEngine(FileSystem& fs, std::string root, EngineOptions options)
    : fs_(fs), root_(std::move(root)), options_(std::move(options)) {}

Result<std::unique_ptr<ReadingsEngine>> ReadingsEngine::Open(FileSystem& fs, std::string root,
                                                             EngineOptions options,
                                                             OpenReport* report) {
  OpenReport local;
  if (report == nullptr) report = &local;
  METRIFY_RETURN_IF_ERROR(fs.CreateDirs(root));
  std::unique_ptr<ReadingsEngine> engine(new ReadingsEngine(fs, root, std::move(options)));
  METRIFY_ASSIGN_OR_RETURN(engine->catalog_, SegmentCatalog::Load(&fs, root));
  report->segments = engine->catalog_->segment_count();
  METRIFY_RETURN_IF_ERROR(engine->LoadLatest());
  METRIFY_RETURN_IF_ERROR(engine->Replay(report));
  METRIFY_ASSIGN_OR_RETURN(engine->wal_,
                           wal::WalWriter::Open(fs, JoinPath(root, "wal"), engine->options_.wal));
  if (engine->options_.background_flush) {
    engine->flusher_ = std::thread([e = engine.get()] { e->FlusherLoop(); });
  }
  return engine;
}

ReadingsEngine::~ReadingsEngine() {
  {
    std::lock_guard lock(flusher_mu_);
    stop_flusher_ = true;
  }
  flusher_wake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
}

Status ReadingsEngine::LoadLatest() {
  for (model::SeriesKind kind : model::kAllSeriesKinds) {
    METRIFY_RETURN_IF_ERROR(catalog_->ForEachNewest(
        kind, [this](SeriesKey key, const HeadSample& s) { latest_.Offer(key, s); }));
  }
  return Status::Ok();
}

namespace {

void NoteReplayedReadings(std::span<const wal::WalSample> samples, OpenReport* report) {
  for (const wal::WalSample& s : samples) {
    auto [it, added] = report->replayed_readings.try_emplace(
        s.entity_key, std::pair<int64_t, int64_t>{s.timestamp_ms, s.timestamp_ms});
    if (added) continue;
    it->second.first = std::min(it->second.first, s.timestamp_ms);
    it->second.second = std::max(it->second.second, s.timestamp_ms);
  }
}

}  // namespace

Status ReadingsEngine::Replay(OpenReport* report) {
  model::SeriesKind kind{};
  std::vector<wal::WalSample> samples, fresh;
  auto apply = [&](uint64_t file_sequence, uint64_t, uint8_t type,
                   std::string_view payload) -> Status {
    if (type != wal::kSampleBatch) return Status::Ok();
    METRIFY_RETURN_IF_ERROR(wal::DecodeSampleBatch(payload, &kind, &samples));
    // A partition's segments hold its records from WAL files below its
    // watermark: replaying those again would count retries as revisions.
    // Samples beyond retention were (or will be) dropped: not replayed.
    fresh.clear();
    const int32_t cutoff = RetentionCutoffDay();
    for (const wal::WalSample& s : samples) {
      const int32_t day = PartitionOf(s.timestamp_ms);
      if (day >= cutoff && file_sequence >= catalog_->Watermark(kind, day)) fresh.push_back(s);
    }
    report->samples_skipped += samples.size() - fresh.size();
    report->samples_replayed += fresh.size();
    if (kind == model::SeriesKind::kReading) NoteReplayedReadings(fresh, report);
    NoteWalDays(fresh, file_sequence);
    return Apply(kind, fresh).status();
  };
  return wal::ReplayWal(fs_, JoinPath(root_, "wal"), apply, &report->replay);
}

Result<AppendCounts> ReadingsEngine::Append(model::SeriesKind kind,
                                            std::span<const wal::WalSample> samples) {
  if (closed_.load()) return Status::Unavailable("the readings engine is closed");
  METRIFY_RETURN_IF_ERROR(CheckSamples(kind, samples));
  if (samples.empty()) return AppendCounts{};
  const size_t held = head_.memory_bytes() + flushing_bytes_.load(std::memory_order_relaxed);
  if (held >= limit_bytes()) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    flusher_wake_.notify_all();
    return Status::ResourceExhausted("ingest is ahead of the disk: " + std::to_string(held >> 20) +
                                     " MiB of samples wait to be flushed (limit " +
                                     std::to_string(limit_bytes() >> 20) + " MiB); retry shortly");
  }
  thread_local std::string payload;
  payload.clear();
  wal::EncodeSampleBatch(kind, samples, &payload);

  Result<AppendCounts> counts = AppendCounts{};
  {
    AppendGate::Pass pass(gate_);
    NoteWalDays(samples, wal_->current_sequence());
    METRIFY_RETURN_IF_ERROR(wal_->Append(payload, wal::kSampleBatch));
    counts = Apply(kind, samples);
  }
  // Memory pressure cannot wait; days that became complete are found by
  // the flusher's next round (every second), not by scanning the head here.
  if (head_.memory_bytes() > options_.head_budget_bytes) flusher_wake_.notify_all();
  return counts;
}

void ReadingsEngine::NoteWalDays(std::span<const wal::WalSample> samples, uint64_t sequence) {
  std::lock_guard lock(wal_days_mu_);
  int32_t last_day = INT32_MIN;
  for (const wal::WalSample& s : samples) {
    const int32_t day = PartitionOf(s.timestamp_ms);
    if (day == last_day) continue;  // batches come in runs of one day
    wal_first_sequence_.try_emplace(day, sequence);
    last_day = day;
  }
}

Result<AppendCounts> ReadingsEngine::Apply(model::SeriesKind kind,
                                           std::span<const wal::WalSample> samples) {
  AppendCounts counts;
  const int64_t newest_allowed = NowMs() + kMillisPerDay;
  int64_t newest = INT64_MIN;
  // Held for the whole batch: a drain waits for appenders at the gate
  // anyway, and one lock per batch beats one per sample.
  std::shared_lock view(view_mu_);
  int32_t watermark_day = INT32_MIN;
  uint32_t watermark = 0;
  for (const wal::WalSample& s : samples) {
    const SeriesKey key{kind, s.entity_key};
    const HeadSample sample = ToHead(s);
    const int32_t day = PartitionOf(s.timestamp_ms);
    if (day != watermark_day) {
      watermark = catalog_->Watermark(kind, day);
      watermark_day = day;
    }
    std::optional<HeadSample> flushed;
    {
      // A day that was flushed before: compare with what its segments (or
      // the flush in progress) hold, so retries stay no-ops.
      for (const auto& f : flushing_) {
        auto partition = f->partitions.find({kind, day});
        if (partition == f->partitions.end()) continue;
        auto series = partition->second.find(s.entity_key);
        if (series == partition->second.end()) continue;
        for (const HeadSample& held : series->second) {
          if (held.timestamp_ms == s.timestamp_ms) flushed = held;  // last = latest revision
        }
      }
      if (!flushed && watermark != 0) {
        METRIFY_ASSIGN_OR_RETURN(flushed, catalog_->FlushedRevision(key, s.timestamp_ms));
      }
    }
    switch (head_.Upsert(key, sample, flushed ? &*flushed : nullptr)) {
      case UpsertOutcome::kInserted:
        ++counts.inserted;
        break;
      case UpsertOutcome::kUnchanged:
        ++counts.unchanged;
        continue;
      case UpsertOutcome::kRevised:
        ++counts.revised;
        break;
    }
    latest_.Offer(key, sample);
    if (s.timestamp_ms <= newest_allowed) newest = std::max(newest, s.timestamp_ms);
  }
  int64_t seen = newest_ms_.load(std::memory_order_relaxed);
  while (newest > seen && !newest_ms_.compare_exchange_weak(seen, newest)) {
  }
  return counts;
}

Status ReadingsEngine::ReadLatest(SeriesKey key, int64_t start_ms, int64_t end_ms,
                                  std::vector<HeadSample>* out, uint16_t fields) const {
  std::vector<HeadSample> merged;
  {
    std::shared_lock view(view_mu_);
    METRIFY_RETURN_IF_ERROR(catalog_->ReadLatest(key, start_ms, end_ms, &merged, fields));
    const bool had_segments = !merged.empty();
    size_t sources = had_segments ? 1 : 0;
    for (const auto& f : flushing_) {
      for (auto& [id, series] : f->partitions) {
        if (id.first != key.kind) continue;
        auto found = series.find(key.entity_key);
        if (found == series.end()) continue;
        for (const HeadSample& s : found->second) {
          if (s.timestamp_ms >= start_ms && s.timestamp_ms < end_ms) merged.push_back(s);
        }
        ++sources;
      }
    }
    const size_t before_head = merged.size();
    head_.ScanLatest(key, start_ms, end_ms, &merged);
    if (merged.size() > before_head) ++sources;
    // Flushing partitions hold every revision; the head and the catalog only
    // the latest. One source alone is already ordered and deduplicated.
    // The sources usually hold disjoint, ascending days (segments before the
    // head): then the concatenation is already in order, one per timestamp.
    const bool ordered = std::adjacent_find(merged.begin(), merged.end(),
                                            [](const HeadSample& a, const HeadSample& b) {
                                              return a.timestamp_ms >= b.timestamp_ms;
                                            }) == merged.end();
    if ((sources > 1 || !flushing_.empty()) && !ordered) KeepLatestRevisions(&merged);
  }
  for (HeadSample& s : merged) s.present &= fields;
  out->insert(out->end(), merged.begin(), merged.end());
  return Status::Ok();
}

std::vector<int32_t> ReadingsEngine::DueDays() const {
  std::vector<int32_t> days = head_.Partitions();
  std::vector<int32_t> due;
  const int64_t newest = newest_ms_.load(std::memory_order_relaxed);
  for (int32_t day : days) {
    if (newest >= (int64_t{day} + 1) * kMillisPerDay + options_.flush_grace_ms) due.push_back(day);
  }
  // Over budget: the oldest day goes even if it is not complete; the
  // flusher comes back for the next one while memory stays high.
  if (due.empty() && !days.empty() && head_.memory_bytes() > options_.head_budget_bytes) {
    due.push_back(days.front());
  }
  return due;
}

Status ReadingsEngine::FlushDue() {
  std::vector<int32_t> due = DueDays();
  if (due.empty()) return Status::Ok();
  return FlushDays(due);
}

Status ReadingsEngine::FlushAll() { return FlushDays(head_.Partitions()); }

Status ReadingsEngine::FlushDays(const std::vector<int32_t>& days) {
  std::lock_guard flush_lock(flush_mu_);
  // Retry partitions an earlier flush could not write.
  std::vector<std::shared_ptr<Flushing>> pending;
  {
    std::shared_lock view(view_mu_);
    pending = flushing_;
  }
  for (const auto& f : pending) METRIFY_RETURN_IF_ERROR(WriteSegments(*f));

  auto flushing = std::make_shared<Flushing>();
  {
    // No append is in flight here, so every WAL record below the new file
    // number is in the head we drain (or in segments already).
    AppendGate::Closed closed(gate_);
    METRIFY_ASSIGN_OR_RETURN(uint64_t roll, wal_->Roll());
    flushing->seq = static_cast<uint32_t>(roll);
    flushing->first_wal_sequence = roll;
    std::unique_lock view(view_mu_);
    for (int32_t day : days) {
      head_.DrainPartition(day, [&](SeriesKey key, std::vector<HeadSample>& samples) {
        const size_t bytes = samples.capacity() * sizeof(HeadSample);
        flushing->bytes += bytes;
        flushing_bytes_.fetch_add(bytes, std::memory_order_relaxed);
        flushing->partitions[{key.kind, day}][key.entity_key] = std::move(samples);
      });
    }
    {
      // Days no longer in the head need no WAL any more, once flushed.
      std::lock_guard lock(wal_days_mu_);
      const std::vector<int32_t> held = head_.Partitions();
      for (auto it = wal_first_sequence_.begin(); it != wal_first_sequence_.end();) {
        if (std::binary_search(held.begin(), held.end(), it->first)) {
          ++it;
          continue;
        }
        flushing->first_wal_sequence = std::min(flushing->first_wal_sequence, it->second);
        it = wal_first_sequence_.erase(it);
      }
    }
    if (!flushing->partitions.empty()) flushing_.push_back(flushing);
  }
  METRIFY_RETURN_IF_ERROR(WriteSegments(*flushing));
  return RemoveCoveredWal();
}

Status ReadingsEngine::WriteSegments(Flushing& flushing) {
  // Each partition is published (moved from flushing_ to the catalog) on its
  // own, so a failure leaves only the unwritten ones pending.
  std::vector<std::pair<model::SeriesKind, int32_t>> ids;
  {
    std::shared_lock view(view_mu_);
    for (const auto& [id, series] : flushing.partitions) ids.push_back(id);
  }
  for (const auto& [kind, day] : ids) {
    const std::unordered_map<uint32_t, std::vector<HeadSample>>* series;
    {
      std::shared_lock view(view_mu_);
      series = &flushing.partitions.at({kind, day});
    }
    const std::string dir = segment::PartitionDir(root_, kind, day);
    const std::string path = JoinPath(dir, segment::SegmentFileName(flushing.seq));
    Status written = [&]() -> Status {
      METRIFY_RETURN_IF_ERROR(fs_.CreateDirs(dir));
      METRIFY_RETURN_IF_ERROR(fs_.SyncDir(DirName(dir)));
      METRIFY_RETURN_IF_ERROR(fs_.SyncDir(root_));
      METRIFY_ASSIGN_OR_RETURN(
          auto writer, segment::SegmentWriter::Create(&fs_, path, kind, day, options_.segment));
      // The writer takes series in ascending entity key order (its index
      // order); the map is in hash order.
      std::vector<uint32_t> entities;
      entities.reserve(series->size());
      for (const auto& [entity, samples] : *series) entities.push_back(entity);
      std::sort(entities.begin(), entities.end());
      for (uint32_t entity : entities) {
        METRIFY_RETURN_IF_ERROR(writer->Add(SeriesKey{kind, entity}, series->at(entity)));
      }
      return writer->Finish().status();
    }();
    Result<std::unique_ptr<segment::SegmentReader>> reader =
        written.ok() ? segment::SegmentReader::Open(&fs_, path)
                     : Result<std::unique_ptr<segment::SegmentReader>>(written);
    if (!reader) {
      flush_failures_.fetch_add(1, std::memory_order_relaxed);
      obs::LogError("segment flush failed; the data stays in memory and the WAL, retried later",
                    {{"segment", path}, {"error", reader.error().message()}});
      return reader.error();
    }
    std::unique_lock view(view_mu_);
    catalog_->Add(flushing.seq,
                  std::shared_ptr<const segment::SegmentReader>(std::move(reader).value()));
    size_t bytes = 0;
    for (const auto& [entity, samples] : *series) bytes += samples.capacity() * sizeof(HeadSample);
    flushing.bytes -= bytes;
    flushing_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    flushing.partitions.erase({kind, day});
    flushes_.fetch_add(1, std::memory_order_relaxed);
    if (flushing.partitions.empty()) {
      std::erase_if(flushing_, [&](const auto& f) { return f.get() == &flushing; });
    }
  }
  return Status::Ok();
}

Status ReadingsEngine::RemoveCoveredWal() {
  uint64_t keep = wal_->current_sequence();
  {
    std::lock_guard lock(wal_days_mu_);
    for (const auto& [day, sequence] : wal_first_sequence_) keep = std::min(keep, sequence);
  }
  {
    std::shared_lock view(view_mu_);
    for (const auto& f : flushing_) keep = std::min(keep, f->first_wal_sequence);
  }
  return wal_->RemoveFilesBefore(keep);
}

Status ReadingsEngine::Close() {
  if (closed_.exchange(true)) return Status::Ok();
  {
    std::lock_guard lock(flusher_mu_);
    stop_flusher_ = true;
  }
  flusher_wake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  METRIFY_RETURN_IF_ERROR(FlushAll());
  return Compact(/*include_head_days=*/true);
}

void ReadingsEngine::FlusherLoop() {
  std::unique_lock lock(flusher_mu_);
  while (!stop_flusher_) {
    flusher_wake_.wait_for(lock, std::chrono::seconds(1));
    if (stop_flusher_) break;
    lock.unlock();
    Status s = FlushDue();
    if (s.ok()) s = Compact();
    if (s.ok()) s = DropExpired().status();
    if (!s.ok()) {
      obs::LogError("flush or compaction failed", {{"error", s.message()}});
      std::this_thread::sleep_for(std::chrono::seconds(1));  // do not spin on a full disk
    }
    lock.lock();
  }
}

size_t ReadingsEngine::limit_bytes() const {
  return options_.head_limit_bytes != 0 ? options_.head_limit_bytes
                                        : 2 * options_.head_budget_bytes;
}

EngineStats ReadingsEngine::stats() const {
  EngineStats s;
  s.head_bytes = head_.memory_bytes();
  s.head_samples = head_.sample_count();
  s.flushing_bytes = flushing_bytes_.load(std::memory_order_relaxed);
  s.segments = catalog_->segment_count();
  s.segment_bytes = catalog_->file_bytes();
  s.flushes = flushes_.load(std::memory_order_relaxed);
  s.flush_failures = flush_failures_.load(std::memory_order_relaxed);
  s.compactions = compactions_.load(std::memory_order_relaxed);
  s.refused_appends = refused_.load(std::memory_order_relaxed);
  if (wal_) s.wal = wal_->counters();
  return s;
}

}  // namespace metrify::engine
