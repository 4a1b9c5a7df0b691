// The Kafka offsets an ingest consumer group has applied to PostgreSQL,
// kept in table ingest_offsets (pg_migrations.cc v5) and written in the
// same transaction as the rows the messages carried. They make redelivery
// harmless: Kafka's own commit comes after the database's, so a worker
// killed between the two gets its batch again, and the messages below the
// applied offset are skipped instead of applied twice. The row lock taken
// here also fences a worker that still thinks it owns a partition after a
// rebalance: it waits for the new owner's transaction, then sees its
// offsets.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string_view>

#include "common/result.h"
#include "queue/kafka_message.h"
#include "store/postgres/pg_connection.h"

namespace metrify::worker {

// Per partition, the offset of the first message not yet applied.
using NextOffsets = std::map<queue::TopicPartition, int64_t>;

// Locks the rows of `partitions` until the transaction ends (making them,
// at 0, when new) and returns each one's next offset. Rows are locked in
// ascending order, so two workers never deadlock. REQUIRES: inside a
// transaction. Errors: the database's.
Result<NextOffsets> LockAppliedOffsets(store::PgConnection& db, std::string_view group,
                                       const std::set<queue::TopicPartition>& partitions);

// Moves the applied offsets of `next`'s partitions forward. REQUIRES: in
// the transaction that locked them. Errors: the database's.
Status RecordAppliedOffsets(store::PgConnection& db, std::string_view group,
                            const NextOffsets& next);

}  // namespace metrify::worker
