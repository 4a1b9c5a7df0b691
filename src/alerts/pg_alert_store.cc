// The write side of PgAlertStore (pg_alert_store.h): Raise and the
// acknowledge/resolve transitions. Reads are in pg_alert_store_queries.cc.
//
// Raise sends a fixed number of statements whatever the size of the call
// (lock, select, insert, update, each with one array per column), so a
// burst of tens of thousands of findings costs four round trips, not one
// per alert.
#include "alerts/pg_alert_store.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "alerts/alert_store_shared.h"
#include "alerts/pg_alert_store_rows.h"
#include "common/crc32c.h"

namespace metrify::alerts {

namespace {

using detail::KeyOf;
using detail::StagedAlert;
using pg_rows::ArrayLiteral;
using pg_rows::Param;
using store::PgConnection;
using store::PgRows;

// The first key of the two-key advisory locks of alert keys ("alrt"). The
// two-key space does not overlap the one-key locks of the migrations and
// partitions.
constexpr int32_t kKeyLockClass = 0x616c7274;

// Locks the buckets of `keys` until the transaction ends, in ascending
// order: two transactions taking the same buckets wait, never deadlock.
Status LockKeys(PgConnection& db, const std::vector<std::string>& keys) {
  std::vector<uint32_t> buckets;
  buckets.reserve(keys.size());
  for (const std::string& key : keys) {
    buckets.push_back(crc32c::Value(key) % PgAlertStore::kKeyLockBuckets);
  }
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  ArrayLiteral array;
  for (uint32_t b : buckets) array.Add(std::to_string(b));
  return db
      .Query("SELECT pg_advisory_xact_lock($1::int4, b) FROM unnest($2::int4[]) AS b",
             {std::to_string(kKeyLockClass), array.Take()})
      .status();
}

// The open alerts of the keys of `firsts` (findings[i] for i in firsts),
// locked until the transaction ends, by key. In id order, as Resolve and
// ResolveMany lock, so row locks cannot deadlock either.
Result<std::unordered_map<std::string, Alert>> LockOpen(PgConnection& db,
                                                        std::span<const Finding> findings,
                                                        const std::vector<size_t>& firsts) {
  ArrayLiteral kinds, ids, rules;
  for (size_t i : firsts) {
    kinds.Add(std::string(SourceKindName(findings[i].source_kind)));
    ids.Add(findings[i].source_id);
    rules.Add(findings[i].rule);
  }
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db.Query(fmt::format("SELECT {} FROM alerts JOIN unnest($1::text[], $2::text[], $3::text[]) "
                           "AS k(k_kind, k_id, k_rule) ON source_kind = k_kind AND "
                           "source_id = k_id AND rule = k_rule WHERE state <> 'RESOLVED' "
                           "ORDER BY id FOR UPDATE OF alerts",
                           detail::kColumns),
               {kinds.Take(), ids.Take(), rules.Take()}));
  std::unordered_map<std::string, Alert> open;
  for (int r = 0; r < rows.size(); ++r) {
    Alert alert = pg_rows::RowOf(rows, r);
    open.emplace(KeyOf(alert), std::move(alert));
  }
  return open;
}

// Inserts the created alerts of `staged` (one statement) and sets their ids.
Status InsertNew(PgConnection& db, std::vector<StagedAlert>& staged, int64_t now_ms) {
  ArrayLiteral types, rules, severities, kinds, ids, messages, firsts, lasts, counts, values;
  std::unordered_map<std::string, StagedAlert*> by_key;
  for (StagedAlert& s : staged) {
    if (!s.created) continue;
    const Alert& a = s.alert;
    types.Add(a.type);
    rules.Add(a.rule);
    severities.Add(std::string(SeverityName(a.severity)));
    kinds.Add(std::string(SourceKindName(a.source_kind)));
    ids.Add(a.source_id);
    messages.Add(a.message);
    firsts.Add(pg_rows::Int(a.first_seen_ms));
    lasts.Add(pg_rows::Int(a.last_seen_ms));
    counts.Add(pg_rows::Int(a.count));
    values.Add(pg_rows::Number(a.value));
    by_key.emplace(KeyOf(a), &s);
  }
  if (by_key.empty()) return Status::Ok();
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db.Query(
          "INSERT INTO alerts(type, rule, severity, source_kind, source_id, message, "
          "first_seen, last_seen, count, value, state, created_at, updated_at) "
          "SELECT t, r, sev, kind, sid, msg, fs, ls, n, v, 'OPEN', $11, $11 FROM "
          "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
          "$7::int8[], $8::int8[], $9::int8[], $10::float8[]) "
          "AS u(t, r, sev, kind, sid, msg, fs, ls, n, v) "
          "RETURNING id, source_kind, source_id, rule",
          {types.Take(), rules.Take(), severities.Take(), kinds.Take(), ids.Take(), messages.Take(),
           firsts.Take(), lasts.Take(), counts.Take(), values.Take(), pg_rows::Int(now_ms)}));
  // RETURNING's order is not promised to be the SELECT's: match by key.
  for (int r = 0; r < rows.size(); ++r) {
    const SourceKind kind = ParseSourceKind(rows.Text(r, 1)).value_or(SourceKind::kMeter);
    auto it = by_key.find(KeyOf(kind, rows.Text(r, 2), rows.Text(r, 3)));
    if (it != by_key.end()) it->second->alert.id = rows.Int(r, 0);
  }
  if (rows.size() != static_cast<int>(by_key.size())) {
    return Status::Internal("inserting alerts returned fewer ids than rows");
  }
  return Status::Ok();
}

// Writes what Raise changes of the open alerts of `staged` (one statement).
// Their rows are locked, so each must be there.
Status UpdateOpen(PgConnection& db, const std::vector<StagedAlert>& staged, int64_t now_ms) {
  ArrayLiteral ids, severities, messages, firsts, lasts, counts, values;
  int expected = 0;
  for (const StagedAlert& s : staged) {
    if (s.created) continue;
    const Alert& a = s.alert;
    ids.Add(pg_rows::Int(a.id));
    severities.Add(std::string(SeverityName(a.severity)));
    messages.Add(a.message);
    firsts.Add(pg_rows::Int(a.first_seen_ms));
    lasts.Add(pg_rows::Int(a.last_seen_ms));
    counts.Add(pg_rows::Int(a.count));
    values.Add(pg_rows::Number(a.value));
    ++expected;
  }
  if (expected == 0) return Status::Ok();
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db.Query("UPDATE alerts SET severity = u.sev, message = u.msg, first_seen = u.fs, "
               "last_seen = u.ls, count = u.n, value = u.v, updated_at = $8 FROM "
               "unnest($1::int8[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], "
               "$7::float8[]) AS u(uid, sev, msg, fs, ls, n, v) WHERE id = u.uid RETURNING id",
               {ids.Take(), severities.Take(), messages.Take(), firsts.Take(), lasts.Take(),
                counts.Take(), values.Take(), pg_rows::Int(now_ms)}));
  if (rows.size() != expected) return Status::Internal("open alerts vanished from the database");
  return Status::Ok();
}

// The columns an acknowledge or resolve changes, as the SQLite store writes
// them; $15 is the id.
constexpr std::string_view kUpdate =
    "UPDATE alerts SET severity = $1, message = $2, first_seen = $3, last_seen = $4, count = $5, "
    "value = $6, state = $7, updated_at = $8, acknowledged_by = $9, acknowledge_note = $10, "
    "acknowledged_at = $11, resolved_by = $12, resolve_note = $13, resolved_at = $14 "
    "WHERE id = $15 RETURNING id";

std::vector<Param> UpdateParams(const Alert& a) {
  return {std::string(SeverityName(a.severity)),
          a.message,
          pg_rows::Int(a.first_seen_ms),
          pg_rows::Int(a.last_seen_ms),
          pg_rows::Int(a.count),
          pg_rows::Number(a.value),
          std::string(StateName(a.state)),
          pg_rows::Int(a.updated_at_ms),
          pg_rows::NullableText(a.acknowledged_by),
          pg_rows::NullableText(a.acknowledge_note),
          pg_rows::NullableTime(a.acknowledged_at_ms),
          pg_rows::NullableText(a.resolved_by),
          pg_rows::NullableText(a.resolve_note),
          pg_rows::NullableTime(a.resolved_at_ms),
          pg_rows::Int(a.id)};
}

}  // namespace

Result<std::unique_ptr<AlertStore>> PgAlertStore::Open(store::PgPool& pool) {
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool.Acquire());
  METRIFY_ASSIGN_OR_RETURN(PgRows rows, db->Query("SELECT to_regclass('alerts') IS NOT NULL AND "
                                                  "to_regclass('alert_dead_letters') IS NOT NULL"));
  if (rows.size() != 1 || rows.Text(0, 0) != "t") {
    return Status::InvalidArgument(fmt::format(
        "the database at {} has no alerts tables; run `metrify migrate up`", db->where()));
  }
  return std::unique_ptr<AlertStore>(new PgAlertStore(pool));
}

Result<std::vector<RaiseOutcome>> PgAlertStore::Raise(std::span<const Finding> findings,
                                                      int64_t now_ms) {
  std::vector<StatusDetail> bad = detail::CheckFindings(findings);
  if (!bad.empty()) return Status::InvalidFields(std::move(bad));
  if (findings.empty()) return std::vector<RaiseOutcome>{};
  const std::vector<size_t> firsts = detail::FirstOfEachKey(findings);
  std::vector<std::string> keys;
  keys.reserve(firsts.size());
  for (size_t i : firsts) keys.push_back(KeyOf(findings[i]));
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  return db->InTransaction([&]() -> Result<std::vector<RaiseOutcome>> {
    // The bucket locks first: from here until COMMIT no other Raise can
    // open or fold into these keys, so what LockOpen finds stays true.
    METRIFY_RETURN_IF_ERROR(LockKeys(*db, keys));
    METRIFY_ASSIGN_OR_RETURN(auto open, LockOpen(*db, findings, firsts));
    std::vector<StagedAlert> staged =
        detail::Fold(findings, now_ms, [&open](const std::string& key) -> const Alert* {
          auto it = open.find(key);
          return it == open.end() ? nullptr : &it->second;
        });
    METRIFY_RETURN_IF_ERROR(InsertNew(*db, staged, now_ms));
    METRIFY_RETURN_IF_ERROR(UpdateOpen(*db, staged, now_ms));
    return detail::OutcomesOf(std::move(staged));
  });
}

template <typename Step>
Result<Alert> PgAlertStore::Transition(int64_t id, std::string_view action, Step step) {
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  return db->InTransaction([&]() -> Result<Alert> {
    METRIFY_ASSIGN_OR_RETURN(
        PgRows rows,
        db->Query(fmt::format("SELECT {} FROM alerts WHERE id = $1 FOR UPDATE", detail::kColumns),
                  {pg_rows::Int(id)}));
    if (rows.size() == 0) return detail::NoSuchAlert(id);
    const Alert current = pg_rows::RowOf(rows, 0);
    METRIFY_RETURN_IF_ERROR(detail::CheckTransition(id, current.state, action));
    Alert next = step(current);
    METRIFY_ASSIGN_OR_RETURN(PgRows updated, db->Query(kUpdate, UpdateParams(next)));
    if (updated.size() != 1) {
      return Status::Internal(fmt::format("alert {} vanished from the database", id));
    }
    return next;
  });
}

Result<Alert> PgAlertStore::Acknowledge(int64_t id, std::string_view who, std::string_view note,
                                        int64_t now_ms) {
  METRIFY_RETURN_IF_ERROR(detail::CheckWho(who, "acknowledging"));
  return Transition(id, "acknowledged",
                    [&](const Alert& a) { return detail::Acknowledged(a, who, note, now_ms); });
}

Result<Alert> PgAlertStore::Resolve(int64_t id, std::string_view who, std::string_view note,
                                    int64_t now_ms) {
  METRIFY_RETURN_IF_ERROR(detail::CheckWho(who, "resolving"));
  return Transition(id, "resolved",
                    [&](const Alert& a) { return detail::Resolved(a, who, note, now_ms); });
}

Result<std::vector<Alert>> PgAlertStore::ResolveMany(std::span<const int64_t> ids,
                                                     std::string_view who,
                                                     std::span<const std::string> notes,
                                                     int64_t now_ms) {
  METRIFY_RETURN_IF_ERROR(detail::CheckResolveMany(ids, who, notes));
  if (ids.empty()) return std::vector<Alert>{};
  ArrayLiteral wanted;
  for (int64_t id : ids) wanted.Add(pg_rows::Int(id));
  const std::string wanted_ids = wanted.Take();
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  return db->InTransaction([&]() -> Result<std::vector<Alert>> {
    METRIFY_ASSIGN_OR_RETURN(
        PgRows rows, db->Query(fmt::format("SELECT {} FROM alerts WHERE id = ANY($1::int8[]) AND "
                                           "state <> 'RESOLVED' ORDER BY id FOR UPDATE",
                                           detail::kColumns),
                               {wanted_ids}));
    std::unordered_map<int64_t, Alert> open;
    for (int r = 0; r < rows.size(); ++r) open.emplace(rows.Int(r, 0), pg_rows::RowOf(rows, r));
    std::vector<Alert> resolved;
    ArrayLiteral resolved_ids, resolved_notes;
    for (size_t i = 0; i < ids.size(); ++i) {
      auto it = open.find(ids[i]);
      if (it == open.end()) continue;  // resolved meanwhile, unknown, or listed before
      resolved.push_back(detail::Resolved(std::move(it->second), who, notes[i], now_ms));
      open.erase(it);
      resolved_ids.Add(pg_rows::Int(ids[i]));
      resolved_notes.Add(pg_rows::NullableText(notes[i]));
    }
    if (resolved.empty()) return resolved;
    METRIFY_ASSIGN_OR_RETURN(
        PgRows updated,
        db->Query(
            "UPDATE alerts SET state = 'RESOLVED', resolved_by = $3, resolve_note = u.note, "
            "resolved_at = $4, updated_at = $4 FROM unnest($1::int8[], $2::text[]) "
            "AS u(uid, note) WHERE id = u.uid RETURNING id",
            {resolved_ids.Take(), resolved_notes.Take(), std::string(who), pg_rows::Int(now_ms)}));
    if (updated.size() != static_cast<int>(resolved.size())) {
      return Status::Internal("alerts being resolved vanished from the database");
    }
    return resolved;
  });
}

}  // namespace metrify::alerts
