// Reading the hourly rollups (pg_rollups.h: SumFromRollups). One statement
// aggregates a fleet's hours into the caller's buckets and lists the meters
// with a dirty hour: one snapshot, so a mark and the rows it invalidates are
// always seen together, and a meter with a dirty hour is never answered.
//
// When the rollup answers, it must give the bits reading the raw rows would
// (api/fleet_routes.cc: query::Aggregate over ReadLatest): the same counts,
// the same interval (Aggregate's most common one: here the only one, or no
// answer) and, per bucket, the compensated sum, which rollup_sum.h shows is
// the exact sum rounded once whenever CertifiedTotal says so.
#include <fmt/format.h>

#include <charconv>
#include <unordered_map>
#include <unordered_set>

#include "store/postgres/pg_rollups.h"
#include "store/postgres/rollup_sum.h"

namespace metrify::store {

namespace {

// $1 meters, $2 edges, $3 first hour (the one ending at the first edge:
// a reading stamped there is seen by the raw read's TypicalInterval),
// $4 last edge, $5 first edge. Dirty blocks come back as (block, -1).
std::string SumQuery(int field) {
  const std::string_view p = field == 0 ? "energy" : "export";
  return fmt::format(
      "WITH dirty AS (SELECT DISTINCT meter_block FROM rollup_dirty"
      " WHERE meter_block IN (SELECT DISTINCT k / 64 FROM unnest($1::bigint[]) k)"
      " AND hour >= $3 AND hour < $4)"
      " SELECT meter_key, width_bucket(hour, $2::bigint[]) AS b, sum(samples)::bigint,"
      " count(*) FILTER (WHERE interval_s IS NULL), min(interval_s), max(interval_s),"
      " bool_or(last_ts = $5), sum({p}_n)::bigint, sum({p}_units), min({p}_grid), sum({p}_abs),"
      " count(*) FILTER (WHERE {p}_n > 0 AND {p}_units IS NULL)"
      " FROM readings_hourly WHERE meter_key = ANY($1::bigint[]) AND hour >= $3 AND hour < $4"
      " AND meter_key / 64 NOT IN (SELECT meter_block FROM dirty) GROUP BY 1, 2"
      " UNION ALL SELECT meter_block, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
      " NULL FROM dirty",
      fmt::arg("p", p));
}

double ParseDouble(std::string_view text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// One meter's answer as the rows come in.
struct MeterSums {
  FieldBuckets out;
  bool ok = true;
  bool has_interval = false;

  void Init(size_t buckets) {
    out.samples.assign(buckets, 0);
    out.values.assign(buckets, 0);
    out.sums.assign(buckets, 0);
  }
  // Aggregate takes the most common interval; the rollup knows only that
  // each hour has one, so it answers only when they are all the same.
  void NoteInterval(const PgRows& rows, int r) {
    if (rows.Int(r, 3) > 0 || rows.Int(r, 4) != rows.Int(r, 5)) {
      ok = false;
      return;
    }
    const auto interval = static_cast<int32_t>(rows.Int(r, 4));
    if (has_interval && interval != out.interval_s) ok = false;
    out.interval_s = interval;
    has_interval = true;
  }
  void AddBucket(const PgRows& rows, int r, size_t bucket) {
    NoteInterval(rows, r);
    if (rows.Int(r, 11) > 0) {  // an hour whose sum is not exact
      ok = false;
      return;
    }
    BucketTotals t;
    t.n = rows.Int(r, 7);
    std::optional<Int128> units = ParseInt128(rows.Text(r, 8));
    if (!units) {
      ok = false;
      return;
    }
    t.units = *units;
    if (!rows.IsNull(r, 9)) t.grid = static_cast<int>(rows.Int(r, 9));
    t.abs = ParseDouble(rows.Text(r, 10));
    std::optional<double> total = CertifiedTotal(t);
    if (!total) {
      ok = false;
      return;
    }
    out.samples[bucket] = static_cast<uint32_t>(rows.Int(r, 2));
    out.values[bucket] = static_cast<uint32_t>(t.n);
    out.sums[bucket] = *total;
  }
  void Finish() {
    // Instants (interval 0) are bucketed [start, end), not (start, end].
    if (has_interval && out.interval_s <= 0) ok = false;
  }
};

bool HourEdges(std::span<const int64_t> edges) {
  if (edges.size() < 2) return false;
  for (int64_t e : edges) {
    if (e % kRollupHourMs != 0) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<std::optional<FieldBuckets>>> SumFromRollupsMany(PgConnection& db,
                                                                    std::span<const uint32_t> keys,
                                                                    std::span<const int64_t> edges,
                                                                    int field) {
  std::vector<std::optional<FieldBuckets>> answers(keys.size());
  if (keys.empty() || !HourEdges(edges) || !RollupHasField(field)) return answers;
  std::string meters = "{", edge_list = "{";
  for (uint32_t k : keys) fmt::format_to(std::back_inserter(meters), "{},", k);
  for (int64_t e : edges) fmt::format_to(std::back_inserter(edge_list), "{},", e);
  meters.back() = '}';
  edge_list.back() = '}';
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db.Query(SumQuery(field), {meters, edge_list, std::to_string(edges.front() - kRollupHourMs),
                                 std::to_string(edges.back()), std::to_string(edges.front())}));
  const size_t buckets = edges.size() - 1;
  std::unordered_map<uint32_t, MeterSums> sums;
  sums.reserve(keys.size());
  for (uint32_t k : keys) sums[k].Init(buckets);
  std::unordered_set<int64_t> dirty_blocks;
  for (int r = 0; r < rows.size(); ++r) {
    const int64_t b = rows.Int(r, 1);
    if (b < 0) {
      dirty_blocks.insert(rows.Int(r, 0));
      continue;
    }
    MeterSums& m = sums[static_cast<uint32_t>(rows.Int(r, 0))];
    if (b == 0) {
      if (rows.Text(r, 6) == "t") m.NoteInterval(rows, r);  // the reading at the first edge
    } else {
      m.AddBucket(rows, r, static_cast<size_t>(b - 1));
    }
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    MeterSums& m = sums[keys[i]];
    m.Finish();
    if (m.ok && !dirty_blocks.contains(keys[i] / kRollupBlockMeters)) answers[i] = m.out;
  }
  return answers;
}

bool SumFromRollups(PgPool& read, engine::SeriesKey key, std::span<const int64_t> edges, int field,
                    FieldBuckets* out) {
  if (key.kind != model::SeriesKind::kReading || !HourEdges(edges) || !RollupHasField(field)) {
    return false;
  }
  Result<PgLease> db = read.Acquire();
  if (!db) return false;
  const uint32_t keys[] = {key.entity_key};
  Result<std::vector<std::optional<FieldBuckets>>> answers =
      SumFromRollupsMany(**db, keys, edges, field);
  if (!answers || !(*answers)[0]) return false;
  *out = std::move(*(*answers)[0]);
  return true;
}

}  // namespace metrify::store
