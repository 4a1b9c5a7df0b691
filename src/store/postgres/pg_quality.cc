// Stored daily quality reports (pg_quality.h; docs/scaled.md "Quality
// reports"). Arrays go to the server as text parameters and come back
// through unnest, as in pg_rollups.cc: one statement per step.
#include "store/postgres/pg_quality.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "common/time.h"
#include "store/postgres/pg_dirty_marks.h"
#include "vee/day_quality_codec.h"

namespace metrify::store {

namespace {

using engine::wal::WalSample;

static_assert(kQualityBlockMeters == 64, "the statements below say 64");

constexpr std::string_view kClaim =
    "DELETE FROM quality_dirty WHERE (meter_block, hour) IN ("
    " SELECT meter_block, hour FROM quality_dirty"
    " WHERE pg_try_advisory_xact_lock($2::int4, meter_block::int4)"
    " LIMIT $1 FOR UPDATE SKIP LOCKED)"
    " RETURNING meter_block, hour";

constexpr std::string_view kUpsert =
    "INSERT INTO quality_daily (meter_key, day, inputs, due_from, sent_fields, figures)"
    " SELECT k, d, i, f, s, decode(x, 'hex') FROM unnest($1::bigint[], $2::int[], $3::bigint[],"
    " $4::bigint[], $5::int[], $6::text[]) AS u(k, d, i, f, s, x)"
    " ON CONFLICT (meter_key, day) DO UPDATE SET inputs = EXCLUDED.inputs,"
    " due_from = EXCLUDED.due_from, sent_fields = EXCLUDED.sent_fields,"
    " figures = EXCLUDED.figures, computed_at = now()";

// The stored days of each query's meter and days, unless a mark of its
// block lies in its hours: one snapshot for days and marks.
constexpr std::string_view kRead =
    "SELECT m.i, q.day, q.inputs, q.due_from, q.sent_fields, encode(q.figures, 'hex')"
    " FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[], $5::bigint[])"
    " WITH ORDINALITY AS m(k, d0, d1, lo, hi, i)"
    " JOIN quality_daily q ON q.meter_key = m.k AND q.day >= m.d0 AND q.day < m.d1"
    " WHERE NOT EXISTS (SELECT 1 FROM quality_dirty x WHERE x.meter_block = m.k / 64"
    " AND x.hour >= m.lo AND x.hour <= m.hi)"
    " ORDER BY m.i, q.day";

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out += kDigits[static_cast<uint8_t>(c) >> 4];
    out += kDigits[static_cast<uint8_t>(c) & 15];
  }
  return out;
}

Result<std::string> Unhex(std::string_view hex) {
  auto nibble = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  if (hex.size() % 2 != 0) return Status::Corruption("stored quality day: odd hex");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::Corruption("stored quality day: bad hex");
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace

int64_t QualityHourOf(int64_t ts) { return FloorDiv(ts, kQualityHourMs) * kQualityHourMs; }

Status MarkQualityDirty(PgConnection& db, std::span<const WalSample> samples) {
  if (samples.empty()) return Status::Ok();
  std::vector<std::pair<int64_t, int64_t>> pairs;  // (block, hour)
  for (const WalSample& s : samples) {
    AddMark(&pairs, s.entity_key / kQualityBlockMeters, QualityHourOf(s.timestamp_ms));
  }
  return MarkDirty(db, "quality_dirty", std::move(pairs));
}

Status MarkQualityDirtyAt(PgConnection& db, uint32_t key, int64_t ts) {
  return MarkDirty(db, "quality_dirty", {{key / kQualityBlockMeters, QualityHourOf(ts)}});
}

Result<std::map<int64_t, std::vector<int64_t>>> ClaimQualityMarks(PgConnection& db,
                                                                  size_t max_marks) {
  METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(kClaim, {std::to_string(max_marks),
                                                          std::to_string(kQualityBlockLockClass)}));
  std::map<int64_t, std::vector<int64_t>> claims;
  for (int i = 0; i < rows.size(); ++i) claims[rows.Int(i, 0)].push_back(rows.Int(i, 1));
  for (auto& [block, hours] : claims) std::sort(hours.begin(), hours.end());
  return claims;
}

Result<bool> TryLockQualityBlock(PgConnection& db, int64_t block) {
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows, db.Query("SELECT pg_try_advisory_xact_lock($1::int4, $2::int4)",
                            {std::to_string(kQualityBlockLockClass), std::to_string(block)}));
  return rows.Text(0, 0) == "t";
}

Result<std::map<uint32_t, std::map<int64_t, uint64_t>>> StoredQualityInputs(PgConnection& db,
                                                                            int64_t block,
                                                                            int64_t first_day,
                                                                            int64_t end_day) {
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows, db.Query("SELECT meter_key, day, inputs FROM quality_daily WHERE meter_key >= $1"
                            " AND meter_key < $2 AND day >= $3 AND day < $4",
                            {std::to_string(block * kQualityBlockMeters),
                             std::to_string((block + 1) * kQualityBlockMeters),
                             std::to_string(first_day), std::to_string(end_day)}));
  std::map<uint32_t, std::map<int64_t, uint64_t>> out;
  for (int i = 0; i < rows.size(); ++i) {
    out[static_cast<uint32_t>(rows.Int(i, 0))][rows.Int(i, 1)] =
        static_cast<uint64_t>(rows.Int(i, 2));
  }
  return out;
}

Status UpsertQualityDays(PgConnection& db, std::span<const StoredQualityRow> rows) {
  if (rows.empty()) return Status::Ok();
  PgArrayText keys, days, inputs, due, sent, figures;
  for (const StoredQualityRow& r : rows) {
    keys.Add(r.key);
    days.Add(r.stored.day.day);
    inputs.Add(static_cast<int64_t>(r.stored.inputs));
    if (r.stored.due_from_ms == INT64_MAX) {
      due.Null();
    } else {
      due.Add(r.stored.due_from_ms);
    }
    sent.Add(r.stored.sent_fields);
    figures.Add(std::string_view(Hex(vee::EncodeDayQuality(r.stored.day))));
  }
  return db
      .Query(kUpsert,
             {keys.Take(), days.Take(), inputs.Take(), due.Take(), sent.Take(), figures.Take()})
      .status();
}

Result<int64_t> QualityBacklog(PgConnection& db) {
  METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query("SELECT count(*) FROM quality_dirty"));
  return rows.Int(0, 0);
}

Result<std::vector<std::vector<vee::StoredQualityDay>>> PgQualityDays::Read(
    std::span<const vee::StoredDaysQuery> queries) const {
  std::vector<std::vector<vee::StoredQualityDay>> out(queries.size());
  if (queries.empty()) return out;
  PgArrayText keys, firsts, ends, los, his;
  for (const vee::StoredDaysQuery& q : queries) {
    keys.Add(q.key);
    firsts.Add(q.first_day);
    ends.Add(q.end_day);
    los.Add(QualityHourOf(q.from_ms));
    his.Add(QualityHourOf(q.to_ms));
  }
  METRIFY_ASSIGN_OR_RETURN(PgLease db, read_.Acquire());
  METRIFY_ASSIGN_OR_RETURN(PgRows rows, db->Query(kRead, {keys.Take(), firsts.Take(), ends.Take(),
                                                          los.Take(), his.Take()}));
  for (int r = 0; r < rows.size(); ++r) {
    const auto i = static_cast<size_t>(rows.Int(r, 0) - 1);  // ordinality counts from 1
    vee::StoredQualityDay day;
    day.inputs = static_cast<uint64_t>(rows.Int(r, 2));
    day.due_from_ms = rows.IsNull(r, 3) ? INT64_MAX : rows.Int(r, 3);
    day.sent_fields = static_cast<uint16_t>(rows.Int(r, 4));
    METRIFY_ASSIGN_OR_RETURN(std::string bytes, Unhex(rows.Text(r, 5)));
    METRIFY_ASSIGN_OR_RETURN(day.day, vee::DecodeDayQuality(bytes));
    if (day.day.day != rows.Int(r, 1)) {
      return Status::Corruption("stored quality day: figures of another day");
    }
    if (i < out.size()) out[i].push_back(std::move(day));
  }
  return out;
}

}  // namespace metrify::store
