// Day partitions of the time-series tables of scaled mode (readings,
// grid_status, observations, vee_overlay; pg_migrations.cc makes them partitioned by
// ts, epoch ms, with a default partition). A day is a UTC day: partition
// `<table>_YYYYMMDD` holds ts in [that midnight, the next). Made ahead by
// whoever writes (EnsureDayPartitions) and dropped by retention
// (DropDayPartitionsBefore); rows that reached the default partition
// before their day's partition existed move into it when it is made.
//
// Several processes may call these at once: each takes a transaction-level
// advisory lock per table.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace metrify::store {

// Makes the partitions of every UTC day that [from_ms, to_ms) touches and
// that does not have one yet. Returns how many were made. Errors:
// InvalidArgument for a table that is not one of the four, or more than
// 400 days at once; the database's otherwise (nothing of that day made).
Result<int> EnsureDayPartitions(PgConnection& db, std::string_view table, int64_t from_ms,
                                int64_t to_ms);

// Drops the day partitions that end at or before `before_ms`, with their
// rows. Returns how many were dropped. Errors as EnsureDayPartitions.
Result<int> DropDayPartitionsBefore(PgConnection& db, std::string_view table, int64_t before_ms);

}  // namespace metrify::store
