#include "store/postgres/pg_dirty_marks.h"

#include <fmt/format.h>

#include <algorithm>

namespace metrify::store {

void PgArrayText::Add(std::string_view item) {
  if (text_.size() > 1) text_ += ',';
  text_ += item;
}

void PgArrayText::Add(int64_t v) { Add(std::string_view(fmt::format("{}", v))); }

std::string PgArrayText::Take() {
  text_ += '}';
  return std::move(text_);
}

namespace {

// Inserts the missing marks and KEY SHARE-locks the ones there; returns how
// many it inserted or locked. A mark another transaction inserted but had
// not committed at this statement's start, or one a worker deleted
// meanwhile, is neither: the count falls short and MarkDirty runs the
// statement again.
std::string MarkStatement(std::string_view table) {
  return fmt::format(
      "WITH pairs AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS u(b, h)),"
      " ins AS (INSERT INTO {0} (meter_block, hour) SELECT b, h FROM pairs"
      " ON CONFLICT DO NOTHING RETURNING 1)"
      " SELECT (SELECT count(*) FROM ins) + (SELECT count(*) FROM (SELECT 1 FROM {0} d"
      " JOIN pairs p ON d.meter_block = p.b AND d.hour = p.h FOR KEY SHARE OF d) locked)",
      table);
}

}  // namespace

void AddMark(std::vector<std::pair<int64_t, int64_t>>* pairs, int64_t block, int64_t hour) {
  if (pairs->empty() || pairs->back() != std::pair(block, hour)) pairs->emplace_back(block, hour);
}

Status MarkDirty(PgConnection& db, std::string_view table,
                 std::vector<std::pair<int64_t, int64_t>> pairs) {
  if (pairs.empty()) return Status::Ok();
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  PgArrayText blocks, hours;
  for (const auto& [block, hour] : pairs) {
    blocks.Add(block);
    hours.Add(hour);
  }
  const std::string b = blocks.Take(), h = hours.Take(), statement = MarkStatement(table);
  // Short only when a concurrent claim or insert overlapped: rare, and
  // settled by the next try.
  for (int attempt = 0; attempt < 10; ++attempt) {
    METRIFY_ASSIGN_OR_RETURN(PgRows rows, db.Query(statement, {b, h}));
    if (rows.Int(0, 0) >= static_cast<int64_t>(pairs.size())) return Status::Ok();
  }
  return Status::Unavailable(
      fmt::format("{}: could not hold the dirty marks; retry the batch", table));
}

}  // namespace metrify::store
