#include "store/engine/head/head.h"

#include <algorithm>
#include <cstring>

namespace metrify::engine {

namespace {
constexpr int64_t kMillisPerDay = 86'400'000;

// Samples before `ts` (any revision) come first: the insertion point of ts.
auto LowerBound(std::vector<HeadSample>& samples, int64_t ts) {
  return std::lower_bound(samples.begin(), samples.end(), ts,
                          [](const HeadSample& s, int64_t t) { return s.timestamp_ms < t; });
}
}  // namespace

bool HeadSample::SameData(const HeadSample& other) const {
  if (interval_s != other.interval_s || present != other.present) return false;
  for (int i = 0; i < model::kMaxSeriesFields; ++i) {
    // Bitwise, so NaN equals the same NaN and -0.0 differs from 0.0: a
    // revision is recorded whenever the stored bytes would differ.
    if (((present >> i) & 1u) && std::memcmp(&values[i], &other.values[i], sizeof(double)) != 0) {
      return false;
    }
  }
  return true;
}

int32_t PartitionOf(int64_t timestamp_ms) {
  int64_t day = timestamp_ms / kMillisPerDay;
  if (timestamp_ms % kMillisPerDay < 0) --day;  // floor for instants before 1970
  return static_cast<int32_t>(day);
}

Head::Head() = default;

size_t Head::Hash(SeriesKey key) {
  return std::hash<uint64_t>()((static_cast<uint64_t>(key.kind) << 32) | key.entity_key);
}

size_t Head::PartitionKeyHash::operator()(const PartitionKey& k) const {
  return Hash(k.series) * 31 + std::hash<int32_t>()(k.day);
}

UpsertOutcome Head::Upsert(SeriesKey key, const HeadSample& sample, const HeadSample* flushed) {
  Shard& shard = ShardOf(key);
  std::unique_lock lock(shard.mu);
  std::vector<HeadSample>& samples =
      shard.days[PartitionKey{key, PartitionOf(sample.timestamp_ms)}].samples;
  // Meters report in time order, so the common case appends at the end.
  auto it = samples.empty() || samples.back().timestamp_ms < sample.timestamp_ms
                ? samples.end()
                : LowerBound(samples, sample.timestamp_ms);
  HeadSample stored = sample;
  stored.revision = 0;
  UpsertOutcome outcome = UpsertOutcome::kInserted;
  if (it != samples.end() && it->timestamp_ms == sample.timestamp_ms) {
    auto last = it;  // the latest revision of this timestamp
    while (last + 1 != samples.end() && (last + 1)->timestamp_ms == sample.timestamp_ms) ++last;
    if (last->SameData(sample)) return UpsertOutcome::kUnchanged;
    stored.revision = static_cast<uint16_t>(last->revision + 1);
    it = last + 1;
    outcome = UpsertOutcome::kRevised;
  } else if (flushed != nullptr) {
    if (flushed->SameData(sample)) return UpsertOutcome::kUnchanged;
    stored.revision = static_cast<uint16_t>(flushed->revision + 1);
    outcome = UpsertOutcome::kRevised;
  }
  size_t capacity_before = samples.capacity();
  samples.insert(it, stored);
  sample_count_.fetch_add(1, std::memory_order_relaxed);
  memory_bytes_.fetch_add((samples.capacity() - capacity_before) * sizeof(HeadSample),
                          std::memory_order_relaxed);
  return outcome;
}

template <typename Emit>
void Head::Scan(SeriesKey key, int64_t start_ms, int64_t end_ms, Emit emit) const {
  if (start_ms >= end_ms) return;
  const Shard& shard = ShardOf(key);
  std::shared_lock lock(shard.mu);
  for (int32_t day = PartitionOf(start_ms); day <= PartitionOf(end_ms - 1); ++day) {
    auto found = shard.days.find(PartitionKey{key, day});
    if (found == shard.days.end()) continue;
    const std::vector<HeadSample>& samples = found->second.samples;
    auto it = std::lower_bound(samples.begin(), samples.end(), start_ms,
                               [](const HeadSample& s, int64_t t) { return s.timestamp_ms < t; });
    for (; it != samples.end() && it->timestamp_ms < end_ms; ++it) {
      bool latest = it + 1 == samples.end() || (it + 1)->timestamp_ms != it->timestamp_ms;
      emit(*it, latest);
    }
  }
}

void Head::ScanLatest(SeriesKey key, int64_t start_ms, int64_t end_ms,
                      std::vector<HeadSample>* out) const {
  Scan(key, start_ms, end_ms, [out](const HeadSample& s, bool latest) {
    if (latest) out->push_back(s);
  });
}

void Head::ScanRevisions(SeriesKey key, int64_t start_ms, int64_t end_ms,
                         std::vector<HeadSample>* out) const {
  Scan(key, start_ms, end_ms, [out](const HeadSample& s, bool) { out->push_back(s); });
}

void Head::DrainPartition(int32_t day,
                          const std::function<void(SeriesKey, std::vector<HeadSample>&)>& visit) {
  for (Shard& shard : shards_) {
    std::vector<std::pair<SeriesKey, std::vector<HeadSample>>> taken;
    {
      std::unique_lock lock(shard.mu);
      for (auto it = shard.days.begin(); it != shard.days.end();) {
        if (it->first.day != day) {
          ++it;
          continue;
        }
        taken.emplace_back(it->first.series, std::move(it->second.samples));
        it = shard.days.erase(it);
      }
    }
    // Visit outside the lock so appenders of this shard are not held up by
    // the segment writer.
    for (auto& [series, samples] : taken) {
      // Counted before the visit, which may move the samples away.
      sample_count_.fetch_sub(samples.size(), std::memory_order_relaxed);
      memory_bytes_.fetch_sub(samples.capacity() * sizeof(HeadSample), std::memory_order_relaxed);
      visit(series, samples);
    }
  }
}

std::vector<int32_t> Head::Partitions() const {
  std::vector<int32_t> days;
  for (const Shard& shard : shards_) {
    std::shared_lock lock(shard.mu);
    for (const auto& [key, unused] : shard.days) days.push_back(key.day);
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

}  // namespace metrify::engine
