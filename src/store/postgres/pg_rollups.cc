// Hourly rollups (pg_rollups.h; docs/scaled.md "Rollups"). Arrays go to the
// server as text parameters and come back through unnest: one statement
// per step whatever the number of hours, no temporary tables.
#include "store/postgres/pg_rollups.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "store/postgres/pg_dirty_marks.h"
#include "store/postgres/rollup_sum.h"

namespace metrify::store {

namespace {

using engine::wal::WalSample;

// The rolled-up fields, in the order of their column groups.
constexpr int kRolledFields = 2;  // energy_kwh, energy_export_kwh: fields 0 and 1

double ParseDouble(std::string_view text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

static_assert(kRollupBlockMeters == 64, "the statements below say 64");

// Claims a chunk: the rows deleted are invisible to other claims from the
// moment they are locked, and SKIP LOCKED passes over the ones another
// worker holds instead of waiting for it.
constexpr std::string_view kClaim =
    "DELETE FROM rollup_dirty WHERE (meter_block, hour) IN ("
    " SELECT meter_block, hour FROM rollup_dirty LIMIT $1 FOR UPDATE SKIP LOCKED)"
    " RETURNING meter_block, hour";

// The latest revision of every reading of the claimed block hours: one
// primary-key range per claim, run-time pruned to its day partition.
constexpr std::string_view kReadHours =
    "SELECT d.h, r.meter_key, r.ts, r.interval_s, r.energy_kwh, r.energy_export_kwh"
    " FROM unnest($1::bigint[], $2::bigint[]) AS d(b, h)"
    " CROSS JOIN LATERAL (SELECT DISTINCT ON (meter_key, ts) meter_key, ts, interval_s,"
    " energy_kwh, energy_export_kwh FROM readings"
    " WHERE meter_key >= d.b * 64 AND meter_key < d.b * 64 + 64"
    " AND ts > d.h AND ts <= d.h + 3600000 ORDER BY meter_key, ts, revision DESC) r";

constexpr std::string_view kUpsert =
    "INSERT INTO readings_hourly (meter_key, hour, samples, interval_s, last_ts,"
    " energy_n, energy_units, energy_grid, energy_abs,"
    " export_n, export_units, export_grid, export_abs)"
    " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::int[], $5::bigint[],"
    " $6::int[], $7::numeric[], $8::smallint[], $9::float8[],"
    " $10::int[], $11::numeric[], $12::smallint[], $13::float8[])"
    " ON CONFLICT (meter_key, hour) DO UPDATE SET samples = EXCLUDED.samples,"
    " interval_s = EXCLUDED.interval_s, last_ts = EXCLUDED.last_ts,"
    " energy_n = EXCLUDED.energy_n, energy_units = EXCLUDED.energy_units,"
    " energy_grid = EXCLUDED.energy_grid, energy_abs = EXCLUDED.energy_abs,"
    " export_n = EXCLUDED.export_n, export_units = EXCLUDED.export_units,"
    " export_grid = EXCLUDED.export_grid, export_abs = EXCLUDED.export_abs";

// One hour being recomputed.
struct HourRow {
  int64_t meter = 0;
  int64_t hour = 0;
  uint32_t samples = 0;
  int32_t interval_s = 0;
  bool mixed = false;  // readings of different intervals
  int64_t last_ts = 0;
  ExactSum sums[kRolledFields];

  void Add(int64_t ts, int32_t interval, const std::optional<double> (&values)[kRolledFields]) {
    if (samples > 0 && interval != interval_s) mixed = true;
    interval_s = interval;
    ++samples;
    last_ts = std::max(last_ts, ts);
    for (int f = 0; f < kRolledFields; ++f) {
      if (values[f]) sums[f].Add(*values[f]);
    }
  }
};

// The upsert's column arrays, in kUpsert's order.
std::vector<std::optional<std::string>> UpsertParams(const std::vector<HourRow>& rows) {
  PgArrayText meter, hour, samples, interval, last;
  PgArrayText n[kRolledFields], units[kRolledFields], grid[kRolledFields], abs[kRolledFields];
  for (const HourRow& r : rows) {
    meter.Add(r.meter);
    hour.Add(r.hour);
    samples.Add(r.samples);
    if (r.mixed) {
      interval.Null();
    } else {
      interval.Add(r.interval_s);
    }
    last.Add(r.last_ts);
    for (int f = 0; f < kRolledFields; ++f) {
      const ExactSum& s = r.sums[f];
      n[f].Add(s.n());
      if (s.exact()) {
        units[f].Add(Int128ToText(s.units()));
      } else {
        units[f].Null();
      }
      if (s.exact() && s.grid()) {
        grid[f].Add(*s.grid());
      } else {
        grid[f].Null();
      }
      abs[f].Add(std::string_view(fmt::format("{}", s.abs())));
    }
  }
  std::vector<std::optional<std::string>> params = {meter.Take(), hour.Take(), samples.Take(),
                                                    interval.Take(), last.Take()};
  for (int f = 0; f < kRolledFields; ++f) {
    params.push_back(n[f].Take());
    params.push_back(units[f].Take());
    params.push_back(grid[f].Take());
    params.push_back(abs[f].Take());
  }
  return params;
}

// The meter hours of the claimed (block, hour) pairs, from their readings;
// `readings` counts the rows read.
Result<std::vector<HourRow>> ReadHours(PgConnection& db, const PgRows& claims, size_t* readings) {
  PgArrayText blocks, starts;
  for (int i = 0; i < claims.size(); ++i) {
    blocks.Add(claims.Int(i, 0));
    starts.Add(claims.Int(i, 1));
  }
  METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(kReadHours, {blocks.Take(), starts.Take()}));
  std::vector<HourRow> hours;
  std::map<std::pair<int64_t, int64_t>, size_t> index;  // (meter, hour) -> hours[i]
  for (int i = 0; i < rows.size(); ++i) {
    const int64_t hour = rows.Int(i, 0), meter = rows.Int(i, 1);
    auto [it, added] = index.try_emplace({meter, hour}, hours.size());
    if (added) {
      hours.emplace_back();
      hours.back().meter = meter;
      hours.back().hour = hour;
    }
    std::optional<double> values[kRolledFields];
    for (int f = 0; f < kRolledFields; ++f) {
      if (!rows.IsNull(i, 4 + f)) values[f] = ParseDouble(rows.Text(i, 4 + f));
    }
    hours[it->second].Add(rows.Int(i, 2), static_cast<int32_t>(rows.Int(i, 3)), values);
  }
  *readings = static_cast<size_t>(rows.size());
  return hours;
}

}  // namespace

int64_t RollupHourOf(int64_t ts) {
  const int64_t before = ts - 1;  // the interval's last millisecond
  int64_t hour = before / kRollupHourMs;
  if (before % kRollupHourMs < 0) --hour;  // floor, for times before 1970
  return hour * kRollupHourMs;
}

Status MarkRollupsDirty(PgConnection& db, std::span<const WalSample> readings) {
  std::vector<std::pair<int64_t, int64_t>> pairs;  // (block, hour)
  for (const WalSample& s : readings) {
    AddMark(&pairs, s.entity_key / kRollupBlockMeters, RollupHourOf(s.timestamp_ms));
  }
  return MarkDirty(db, "rollup_dirty", std::move(pairs));
}

Result<RollupRound> RecomputeDirtyHours(PgConnection& db, size_t max_claims,
                                        std::vector<std::pair<int64_t, int64_t>>* claimed) {
  return db.InTransaction([&]() -> Result<RollupRound> {
    METRIFY_ASSIGN_OR_RETURN(PgRows claims, db.Query(kClaim, {std::to_string(max_claims)}));
    RollupRound round;
    round.claims = static_cast<size_t>(claims.size());
    if (round.claims == 0) return round;
    for (int i = 0; claimed != nullptr && i < claims.size(); ++i) {
      claimed->emplace_back(claims.Int(i, 0), claims.Int(i, 1));
    }
    METRIFY_ASSIGN_OR_RETURN(std::vector<HourRow> hours, ReadHours(db, claims, &round.readings));
    if (!hours.empty()) METRIFY_RETURN_IF_ERROR(db.Query(kUpsert, UpsertParams(hours)).status());
    round.hours = hours.size();
    return round;
  });
}

Result<int64_t> DirtyBacklog(PgConnection& db) {
  METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query("SELECT count(*) FROM rollup_dirty"));
  return rows.Int(0, 0);
}

bool RollupHasField(int field) { return field >= 0 && field < kRolledFields; }

}  // namespace metrify::store
