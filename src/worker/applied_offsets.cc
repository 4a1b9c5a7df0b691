#include "worker/applied_offsets.h"

#include <string>

namespace metrify::worker {

Result<NextOffsets> LockAppliedOffsets(store::PgConnection& db, std::string_view group,
                                       const std::set<queue::TopicPartition>& partitions) {
  NextOffsets next;
  for (const queue::TopicPartition& tp : partitions) {  // std::set: ascending
    // DO UPDATE (to itself) rather than DO NOTHING: it locks an existing row
    // and returns it in the same round trip.
    METRIFY_ASSIGN_OR_RETURN(
        store::PgRows rows,
        db.Query("INSERT INTO ingest_offsets (consumer_group, topic, kafka_partition, next_offset) "
                 "VALUES ($1, $2, $3, 0) ON CONFLICT (consumer_group, topic, kafka_partition) "
                 "DO UPDATE SET next_offset = ingest_offsets.next_offset RETURNING next_offset",
                 {std::string(group), tp.topic, std::to_string(tp.partition)}));
    next[tp] = rows.Int(0, 0);
  }
  return next;
}

Status RecordAppliedOffsets(store::PgConnection& db, std::string_view group,
                            const NextOffsets& next) {
  for (const auto& [tp, offset] : next) {
    METRIFY_RETURN_IF_ERROR(
        db.Query(
              "UPDATE ingest_offsets SET next_offset = $4, updated_at = now() "
              "WHERE consumer_group = $1 AND topic = $2 AND kafka_partition = $3 "
              "AND next_offset < $4",
              {std::string(group), tp.topic, std::to_string(tp.partition), std::to_string(offset)})
            .status());
  }
  return Status::Ok();
}

}  // namespace metrify::worker
