// Offsets from librdkafka's statistics JSON (queue/consumer_offsets.h).
#include "queue/consumer_offsets.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

namespace metrify::queue {

namespace {

namespace dom = simdjson::dom;

// A member that is missing or not an integer reads as unknown.
int64_t OffsetMember(dom::object partition, std::string_view name) {
  int64_t value = -1;
  if (partition[name].get_int64().get(value)) return -1;
  return value;
}

}  // namespace

Result<std::map<TopicPartition, PartitionOffsets>> ParseConsumerOffsets(std::string_view json) {
  thread_local dom::parser parser;
  dom::object topics;
  if (parser.parse(json.data(), json.size())["topics"].get_object().get(topics)) {
    return Status::InvalidArgument("Kafka statistics: no 'topics' object");
  }
  std::map<TopicPartition, PartitionOffsets> offsets;
  for (dom::key_value_pair topic : topics) {
    dom::object partitions;
    if (topic.value["partitions"].get_object().get(partitions)) continue;
    for (dom::key_value_pair entry : partitions) {
      int32_t partition = -1;
      auto [end, error] =
          std::from_chars(entry.key.data(), entry.key.data() + entry.key.size(), partition);
      if (error != std::errc() || end != entry.key.data() + entry.key.size() || partition < 0) {
        continue;  // "-1": messages not yet given a partition
      }
      dom::object fields;
      if (entry.value.get_object().get(fields)) continue;
      offsets[{std::string(topic.key), partition}] = {
          .lo = OffsetMember(fields, "lo_offset"),
          .hi = OffsetMember(fields, "hi_offset"),
          .app = OffsetMember(fields, "app_offset"),
          .committed = OffsetMember(fields, "committed_offset"),
      };
    }
  }
  return offsets;
}

int64_t LagOf(const PartitionOffsets& offsets, int64_t position) {
  if (offsets.hi < 0) return -1;
  int64_t next = position >= 0            ? position
                 : offsets.app >= 0       ? offsets.app
                 : offsets.committed >= 0 ? offsets.committed
                                          : offsets.lo;
  if (next < 0) return -1;
  // The watermark may be older than the position (it comes with fetches).
  return std::max<int64_t>(0, offsets.hi - next);
}

}  // namespace metrify::queue
