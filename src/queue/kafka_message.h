// The messages scaled mode moves through Kafka, as the producer takes them
// and the consumer hands them out (queue/kafka_producer.h,
// queue/kafka_consumer.h). Plain values; the envelope inside `value` is in
// queue/envelope.h.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace metrify::queue {

// A Kafka record header. Names may repeat; order is kept.
struct KafkaHeader {
  std::string name{};
  std::string value{};
  bool operator==(const KafkaHeader&) const = default;
};

// A message to produce. `key` picks the partition (the entity id, so one
// entity's messages stay on one partition, in order); an empty key means no
// key, and the partition is chosen at random.
struct KafkaMessage {
  std::string topic{};
  std::string key{};
  std::string value{};
  std::vector<KafkaHeader> headers{};
};

struct TopicPartition {
  std::string topic{};
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// A message as consumed, with where it came from.
struct ConsumedMessage {
  std::string topic{};
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key{};  // empty when the message had none
  std::string value{};
  std::vector<KafkaHeader> headers{};
};

// Where each partition of `messages` resumes after them: its greatest
// offset + 1 (what a consumer commits).
inline std::map<TopicPartition, int64_t> NextOffsetsOf(std::span<const ConsumedMessage> messages) {
  std::map<TopicPartition, int64_t> next;
  for (const ConsumedMessage& m : messages) {
    int64_t& offset = next[{m.topic, m.partition}];
    offset = std::max(offset, m.offset + 1);
  }
  return next;
}

}  // namespace metrify::queue
