// KafkaConsumer: one member of a Kafka consumer group (scaled mode's
// workers): it owns some partitions of its topics, hands out their messages
// in batches and commits what the caller has processed.
//
// Delivery is at least once: offsets are committed only by Commit(), after
// the caller has stored the messages, so a crash or a rebalance redelivers
// what was not committed (consumers are idempotent). A new group starts at
// the earliest message (auto.offset.reset=earliest). Partitions are shared
// among the members by librdkafka's default eager protocol (range, then
// roundrobin assignors): on a rebalance every member gives up all its
// partitions and gets a new share.
//
// Thread safety: PollBatch(), Commit() and Close() belong to one thread
// (librdkafka runs the rebalance callback inside them). Assignment() and
// Lag() may be called from any thread, also concurrently with those.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "queue/consumer_offsets.h"
#include "queue/kafka_config.h"
#include "queue/kafka_message.h"

namespace metrify::queue {

// How far a member is behind on one partition it owns.
struct PartitionLag {
  TopicPartition tp{};
  // High watermark minus the next offset to read; -1 while not known (just
  // assigned, before the first fetch answer).
  int64_t lag = 0;
};

struct KafkaConsumerOptions {
  std::string brokers{};   // comma-separated host:port (bootstrap.servers); required
  std::string group_id{};  // the consumer group (group.id); required
  std::string client_id = "metrify";
  std::vector<std::string> topics{};  // subscribed at Create(); at least one
  // How long the group waits for a silent member before giving its
  // partitions to others (session.timeout.ms). Shorter moves partitions of
  // a crashed worker sooner; too short expels members that pause (GC, slow
  // disks). Heartbeats go every tenth of it (at least 100 ms).
  std::chrono::milliseconds session_timeout{10000};
  // More librdkafka settings (security.protocol, sasl.*, fetch sizes, ...),
  // applied after kKafkaClientDefaults (kafka_config.h) and before the ones
  // above, which win: auto commit stays off.
  std::vector<KafkaSetting> settings{};
};

class KafkaConsumer {
 public:
  // Makes the member (enable.auto.commit=false, auto.offset.reset=earliest)
  // and subscribes it to `topics`; it joins the group in the background,
  // during PollBatch(). Errors: InvalidArgument for missing brokers, group
  // or topics, a timeout that is not positive, or a setting librdkafka
  // refuses; Internal when subscribing fails.
  static Result<std::unique_ptr<KafkaConsumer>> Create(const KafkaConsumerOptions& options);
  // Close()s (leaving the group) and frees the client.
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Waits up to `timeout` for a first message, then adds what is already
  // fetched, up to `max_messages`, without waiting again. Empty when nothing
  // came in time. Messages of partitions revoked by a rebalance during the
  // call are left out (their new owner gets them). Broker errors and
  // partition ends are logged, not returned. Errors: Internal for a fatal
  // consumer error (the member is unusable; recreate it), Conflict after
  // Close().
  // The batch also ends once its values hold `max_bytes` or more (a message
  // may carry one reading or thousands).
  Result<std::vector<ConsumedMessage>> PollBatch(size_t max_messages,
                                                 std::chrono::milliseconds timeout,
                                                 size_t max_bytes = SIZE_MAX);

  // Commits synchronously, for each partition in `messages`, the offset
  // after its highest message; the group resumes there after a restart or
  // rebalance. Returns once the coordinator has stored it. OK for an empty
  // span. Errors: Conflict when the group has moved on (the partition went
  // to another member, which will see the messages again), Unavailable when
  // the coordinator cannot be reached, Internal otherwise, and Conflict
  // after Close().
  Status Commit(std::span<const ConsumedMessage> messages);
  // Commits `next` (the offset to resume from, per partition) as given.
  Status CommitOffsets(const std::map<TopicPartition, int64_t>& next);

  // The partitions this member owns now, sorted; empty before the first
  // assignment and after Close().
  std::vector<TopicPartition> Assignment() const;

  // Lag per owned partition (sorted as Assignment()), from what librdkafka
  // has cached: watermarks of the last fetches, this member's position and
  // the group's committed offsets from statistics refreshed every second
  // while PollBatch() is called; approximate. One round trip to the group
  // coordinator (at most 2 s) only for partitions with neither a position
  // nor a committed offset known yet.
  std::vector<PartitionLag> Lag() const;

  // Leaves the group cleanly (rd_kafka_consumer_close): its partitions go
  // to the other members at once instead of after session_timeout.
  // Uncommitted messages are redelivered to them. Safe to call twice (the
  // second call does nothing and returns OK). Errors: librdkafka's, mapped
  // as kafka_status.h.
  Status Close();

 private:
  explicit KafkaConsumer(std::string group_id) : group_id_(std::move(group_id)) {}

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static int OnStatistics(rd_kafka_t* rk, char* json, size_t size, void* opaque);
  Status Subscribe(const std::vector<std::string>& topics);
  // Adds one polled event to `batch`: a message, or nothing for a
  // non-fatal event. Errors: Internal for a fatal error.
  Status Take(rd_kafka_message_t* message, std::vector<ConsumedMessage>* batch);
  // Internal when the member has failed fatally; OK otherwise.
  Status FatalError() const;
  // Removes from `batch` messages of partitions revoked since the last
  // call.
  void DropRevoked(std::vector<ConsumedMessage>* batch);
  // Fills in the committed offsets of the partitions of `positions` that
  // have no position and no offset in `cached` yet (Lag()).
  void AskCommitted(const rd_kafka_topic_partition_list_t& positions,
                    std::map<TopicPartition, PartitionOffsets>* cached) const;

  const std::string group_id_;
  rd_kafka_t* rk_ = nullptr;
  bool closed_ = false;
  // Partitions revoked by the rebalance callback, for DropRevoked(). Only
  // the polling thread touches it.
  std::vector<TopicPartition> revoked_;
  mutable std::mutex offsets_mu_;
  std::map<TopicPartition, PartitionOffsets> offsets_;  // from the latest statistics
};

}  // namespace metrify::queue
