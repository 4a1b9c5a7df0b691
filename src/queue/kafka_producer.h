// KafkaProducer: puts messages on Kafka and says, per call, whether the
// cluster acknowledged every one of them (scaled mode's ingest path: a
// request is answered only after its samples are on the queue).
//
// The producer is idempotent (enable.idempotence=true, acks=all): retries
// inside librdkafka never duplicate or reorder a partition's messages. It
// partitions with librdkafka's `consistent_random` partitioner (CRC32 of
// the key; random for messages without key), so one key always lands on one
// partition while the partition count stays the same. Note that Java
// clients hash keys with murmur2: a Java producer on the same topics would
// place keys elsewhere.
//
// Lifecycle: Create() makes the client and one thread that serves its
// delivery reports; no connection is made until the first message, so
// Create() succeeds while the cluster is down. The destructor waits for
// messages still in flight (at most delivery_timeout) and stops the thread.
//
// Thread safety: ProduceAll() and stats() may be called from many threads at
// once; each ProduceAll() waits only for its own messages. Destroy the
// producer only when no call is running.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "queue/kafka_config.h"
#include "queue/kafka_message.h"

namespace metrify::queue {

struct KafkaProducerOptions {
  // Comma-separated host:port of some brokers (bootstrap.servers). Required.
  std::string brokers{};
  // Names this client in the brokers' logs and quotas (client.id).
  std::string client_id = "metrify";
  // How long a message may take from ProduceAll() to its acknowledgement,
  // retries included (message.timeout.ms; also request.timeout.ms, so a
  // broker that accepts but never answers is given up on as quickly). Longer
  // rides out broker restarts; shorter answers ingest requests sooner.
  std::chrono::milliseconds delivery_timeout{10000};
  // How long librdkafka waits to fill a batch (linger.ms). Larger batches
  // cost latency on every call; 5 ms keeps calls fast and batches full
  // under load.
  std::chrono::milliseconds linger{5};
  // More librdkafka settings (security.protocol, sasl.*, compression.type,
  // ...), applied after kKafkaClientDefaults (kafka_config.h) and before
  // the ones above, which win: idempotence, acks, partitioner and the
  // timeouts cannot be changed here.
  std::vector<KafkaSetting> settings{};
};

struct KafkaProducerStats {
  uint64_t delivered = 0;  // messages acknowledged by the cluster
  uint64_t failed = 0;     // messages whose delivery failed or timed out
};

class KafkaProducer {
 public:
  // Makes the producer and starts its delivery-report thread. Errors:
  // InvalidArgument for empty brokers, a timeout that is not positive, or a
  // setting librdkafka refuses (kafka_config.h: named, secrets not shown).
  static Result<std::unique_ptr<KafkaProducer>> Create(const KafkaProducerOptions& options);
  // Waits for messages in flight (at most delivery_timeout), stops the
  // thread and closes the connections.
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Produces every message of `messages` (copied; the span may die on
  // return) and blocks until each has its delivery report. OK only when the
  // cluster acknowledged all of them (acks=all: every in-sync replica has
  // it). Errors (a failure of any message fails the call; others of the same
  // call may have been delivered, so a retry can duplicate them: consumers
  // are idempotent):
  //   - Unavailable: not acknowledged within delivery_timeout, or the
  //     cluster refused for now (no leader, not enough replicas); names the
  //     first broker of `brokers` and librdkafka's reason.
  //   - ResourceExhausted: librdkafka's local queue is full (back-pressure).
  //   - InvalidArgument: a topic the cluster does not have (librdkafka
  //     believes that after min(1 s, delivery_timeout / 2) of metadata
  //     saying so), a message larger than message.max.bytes (1 MB).
  //   - Internal: anything else, including a fatal producer error (then
  //     every later call fails too; recreate the producer).
  // An empty span is OK at once.
  Status ProduceAll(std::span<const KafkaMessage> messages);

  // Counts since Create().
  KafkaProducerStats stats() const;

 private:
  struct Pending;  // one ProduceAll() call's messages still without a report

  explicit KafkaProducer(const KafkaProducerOptions& options);
  // Librdkafka's delivery-report callback; runs on the poll thread.
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  // Hands one message to librdkafka. Errors as ProduceAll().
  Status Enqueue(const KafkaMessage& message, Pending* pending);
  // The error of a call some of whose messages failed.
  Status DeliveryError(const Pending& pending, size_t total) const;
  // Internal when the producer has failed fatally; OK otherwise.
  Status FatalError() const;
  void ServeDeliveryReports();

  std::string first_broker_;  // for messages: the cluster named by its first broker
  std::chrono::milliseconds delivery_timeout_;
  rd_kafka_t* rk_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
};

}  // namespace metrify::queue
