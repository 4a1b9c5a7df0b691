// ConsumerOffsets: what a consumer knows about its partitions' offsets
// without asking the cluster, read from librdkafka's statistics JSON
// (statistics.interval.ms; STATISTICS.md in librdkafka): the watermarks of
// the last fetch, the position handed to the application and the offset
// committed for the group, which librdkafka fetched when the partition was
// assigned. KafkaConsumer::Lag() is computed from them.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>

#include "common/result.h"
#include "queue/kafka_message.h"

namespace metrify::queue {

// librdkafka writes -1 (or -1001, RD_KAFKA_OFFSET_INVALID) for "not known".
struct PartitionOffsets {
  int64_t lo = -1;         // oldest offset the broker still has
  int64_t hi = -1;         // high watermark: the offset the next message will get
  int64_t app = -1;        // offset after the last message given to the application
  int64_t committed = -1;  // the group's committed offset
};

// Offsets per partition from one statistics document (the pseudo-partition
// -1 that librdkafka reports for unassigned messages is left out).
// Errors: InvalidArgument when `json` is not a statistics document.
Result<std::map<TopicPartition, PartitionOffsets>> ParseConsumerOffsets(std::string_view json);

// The lag of a partition: hi minus the next offset to read, which is the
// position (`position`, else offsets.app), else the committed offset, else
// lo (nothing committed: the group starts at the earliest message). -1 when
// hi or all of those are unknown; never below 0.
int64_t LagOf(const PartitionOffsets& offsets, int64_t position);

}  // namespace metrify::queue
