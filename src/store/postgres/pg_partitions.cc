#include "store/postgres/pg_partitions.h"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/time.h"

namespace metrify::store {

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kMaxDays = 400;
// The tables, each with its own lock key (the migration lock's neighbours
// are pg_migrations.cc's).
constexpr std::array<std::string_view, 4> kTables = {"readings", "grid_status", "observations",
                                                     "vee_overlay"};
constexpr int64_t kLockBase = 0x6d657472690000;

Result<int64_t> LockKeyOf(std::string_view table) {
  for (size_t i = 0; i < kTables.size(); ++i) {
    if (kTables[i] == table) return kLockBase + static_cast<int64_t>(i);
  }
  return Status::InvalidArgument(
      fmt::format("\"{}\" has no day partitions; the partitioned tables are readings, grid_status, "
                  "observations and vee_overlay",
                  table));
}

// "readings_20250113" for the UTC day starting at day_start_ms.
std::string PartitionName(std::string_view table, int64_t day_start_ms) {
  const std::string date = FormatRfc3339(day_start_ms).substr(0, 10);  // YYYY-MM-DD
  return fmt::format("{}_{}{}{}", table, date.substr(0, 4), date.substr(5, 2), date.substr(8, 2));
}

// Runs `body` in a transaction holding the table's lock.
template <typename Body>
Result<int> Locked(PgConnection& db, int64_t lock, Body body) {
  return db.InTransaction([&]() -> Result<int> {
    METRIFY_RETURN_IF_ERROR(
        db.Query("SELECT pg_advisory_xact_lock($1)", {std::to_string(lock)}).status());
    return body();
  });
}

// The day partitions of `table` that exist, as (name, day start ms).
Result<std::vector<std::pair<std::string, int64_t>>> DayPartitions(PgConnection& db,
                                                                   std::string_view table) {
  METRIFY_ASSIGN_OR_RETURN(
      PgRows rows,
      db.Query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = "
               "i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1",
               {std::string(table)}));
  std::vector<std::pair<std::string, int64_t>> out;
  const std::string prefix = std::string(table) + "_";
  for (int i = 0; i < rows.size(); ++i) {
    const std::string name(rows.Text(i, 0));
    if (!name.starts_with(prefix) || name.size() != prefix.size() + 8) continue;  // the default
    const std::string digits = name.substr(prefix.size());
    const std::string date =
        digits.substr(0, 4) + "-" + digits.substr(4, 2) + "-" + digits.substr(6, 2);
    std::optional<int64_t> day = ParseCivilDate(date);
    if (day) out.emplace_back(name, *day * kDayMs);
  }
  return out;
}

}  // namespace

Result<int> EnsureDayPartitions(PgConnection& db, std::string_view table, int64_t from_ms,
                                int64_t to_ms) {
  METRIFY_ASSIGN_OR_RETURN(int64_t lock, LockKeyOf(table));
  if (to_ms <= from_ms) return 0;
  const int64_t first = FloorDiv(from_ms, kDayMs) * kDayMs;
  if ((to_ms - first + kDayMs - 1) / kDayMs > kMaxDays) {
    return Status::InvalidArgument(
        fmt::format("at most {} day partitions at once, asked for {} to {}", kMaxDays,
                    FormatRfc3339(from_ms), FormatRfc3339(to_ms)));
  }
  return Locked(db, lock, [&]() -> Result<int> {
    METRIFY_ASSIGN_OR_RETURN(auto existing, DayPartitions(db, table));
    int made = 0;
    for (int64_t day = first; day < to_ms; day += kDayMs) {
      const std::string name = PartitionName(table, day);
      bool exists = false;
      for (const auto& [n, start] : existing) exists = exists || n == name;
      if (exists) continue;
      // Made empty, filled from the default partition, then attached:
      // creating it as a partition directly fails while the default holds
      // rows of its day.
      METRIFY_RETURN_IF_ERROR(db.Exec(fmt::format(
          "CREATE TABLE {0} (LIKE {1} INCLUDING DEFAULTS INCLUDING CONSTRAINTS);"
          "WITH moved AS (DELETE FROM {1}_default WHERE ts >= {2} AND ts < {3} RETURNING *) "
          "INSERT INTO {0} SELECT * FROM moved;"
          "ALTER TABLE {1} ATTACH PARTITION {0} FOR VALUES FROM ({2}) TO ({3})",
          name, table, day, day + kDayMs)));
      ++made;
    }
    return made;
  });
}

Result<int> DropDayPartitionsBefore(PgConnection& db, std::string_view table, int64_t before_ms) {
  METRIFY_ASSIGN_OR_RETURN(int64_t lock, LockKeyOf(table));
  return Locked(db, lock, [&]() -> Result<int> {
    METRIFY_ASSIGN_OR_RETURN(auto existing, DayPartitions(db, table));
    int dropped = 0;
    for (const auto& [name, start] : existing) {
      if (start + kDayMs > before_ms) continue;
      METRIFY_RETURN_IF_ERROR(db.Exec(fmt::format("DROP TABLE {}", name)));
      ++dropped;
    }
    return dropped;
  });
}

}  // namespace metrify::store
