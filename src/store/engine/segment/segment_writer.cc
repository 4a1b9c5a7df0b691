// Writes docs/format/segment.md. The index stores no block offsets: a
// reader derives them by adding up lengths in index order, so blocks must
// reach the file in exactly that order (series by ascending entity key, then
// group, then column id). Add enforces the series order instead of sorting
// at Finish, so blocks still stream to the file and the writer never holds
// more than one series' blocks plus the index.
#include "store/engine/segment/segment_writer.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "common/crc32c.h"
#include "store/engine/codec/fixed_width.h"
#include "store/engine/segment/format.h"

namespace metrify::engine::segment {

namespace {

constexpr size_t kFlushBytes = 1 << 20;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool Before(const HeadSample& a, const HeadSample& b) {
  return a.timestamp_ms < b.timestamp_ms ||
         (a.timestamp_ms == b.timestamp_ms && a.revision < b.revision);
}

// Rows in `rows` that share a timestamp with their predecessor.
bool HasRevisions(std::span<const HeadSample> rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].revision != 0) return true;
    if (i > 0 && rows[i].timestamp_ms == rows[i - 1].timestamp_ms) return true;
  }
  return false;
}

// The length of the next group: as many whole timestamps as fit `max_rows`
// (at least one timestamp; 65,536 revisions of one timestamp always fit).
size_t NextGroupSize(std::span<const HeadSample> rows, size_t max_rows) {
  if (rows.size() <= max_rows) return rows.size();
  size_t end = max_rows;
  while (end > 0 && rows[end].timestamp_ms == rows[end - 1].timestamp_ms) --end;
  if (end > 0) return end;
  while (end < rows.size() && rows[end].timestamp_ms == rows[0].timestamp_ms) ++end;
  return end;
}

}  // namespace

SegmentWriter::SegmentWriter(FileSystem* fs, std::string path, model::SeriesKind kind, int32_t day,
                             const SegmentWriterOptions& options)
    : fs_(fs),
      path_(std::move(path)),
      tmp_path_(path_ + ".tmp"),
      kind_(kind),
      day_(day),
      options_(options) {}

SegmentWriter::~SegmentWriter() {
  if (finished_) return;
  if (file_) (void)file_->Close();
  (void)fs_->Remove(tmp_path_);  // best effort; start-up removes leftovers too
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(FileSystem* fs, std::string path,
                                                             model::SeriesKind kind, int32_t day,
                                                             const SegmentWriterOptions& options) {
  if (options.max_rows_per_group == 0 || options.max_rows_per_group > codec::kMaxBlockValues) {
    return Status::InvalidArgument("max_rows_per_group must be in 1..65536");
  }
  std::unique_ptr<SegmentWriter> w(new SegmentWriter(fs, std::move(path), kind, day, options));
  Status removed = fs->Remove(w->tmp_path_);  // OpenForAppend keeps old contents
  if (!removed.ok() && removed.code() != StatusCode::kNotFound) return removed;
  METRIFY_ASSIGN_OR_RETURN(w->file_, fs->OpenForAppend(w->tmp_path_));
  w->header_.append(kMagic);
  codec::PutFixed32(&w->header_, kFormatVersion);
  w->header_.push_back(static_cast<char>(kind));
  codec::PutFixed32(&w->header_, static_cast<uint32_t>(day));
  w->buffer_ = w->header_;
  return w;
}

Status SegmentWriter::Validate(SeriesKey key, std::span<const HeadSample> samples) const {
  if (key.kind != kind_) return Status::InvalidArgument("series kind differs from the segment's");
  if (!index_.empty() && key.entity_key <= index_.back().key.entity_key) {
    return Status::InvalidArgument(
        fmt::format("series {} added after series {}: series must come in ascending entity key "
                    "order, the order of the segment's index",
                    key.entity_key, index_.back().key.entity_key));
  }
  const uint32_t fields = static_cast<uint32_t>(model::SeriesFields(kind_).size());
  const uint32_t allowed = (1u << fields) - 1;
  for (size_t i = 0; i < samples.size(); ++i) {
    const HeadSample& s = samples[i];
    if (PartitionOf(s.timestamp_ms) != day_) {
      return Status::InvalidArgument(
          fmt::format("sample at {} ms lies outside partition day {}", s.timestamp_ms, day_));
    }
    if (i > 0 && !Before(samples[i - 1], s)) {
      return Status::InvalidArgument("samples not strictly ascending by (timestamp, revision)");
    }
    if (s.present & ~allowed) return Status::InvalidArgument("present bit of an unknown field");
  }
  return Status::Ok();
}

Status SegmentWriter::Add(SeriesKey key, std::span<const HeadSample> samples) {
  if (failed_ || finished_) return Status::IOError("segment writer " + tmp_path_ + " is unusable");
  if (samples.empty()) return Status::Ok();
  METRIFY_RETURN_IF_ERROR(Validate(key, samples));
  SeriesEntry entry{
      key, samples.size(), samples.front().timestamp_ms, samples.back().timestamp_ms, {}};
  for (size_t begin = 0; begin < samples.size();) {
    const size_t n = NextGroupSize(samples.subspan(begin), options_.max_rows_per_group);
    BlockGroup group;
    METRIFY_RETURN_IF_ERROR(AppendGroup(samples.subspan(begin, n), &group));
    entry.groups.push_back(std::move(group));
    begin += n;
  }
  index_.push_back(std::move(entry));
  if (buffer_.size() >= kFlushBytes) return FlushBuffer();
  return Status::Ok();
}

// Encodes one group's columns, in ascending column id order: fields, then
// timestamps, revision count, revision, interval and present mask.
Status SegmentWriter::AppendGroup(std::span<const HeadSample> rows, BlockGroup* group) {
  group->rows = static_cast<uint32_t>(rows.size());
  group->min_ts = rows.front().timestamp_ms;
  group->max_ts = rows.back().timestamp_ms;
  uint16_t any_present = 0;
  bool same_interval = true, same_present = true;
  for (const HeadSample& s : rows) {
    any_present |= s.present;
    same_interval &= s.interval_s == rows[0].interval_s;
    same_present &= s.present == rows[0].present;
  }
  std::vector<double> column(rows.size());
  for (uint8_t f = 0; f < model::kMaxSeriesFields; ++f) {
    if (!((any_present >> f) & 1u)) continue;
    for (size_t i = 0; i < rows.size(); ++i) {
      column[i] = ((rows[i].present >> f) & 1u) ? rows[i].values[f] : kNaN;
    }
    METRIFY_RETURN_IF_ERROR(AppendColumn(f, column, group));
  }
  METRIFY_RETURN_IF_ERROR(AppendTimestamps(rows, group));
  auto append_ints = [&](uint8_t id, auto field) {
    for (size_t i = 0; i < rows.size(); ++i) column[i] = static_cast<double>(field(rows[i]));
    return AppendColumn(id, column, group);
  };
  if (HasRevisions(rows)) {
    group->flags |= kBlockRevised;
    METRIFY_RETURN_IF_ERROR(append_ints(kColumnRevision, [](auto& s) { return s.revision; }));
  }
  if (same_interval) {
    group->flags |= kBlockConstInterval;
    group->interval_s = rows[0].interval_s;
  } else {
    METRIFY_RETURN_IF_ERROR(append_ints(kColumnInterval, [](auto& s) { return s.interval_s; }));
  }
  if (same_present) {
    group->flags |= kBlockConstPresent;
    group->present = rows[0].present;
  } else {
    METRIFY_RETURN_IF_ERROR(append_ints(kColumnPresent, [](auto& s) { return s.present; }));
  }
  return Status::Ok();
}

// The timestamp block holds each distinct timestamp once (the codec wants
// them strictly ascending); when a group is revised, the revision-count
// column says how many rows each timestamp has.
Status SegmentWriter::AppendTimestamps(std::span<const HeadSample> rows, BlockGroup* group) {
  std::vector<int64_t> timestamps;
  std::vector<double> counts;
  for (const HeadSample& s : rows) {
    if (!timestamps.empty() && timestamps.back() == s.timestamp_ms) {
      counts.back() += 1;
      continue;
    }
    timestamps.push_back(s.timestamp_ms);
    counts.push_back(1);
  }
  group->timestamps = static_cast<uint32_t>(timestamps.size());
  ColumnRef ref{kColumnTimestamps, flushed_ + buffer_.size(), 0, {}};
  const size_t before = buffer_.size();
  METRIFY_RETURN_IF_ERROR(codec::AppendTimestampBlock(timestamps, options_.block, &buffer_));
  ref.length = static_cast<uint32_t>(buffer_.size() - before);
  group->columns.push_back(ref);
  if (!HasRevisions(rows)) return Status::Ok();
  return AppendColumn(kColumnRevisionCount, counts, group);
}

Status SegmentWriter::AppendColumn(uint8_t column, std::span<const double> values,
                                   BlockGroup* group) {
  ColumnRef ref{column, flushed_ + buffer_.size(), 0, {}};
  const size_t before = buffer_.size();
  METRIFY_RETURN_IF_ERROR(codec::AppendValueBlock(values, options_.block, &buffer_, &ref.stats));
  ref.length = static_cast<uint32_t>(buffer_.size() - before);
  group->columns.push_back(ref);
  return Status::Ok();
}

Status SegmentWriter::FlushBuffer() {
  Status s = file_->Append(buffer_);
  if (!s.ok()) {
    failed_ = true;
    return s;
  }
  flushed_ += buffer_.size();
  buffer_.clear();
  return Status::Ok();
}

Result<SegmentInfo> SegmentWriter::Finish() {
  if (failed_ || finished_) return Status::IOError("segment writer " + tmp_path_ + " is unusable");
  const uint64_t index_offset = flushed_ + buffer_.size();
  const size_t index_begin = buffer_.size();
  EncodeIndex(index_, &buffer_);
  const std::string_view index(buffer_.data() + index_begin, buffer_.size() - index_begin);
  // The header is in the buffer only when nothing was flushed yet; keep a
  // copy so the checksum can cover it either way.
  const uint32_t index_crc = crc32c::Extend(crc32c::Value(header_), index.data(), index.size());
  const uint32_t index_len = static_cast<uint32_t>(index.size());
  codec::PutFixed64(&buffer_, index_offset);
  codec::PutFixed32(&buffer_, index_len);
  codec::PutFixed32(&buffer_, index_crc);
  buffer_.append(kMagic);
  failed_ = true;  // until every step below succeeds
  METRIFY_RETURN_IF_ERROR(FlushBuffer());
  METRIFY_RETURN_IF_ERROR(file_->Sync());
  METRIFY_RETURN_IF_ERROR(file_->Close());
  METRIFY_RETURN_IF_ERROR(fs_->Rename(tmp_path_, path_));
  finished_ = true;  // the tmp name is gone: nothing for the destructor to remove
  METRIFY_RETURN_IF_ERROR(fs_->SyncDir(DirName(path_)));
  SegmentInfo info{path_, flushed_, index_.size(), 0};
  for (const SeriesEntry& e : index_) info.samples += e.sample_count;
  return info;
}

}  // namespace metrify::engine::segment
