#include "store/engine/segment_catalog.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "store/engine/segment/segment_files.h"

namespace metrify::engine {

namespace {

constexpr auto& kKinds = model::kAllSeriesKinds;

// Days since 1970-01-01 of a "yyyy-mm-dd" directory name, or nullopt.
std::optional<int32_t> DayOfDirName(const std::string& name) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (name.size() != 10 || std::sscanf(name.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<int32_t>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

}  // namespace

void KeepLatestRevisions(std::vector<HeadSample>* samples) {
  std::stable_sort(samples->begin(), samples->end(), [](const HeadSample& a, const HeadSample& b) {
    return a.timestamp_ms != b.timestamp_ms ? a.timestamp_ms < b.timestamp_ms
                                            : a.revision < b.revision;
  });
  // Of each run of one timestamp keep the last element: the highest revision.
  size_t kept = 0;
  for (size_t i = 0; i < samples->size(); ++i) {
    const bool last_of_run =
        i + 1 == samples->size() || (*samples)[i + 1].timestamp_ms != (*samples)[i].timestamp_ms;
    if (last_of_run) (*samples)[kept++] = (*samples)[i];
  }
  samples->resize(kept);
}

Result<std::unique_ptr<SegmentCatalog>> SegmentCatalog::Load(FileSystem* fs, std::string root) {
  std::unique_ptr<SegmentCatalog> catalog(new SegmentCatalog(fs, std::move(root)));
  for (model::SeriesKind kind : kKinds) METRIFY_RETURN_IF_ERROR(catalog->LoadKind(kind));
  return catalog;
}

Status SegmentCatalog::LoadKind(model::SeriesKind kind) {
  const std::string kind_dir = JoinPath(root_, model::SeriesKindName(kind));
  Result<std::vector<std::string>> names = fs_->ListDir(kind_dir);
  if (!names && names.error().code() == StatusCode::kNotFound) return Status::Ok();
  if (!names) return names.error();
  for (const std::string& name : *names) {
    std::optional<int32_t> day = DayOfDirName(name);
    if (!day) continue;
    const std::string dir = JoinPath(kind_dir, name);
    METRIFY_RETURN_IF_ERROR(segment::RemoveLeftoverTemps(fs_, dir).status());
    METRIFY_ASSIGN_OR_RETURN(std::vector<uint32_t> seqs, segment::ListSegments(fs_, dir));
    for (uint32_t seq : seqs) {
      METRIFY_ASSIGN_OR_RETURN(
          std::unique_ptr<segment::SegmentReader> reader,
          segment::SegmentReader::Open(fs_, JoinPath(dir, segment::SegmentFileName(seq))));
      if (reader->kind() != kind || reader->day() != *day) {
        return Status::Corruption(reader->path() + ": holds " +
                                  std::string(model::SeriesKindName(reader->kind())) + " day " +
                                  std::to_string(reader->day()) + ", not its directory's");
      }
      partitions_[{kind, *day}].segments.emplace_back(seq, std::move(reader));
    }
  }
  return Status::Ok();
}

uint32_t SegmentCatalog::Watermark(model::SeriesKind kind, int32_t day) const {
  std::shared_lock lock(mu_);
  auto found = partitions_.find({kind, day});
  if (found == partitions_.end() || found->second.segments.empty()) return 0;
  return found->second.segments.back().first;
}

void SegmentCatalog::Add(uint32_t seq, std::shared_ptr<const segment::SegmentReader> reader) {
  std::unique_lock lock(mu_);
  auto& segments = partitions_[{reader->kind(), reader->day()}].segments;
  segments.emplace_back(seq, std::move(reader));
  std::sort(segments.begin(), segments.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

SegmentCatalog::Readers SegmentCatalog::ReadersFor(model::SeriesKind kind, int64_t start_ms,
                                                   int64_t end_ms) const {
  Readers readers;
  if (start_ms >= end_ms) return readers;
  std::shared_lock lock(mu_);
  auto it = partitions_.lower_bound({kind, PartitionOf(start_ms)});
  const PartitionId last{kind, PartitionOf(end_ms - 1)};
  for (; it != partitions_.end() && it->first <= last; ++it) {
    for (const auto& [seq, reader] : it->second.segments) readers.push_back(reader);
  }
  return readers;
}

Result<std::optional<HeadSample>> SegmentCatalog::FlushedRevision(SeriesKey key,
                                                                  int64_t timestamp_ms) const {
  std::optional<HeadSample> best;
  std::vector<HeadSample> found;
  for (const auto& reader : ReadersFor(key.kind, timestamp_ms, timestamp_ms + 1)) {
    // Most late samples are for series or times a segment does not hold:
    // the in-memory index answers those without reading a block.
    const segment::SeriesEntry* entry = reader->Find(key.entity_key);
    if (entry == nullptr || timestamp_ms < entry->min_ts || timestamp_ms > entry->max_ts) continue;
    found.clear();
    METRIFY_RETURN_IF_ERROR(
        reader->ReadLatest(key.entity_key, timestamp_ms, timestamp_ms + 1, &found));
    if (!found.empty() && (!best || found.back().revision >= best->revision)) best = found.back();
  }
  return best;
}

Status SegmentCatalog::ReadLatest(SeriesKey key, int64_t start_ms, int64_t end_ms,
                                  std::vector<HeadSample>* out, uint16_t fields) const {
  std::vector<HeadSample> read;
  size_t sources = 0;
  for (const auto& reader : ReadersFor(key.kind, start_ms, end_ms)) {
    const segment::SeriesEntry* entry = reader->Find(key.entity_key);
    if (entry == nullptr || entry->max_ts < start_ms || entry->min_ts >= end_ms) continue;
    METRIFY_RETURN_IF_ERROR(reader->ReadLatest(key.entity_key, start_ms, end_ms, &read, fields));
    ++sources;
  }
  // One segment per day (the common case after compaction) is already in
  // order and has one revision per timestamp.
  if (sources > 1) KeepLatestRevisions(&read);
  out->insert(out->end(), read.begin(), read.end());
  return Status::Ok();
}

Status SegmentCatalog::ForEachNewest(
    model::SeriesKind kind, const std::function<void(SeriesKey, const HeadSample&)>& visit) const {
  // Newest partition first; a series is visited from the newest partition
  // that holds it.
  std::vector<std::pair<int32_t, Readers>> days;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, partition] : partitions_) {
      if (id.first != kind) continue;
      Readers readers;
      for (const auto& [seq, reader] : partition.segments) readers.push_back(reader);
      days.emplace_back(id.second, std::move(readers));
    }
  }
  std::unordered_map<uint32_t, bool> seen;
  std::vector<HeadSample> samples;
  for (auto day = days.rbegin(); day != days.rend(); ++day) {
    std::unordered_map<uint32_t, int64_t> newest;  // entity -> max_ts in this day
    for (const auto& reader : day->second) {
      for (const segment::SeriesEntry& entry : reader->series()) {
        if (seen.count(entry.key.entity_key)) continue;
        int64_t& ts = newest.try_emplace(entry.key.entity_key, entry.max_ts).first->second;
        ts = std::max(ts, entry.max_ts);
      }
    }
    for (const auto& [entity, ts] : newest) {
      samples.clear();
      const SeriesKey key{kind, entity};
      METRIFY_RETURN_IF_ERROR(ReadLatest(key, ts, ts + 1, &samples));
      if (!samples.empty()) visit(key, samples.back());
      seen[entity] = true;
    }
  }
  return Status::Ok();
}

std::vector<SegmentCatalog::PartitionSegments> SegmentCatalog::PartitionsWith(
    size_t min_segments) const {
  std::shared_lock lock(mu_);
  std::vector<PartitionSegments> out;
  for (const auto& [id, partition] : partitions_) {
    if (partition.segments.size() >= min_segments) {
      out.push_back({id.first, id.second, partition.segments});
    }
  }
  return out;
}

void SegmentCatalog::Replace(uint32_t seq, std::shared_ptr<const segment::SegmentReader> reader) {
  std::unique_lock lock(mu_);
  Partition& partition = partitions_[{reader->kind(), reader->day()}];
  partition.segments.clear();
  partition.segments.emplace_back(seq, std::move(reader));
}

SegmentCatalog::Segments SegmentCatalog::Remove(model::SeriesKind kind, int32_t day) {
  std::unique_lock lock(mu_);
  auto found = partitions_.find({kind, day});
  if (found == partitions_.end()) return {};
  Segments segments = std::move(found->second.segments);
  partitions_.erase(found);
  return segments;
}

std::vector<int32_t> SegmentCatalog::Days(model::SeriesKind kind) const {
  std::shared_lock lock(mu_);
  std::vector<int32_t> days;
  for (const auto& [id, partition] : partitions_) {
    if (id.first == kind) days.push_back(id.second);
  }
  return days;
}

size_t SegmentCatalog::segment_count() const {
  std::shared_lock lock(mu_);
  size_t n = 0;
  for (const auto& [id, partition] : partitions_) n += partition.segments.size();
  return n;
}

uint64_t SegmentCatalog::file_bytes() const {
  std::shared_lock lock(mu_);
  uint64_t n = 0;
  for (const auto& [id, partition] : partitions_) {
    for (const auto& [seq, reader] : partition.segments) n += reader->file_bytes();
  }
  return n;
}

}  // namespace metrify::engine
