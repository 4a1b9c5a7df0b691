#include "store/postgres/pg_series_store.h"

#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <map>
#include <unordered_map>

#include "common/strings.h"
#include "common/time.h"
#include "store/postgres/pg_copy_writer.h"
#include "store/postgres/pg_dirty_marks.h"
#include "store/postgres/pg_partitions.h"
#include "store/postgres/pg_quality.h"
#include "store/postgres/pg_rollups.h"
#include "store/postgres/pg_series_table.h"

namespace metrify::store {

namespace {

using engine::HeadSample;
using engine::wal::WalSample;

constexpr int64_t kDayMs = 86'400'000;

int64_t DayOf(int64_t ts) { return ts >= 0 ? ts / kDayMs : (ts - kDayMs + 1) / kDayMs; }

// InvalidArgument for the first sample the kind cannot hold.
Status CheckSamples(model::SeriesKind kind, std::span<const WalSample> samples) {
  const size_t fields = model::SeriesFields(kind).size();
  for (size_t i = 0; i < samples.size(); ++i) {
    const WalSample& s = samples[i];
    if (s.present == 0 || (s.present >> fields) != 0) {
      return Status::InvalidArgument(
          fmt::format("sample {} of {} (key {}, {}) has {}", i, model::SeriesKindName(kind),
                      s.entity_key, FormatRfc3339(s.timestamp_ms),
                      s.present == 0 ? "no field" : "a field its kind does not have"));
    }
  }
  return Status::Ok();
}

// Splits samples into rounds: round r holds the (r+1)-th occurrence of
// each (key, ts), in order, so that a round never repeats a key.
std::vector<std::vector<WalSample>> Rounds(std::span<const WalSample> samples) {
  std::vector<std::vector<WalSample>> rounds(1);
  rounds[0].reserve(samples.size());
  struct PairHash {
    size_t operator()(const std::pair<uint32_t, int64_t>& p) const {
      return std::hash<int64_t>()(p.second * 1'000'003 + p.first);
    }
  };
  std::unordered_map<std::pair<uint32_t, int64_t>, size_t, PairHash> occurrences;
  occurrences.reserve(samples.size());
  for (const WalSample& s : samples) {
    const size_t round = occurrences[{s.entity_key, s.timestamp_ms}]++;
    if (round >= rounds.size()) rounds.resize(round + 1);
    rounds[round].push_back(s);
  }
  return rounds;
}

std::string CopyRows(const PgSeriesTable& t, std::span<const WalSample> samples) {
  PgCopyWriter w;
  const auto columns = static_cast<int16_t>(4 + t.fields.size());
  for (const WalSample& s : samples) {
    w.BeginRow(columns);
    w.Int64(s.entity_key);
    w.Int64(s.timestamp_ms);
    w.Int32(0);  // the statement assigns the revision
    w.Int32(s.interval_s);
    for (size_t f = 0; f < t.fields.size(); ++f) {
      if ((s.present >> f) & 1u) {
        w.Float64(s.values[f]);
      } else {
        w.Null();
      }
    }
  }
  return w.Finish();
}

double ParseDouble(std::string_view text) {
  double value = NAN;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// One sample from columns [first, first + fields) of a row laid out as
// ts, interval_s, revision, fields... (read_latest).
HeadSample SampleOf(const PgRows& rows, int row, size_t fields, uint16_t wanted) {
  HeadSample s;
  s.timestamp_ms = rows.Int(row, 0);
  s.interval_s = static_cast<int32_t>(rows.Int(row, 1));
  s.revision = static_cast<uint16_t>(rows.Int(row, 2));
  s.values.fill(NAN);
  for (size_t f = 0; f < fields; ++f) {
    const int column = static_cast<int>(3 + f);
    if (((wanted >> f) & 1u) == 0 || rows.IsNull(row, column)) continue;
    s.values[f] = ParseDouble(rows.Text(row, column));
    s.present |= static_cast<uint16_t>(1u << f);
  }
  return s;
}

// The values of a float8[] in text form, "{1.5,NULL,2}", into `s`.
void ParseVals(std::string_view text, HeadSample* s) {
  s->values.fill(NAN);
  if (text.size() < 2) return;
  text = text.substr(1, text.size() - 2);
  size_t field = 0;
  while (!text.empty() && field < s->values.size()) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    if (item != "NULL") {
      s->values[field] = ParseDouble(item);
      s->present |= static_cast<uint16_t>(1u << field);
    }
    ++field;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
}

// `keys` as a bigint[] literal, each once, and where each key is in `keys`
// (a caller may ask for a key twice).
std::string KeyArray(std::span<const uint32_t> keys,
                     std::unordered_map<uint32_t, std::vector<size_t>>* where) {
  PgArrayText array;
  for (size_t i = 0; i < keys.size(); ++i) {
    std::vector<size_t>& at = (*where)[keys[i]];
    if (at.empty()) array.Add(int64_t{keys[i]});
    at.push_back(i);
  }
  return array.Take();
}

// The keys in column `column` of the first row, a bigint[] in text form
// ("{3,17}"); NULL (array_agg of no row) is none.
void AddKeys(const PgRows& rows, int column, std::vector<uint32_t>* out) {
  if (rows.size() == 0 || rows.IsNull(0, column)) return;
  const std::string_view array = rows.Text(0, column);
  if (array.size() <= 2) return;
  for (std::string_view item : Split(array.substr(1, array.size() - 2), ',')) {
    uint32_t key = 0;
    std::from_chars(item.data(), item.data() + item.size(), key);
    out->push_back(key);
  }
}

constexpr std::string_view kLatestColumns = "entity_key, ts, revision, interval_s, vals";

HeadSample LatestOf(const PgRows& rows, int row) {
  HeadSample s;
  s.timestamp_ms = rows.Int(row, 1);
  s.revision = static_cast<uint16_t>(rows.Int(row, 2));
  s.interval_s = static_cast<int32_t>(rows.Int(row, 3));
  ParseVals(rows.Text(row, 4), &s);
  return s;
}

}  // namespace

PgSeriesStore::PgSeriesStore(PgPool& write, PgPool& read, int retention_days)
    : write_(write), read_(read), retention_days_(retention_days) {}

std::string_view PgSeriesStore::TableOf(model::SeriesKind kind) {
  return PgSeriesTableOf(kind).table;
}

Status PgSeriesStore::PreparePartitions(PgConnection& db, model::SeriesKind kind,
                                        std::span<const WalSample> samples) {
  std::set<int64_t> missing;
  {
    std::lock_guard lock(made_mu_);
    for (const WalSample& s : samples) {
      const int64_t day = DayOf(s.timestamp_ms);
      if (!made_days_.contains({kind, day})) missing.insert(day);
    }
  }
  for (int64_t day : missing) {
    METRIFY_RETURN_IF_ERROR(
        EnsureDayPartitions(db, TableOf(kind), day * kDayMs, (day + 1) * kDayMs).status());
    std::lock_guard lock(made_mu_);
    made_days_.insert({kind, day});
  }
  return Status::Ok();
}

Result<AppendCounts> PgSeriesStore::AppendIn(PgConnection& db, model::SeriesKind kind,
                                             std::span<const WalSample> samples) {
  METRIFY_RETURN_IF_ERROR(CheckSamples(kind, samples));
  const PgSeriesTable& t = PgSeriesTableOf(kind);
  AppendCounts counts;
  if (samples.empty()) return counts;
  METRIFY_RETURN_IF_ERROR(db.Exec(t.create_incoming));
  const std::vector<std::vector<WalSample>> rounds = Rounds(samples);
  for (size_t r = 0; r < rounds.size(); ++r) {
    const std::vector<WalSample>& round = rounds[r];
    if (r > 0) METRIFY_RETURN_IF_ERROR(db.Exec("TRUNCATE " + t.incoming));
    if (r == 0) {
      METRIFY_ASSIGN_OR_RETURN(const bool all_new,
                               CopyIfAllNew(db, t, round, &counts.first_stored));
      if (all_new) {
        counts.inserted += round.size();
        continue;
      }
    }
    METRIFY_RETURN_IF_ERROR(db.CopyIn(t.copy_incoming, CopyRows(t, round)));
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (const WalSample& s : round) {
      lo = std::min(lo, s.timestamp_ms);
      hi = std::max(hi, s.timestamp_ms);
    }
    METRIFY_ASSIGN_OR_RETURN(PgRows rows,
                             db.Query(t.upsert, {std::to_string(lo), std::to_string(hi)}));
    const auto inserted = static_cast<size_t>(rows.Int(0, 0));
    const auto revised = static_cast<size_t>(rows.Int(0, 1));
    counts.inserted += inserted;
    counts.revised += revised;
    counts.unchanged += round.size() - inserted - revised;
    AddKeys(rows, 2, &counts.first_stored);
  }
  // In this transaction: the rows and the mark that their hours need
  // rolling up again commit together (`metrify worker process`).
  if (kind == model::SeriesKind::kReading && counts.inserted + counts.revised > 0) {
    METRIFY_RETURN_IF_ERROR(MarkRollupsDirty(db, samples));
  }
  // Likewise the days whose quality report they change (readings, and VEE's
  // statuses and estimates in the overlay): pg_quality.h.
  const bool reported =
      kind == model::SeriesKind::kReading || kind == model::SeriesKind::kVeeOverlay;
  if (reported && counts.inserted + counts.revised > 0) {
    METRIFY_RETURN_IF_ERROR(MarkQualityDirty(db, samples));
  }
  return counts;
}

Result<bool> PgSeriesStore::CopyIfAllNew(PgConnection& db, const PgSeriesTable& t,
                                         std::span<const WalSample> round,
                                         std::vector<uint32_t>* first_stored) {
  // After a COPY that met a stored (entity, ts), the next calls of the kind
  // compare first: a sender repeating data would otherwise pay two writes.
  constexpr int kCompareAfterConflict = 8;
  static std::atomic<int> compare_next[5];
  std::atomic<int>& compare = compare_next[static_cast<int>(t.kind) % 5];
  if (compare.load(std::memory_order_relaxed) > 0) {
    compare.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  // Every row as revision 0: the primary key (entity, ts, revision) refuses
  // the COPY exactly when some (entity, ts) is stored already.
  METRIFY_RETURN_IF_ERROR(db.Exec("SAVEPOINT metrify_all_new"));
  const Status copied = db.CopyIn(t.copy_direct, CopyRows(t, round));
  if (copied.code() == StatusCode::kConflict) {
    compare.store(kCompareAfterConflict, std::memory_order_relaxed);
    METRIFY_RETURN_IF_ERROR(db.Exec("ROLLBACK TO SAVEPOINT metrify_all_new"));
    METRIFY_RETURN_IF_ERROR(db.Exec("RELEASE SAVEPOINT metrify_all_new"));
    return false;
  }
  METRIFY_RETURN_IF_ERROR(copied);
  METRIFY_RETURN_IF_ERROR(db.Exec("RELEASE SAVEPOINT metrify_all_new"));
  // latest_samples moves forward by each entity's newest row of the round.
  std::unordered_map<uint32_t, size_t> newest;
  for (size_t i = 0; i < round.size(); ++i) {
    auto [it, added] = newest.try_emplace(round[i].entity_key, i);
    if (!added && round[it->second].timestamp_ms < round[i].timestamp_ms) it->second = i;
  }
  std::vector<WalSample> rows;
  rows.reserve(newest.size());
  for (const auto& [key, i] : newest) rows.push_back(round[i]);
  METRIFY_RETURN_IF_ERROR(db.CopyIn(t.copy_incoming, CopyRows(t, rows)));
  METRIFY_ASSIGN_OR_RETURN(PgRows moved, db.Query(t.latest_from_incoming));
  AddKeys(moved, 0, first_stored);
  return true;
}

Result<AppendCounts> PgSeriesStore::Append(model::SeriesKind kind,
                                           std::span<const WalSample> samples) {
  METRIFY_RETURN_IF_ERROR(CheckSamples(kind, samples));
  if (samples.empty()) return AppendCounts{};
  METRIFY_ASSIGN_OR_RETURN(PgLease db, write_.Acquire());
  METRIFY_RETURN_IF_ERROR(PreparePartitions(*db, kind, samples));
  return db->InTransaction([&] { return AppendIn(*db, kind, samples); });
}

Status PgSeriesStore::ReadLatest(engine::SeriesKey key, int64_t start_ms, int64_t end_ms,
                                 std::vector<HeadSample>* out, uint16_t fields) const {
  if (start_ms >= end_ms) return Status::Ok();
  const PgSeriesTable& t = PgSeriesTableOf(key.kind);
  METRIFY_ASSIGN_OR_RETURN(PgLease db, read_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows, db->Query(t.read_latest, {std::to_string(key.entity_key),
                                             std::to_string(start_ms), std::to_string(end_ms)}));
  out->reserve(out->size() + static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out->push_back(SampleOf(rows, i, t.fields.size(), fields));
  return Status::Ok();
}

Status PgSeriesStore::ReadLatestMany(model::SeriesKind kind, std::span<const uint32_t> keys,
                                     int64_t start_ms, int64_t end_ms,
                                     std::vector<std::vector<HeadSample>>* out,
                                     uint16_t fields) const {
  out->assign(keys.size(), {});
  if (keys.empty() || start_ms >= end_ms) return Status::Ok();
  const PgSeriesTable& t = PgSeriesTableOf(kind);
  std::unordered_map<uint32_t, std::vector<size_t>> where;
  const std::string array = KeyArray(keys, &where);
  METRIFY_ASSIGN_OR_RETURN(PgLease db, read_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db->Query(t.read_latest_many, {array, std::to_string(start_ms), std::to_string(end_ms)}));
  const int key_column = static_cast<int>(3 + t.fields.size());
  for (int r = 0; r < rows.size(); ++r) {
    const HeadSample s = SampleOf(rows, r, t.fields.size(), fields);
    for (size_t i : where[static_cast<uint32_t>(rows.Int(r, key_column))]) (*out)[i].push_back(s);
  }
  return Status::Ok();
}

Result<std::optional<HeadSample>> PgSeriesStore::Latest(engine::SeriesKey key) const {
  METRIFY_ASSIGN_OR_RETURN(PgLease db, read_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db->Query(fmt::format("SELECT {} FROM latest_samples WHERE kind = $1 AND entity_key = $2",
                            kLatestColumns),
                {std::to_string(static_cast<int>(key.kind)), std::to_string(key.entity_key)}));
  if (rows.size() == 0) return std::optional<HeadSample>();
  return std::optional<HeadSample>(LatestOf(rows, 0));
}

Result<std::vector<std::optional<HeadSample>>> PgSeriesStore::LatestMany(
    model::SeriesKind kind, std::span<const uint32_t> keys) const {
  std::vector<std::optional<HeadSample>> out(keys.size());
  if (keys.empty()) return out;
  std::unordered_map<uint32_t, std::vector<size_t>> where;
  const std::string array = KeyArray(keys, &where);
  METRIFY_ASSIGN_OR_RETURN(PgLease db, read_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows, db->Query(fmt::format("SELECT {} FROM latest_samples WHERE kind = $1 AND "
                                         "entity_key = ANY($2::bigint[])",
                                         kLatestColumns),
                             {std::to_string(static_cast<int>(kind)), array}));
  for (int r = 0; r < rows.size(); ++r) {
    const auto key = static_cast<uint32_t>(rows.Int(r, 0));
    for (size_t i : where[key]) out[i] = LatestOf(rows, r);
  }
  return out;
}

// From the hourly rollups of `metrify worker process`; false (read the rows)
// whenever they cannot give exactly the raw path's answer.
bool PgSeriesStore::SumFromStats(engine::SeriesKey key, std::span<const int64_t> edges, int field,
                                 FieldBuckets* out) const {
  return SumFromRollups(read_, key, edges, field, out);
}

// As SumFromStats, for a fleet in one statement; a database error leaves
// every meter to its raw read (which reports it).
void PgSeriesStore::SumFromStatsMany(model::SeriesKind kind, std::span<const uint32_t> keys,
                                     std::span<const int64_t> edges, int field,
                                     std::vector<std::optional<FieldBuckets>>* out) const {
  out->assign(keys.size(), std::nullopt);
  if (kind != model::SeriesKind::kReading || keys.empty()) return;
  Result<PgLease> db = read_.Acquire();
  if (!db) return;
  Result<std::vector<std::optional<FieldBuckets>>> answers =
      SumFromRollupsMany(**db, keys, edges, field);
  if (answers) *out = std::move(answers).value();
}

int32_t PgSeriesStore::RetentionCutoffDay() const {
  if (retention_days_ <= 0) return INT32_MIN;
  return static_cast<int32_t>(DayOf(NowMillis()) - retention_days_ + 1);
}

}  // namespace metrify::store
