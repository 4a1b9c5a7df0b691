// A consumer-group member (queue/kafka_consumer.h).
//
// librdkafka's main queue (statistics, errors, rebalances) is forwarded to
// the consumer queue, so every callback runs inside rd_kafka_consumer_poll()
// or rd_kafka_consumer_close() on the caller's thread: no locking is needed
// for the rebalance state, only for the statistics that Lag() reads.
#include "queue/kafka_consumer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "obs/log.h"
#include "queue/kafka_status.h"

namespace metrify::queue {

namespace {

// How often librdkafka refreshes the statistics Lag() reads.
constexpr const char* kStatisticsIntervalMs = "1000";

struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

std::vector<TopicPartition> ToVector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  std::sort(out.begin(), out.end());
  return out;
}

Status CheckOptions(const KafkaConsumerOptions& options) {
  if (options.brokers.empty()) return Status::InvalidArgument("Kafka consumer: no brokers given");
  if (options.group_id.empty()) return Status::InvalidArgument("Kafka consumer: no group_id given");
  if (options.topics.empty()) return Status::InvalidArgument("Kafka consumer: no topics given");
  if (options.session_timeout.count() <= 0) {
    return Status::InvalidArgument("Kafka consumer: session_timeout must be positive");
  }
  return Status::Ok();
}

// Ours come after the caller's extra settings, so they win.
std::vector<KafkaSetting> ConsumerSettings(const KafkaConsumerOptions& options) {
  int64_t session_ms = options.session_timeout.count();
  return {
      {"bootstrap.servers", options.brokers},
      {"group.id", options.group_id},
      {"client.id", options.client_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"session.timeout.ms", std::to_string(session_ms)},
      {"heartbeat.interval.ms", std::to_string(std::max<int64_t>(100, session_ms / 10))},
      {"statistics.interval.ms", kStatisticsIntervalMs},
      // How long a broker may hold a fetch of partitions with nothing new.
      // Kafka answers as soon as data arrives; the test broker (librdkafka's
      // mock cluster) only when the time is up, so librdkafka's 500 ms left
      // messages waiting there while the worker idled. On a real cluster
      // 100 ms costs at most ten empty fetches a second per broker.
      {"fetch.wait.max.ms", "100"},
  };
}

bool Cooperative(rd_kafka_t* rk) {
  return std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
}

// Logs an error object from the incremental (un)assign calls and frees it.
void LogIfError(rd_kafka_error_t* error, std::string_view what) {
  if (error == nullptr) return;
  obs::LogError("kafka consumer rebalance failed",
                {{"step", what}, {"detail", rd_kafka_error_string(error)}});
  rd_kafka_error_destroy(error);
}

void LogIfError(rd_kafka_resp_err_t err, std::string_view what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  obs::LogError("kafka consumer rebalance failed",
                {{"step", what}, {"detail", rd_kafka_err2str(err)}});
}

ConsumedMessage ToConsumed(const rd_kafka_message_t& message) {
  ConsumedMessage out;
  out.topic = rd_kafka_topic_name(message.rkt);
  out.partition = message.partition;
  out.offset = message.offset;
  if (message.key != nullptr)
    out.key.assign(static_cast<const char*>(message.key), message.key_len);
  if (message.payload != nullptr) {
    out.value.assign(static_cast<const char*>(message.payload), message.len);
  }
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    // A header may have a null value; it reads as empty.
    out.headers.push_back(
        {name, value ? std::string(static_cast<const char*>(value), size) : std::string()});
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Create(const KafkaConsumerOptions& options) {
  METRIFY_RETURN_IF_ERROR(CheckOptions(options));
  METRIFY_ASSIGN_OR_RETURN(KafkaConf conf, BuildKafkaConf(kKafkaClientDefaults));
  METRIFY_RETURN_IF_ERROR(ApplyKafkaSettings(conf.get(), options.settings));
  METRIFY_RETURN_IF_ERROR(ApplyKafkaSettings(conf.get(), ConsumerSettings(options)));
  std::unique_ptr<KafkaConsumer> consumer(new KafkaConsumer(options.group_id));
  rd_kafka_conf_set_opaque(conf.get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaConsumer::OnRebalance);
  rd_kafka_conf_set_stats_cb(conf.get(), &KafkaConsumer::OnStatistics);
  char reason[512] = "";
  consumer->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), reason, sizeof reason);
  if (consumer->rk_ == nullptr) {
    return Status::InvalidArgument(fmt::format("Kafka consumer: {}", reason));
  }
  conf.release();  // rd_kafka_new() owns it now
  rd_kafka_poll_set_consumer(consumer->rk_);
  METRIFY_RETURN_IF_ERROR(consumer->Subscribe(options.topics));
  return consumer;
}

KafkaConsumer::~KafkaConsumer() {
  if (rk_ == nullptr) return;
  Status closed = Close();
  if (!closed.ok()) {
    obs::LogWarn("kafka consumer did not leave its group cleanly",
                 {{"group", group_id_}, {"detail", closed.message()}});
  }
  rd_kafka_destroy(rk_);
}

Status KafkaConsumer::Subscribe(const std::vector<std::string>& topics) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& topic : topics) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list.get());
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Status::Internal(
      fmt::format("Kafka consumer: cannot subscribe to its topics: {}", rd_kafka_err2str(err)));
}

void KafkaConsumer::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  bool cooperative = Cooperative(rk);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      LogIfError(rd_kafka_incremental_assign(rk, partitions), "incremental assign");
    } else {
      LogIfError(rd_kafka_assign(rk, partitions), "assign");
    }
    return;
  }
  // Revoked (or an error, which leaves the member owning nothing): the
  // batch being collected must not keep messages of these partitions.
  std::vector<TopicPartition> revoked = ToVector(partitions);
  self->revoked_.insert(self->revoked_.end(), revoked.begin(), revoked.end());
  if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    obs::LogWarn("kafka consumer rebalance error",
                 {{"group", self->group_id_}, {"detail", rd_kafka_err2str(err)}});
  }
  if (cooperative) {
    LogIfError(rd_kafka_incremental_unassign(rk, partitions), "incremental unassign");
  } else {
    LogIfError(rd_kafka_assign(rk, nullptr), "unassign");
  }
}

int KafkaConsumer::OnStatistics(rd_kafka_t* /*rk*/, char* json, size_t size, void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  Result<std::map<TopicPartition, PartitionOffsets>> offsets =
      ParseConsumerOffsets(std::string_view(json, size));
  if (offsets.has_value()) {
    std::lock_guard lock(self->offsets_mu_);
    self->offsets_ = std::move(offsets).value();
  }
  return 0;  // librdkafka frees `json`
}

Result<std::vector<ConsumedMessage>> KafkaConsumer::PollBatch(size_t max_messages,
                                                              std::chrono::milliseconds timeout,
                                                              size_t max_bytes) {
  if (closed_) return Status::Conflict("Kafka consumer: polled after Close()");
  // The fatal event may have gone to the error callback instead.
  METRIFY_RETURN_IF_ERROR(FatalError());
  std::vector<ConsumedMessage> batch;
  if (max_messages == 0) return batch;
  revoked_.clear();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Events (errors, rebalances) also end a poll; keep waiting for a message
  // until the deadline.
  while (batch.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) break;
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk_, static_cast<int>(left.count()));
    DropRevoked(&batch);
    if (message != nullptr) METRIFY_RETURN_IF_ERROR(Take(message, &batch));
    if (left.count() == 0) break;
  }
  size_t bytes = 0;
  for (const ConsumedMessage& m : batch) bytes += m.value.size();
  while (!batch.empty() && batch.size() < max_messages && bytes < max_bytes) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk_, 0);
    DropRevoked(&batch);
    if (message == nullptr) break;
    const size_t before = batch.size();
    METRIFY_RETURN_IF_ERROR(Take(message, &batch));
    if (batch.size() > before) bytes += batch.back().value.size();
  }
  return batch;
}

Status KafkaConsumer::FatalError() const {
  char reason[512] = "";
  rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk_, reason, sizeof reason);
  if (fatal == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Status::Internal(
      fmt::format("Kafka consumer of group {} failed fatally and must be recreated: {} ({})",
                  group_id_, reason, rd_kafka_err2name(fatal)));
}

Status KafkaConsumer::Take(rd_kafka_message_t* raw, std::vector<ConsumedMessage>* batch) {
  MessagePtr message(raw);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    batch->push_back(ToConsumed(*message));
    return Status::Ok();
  }
  if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return Status::Ok();
  if (message->err == RD_KAFKA_RESP_ERR__FATAL) return FatalError();
  // Broker down, unknown topic, ...: librdkafka retries by itself.
  obs::LogWarn("kafka consumer event", {{"group", group_id_},
                                        {"error", rd_kafka_err2name(message->err)},
                                        {"detail", rd_kafka_message_errstr(message.get())}});
  return Status::Ok();
}

void KafkaConsumer::DropRevoked(std::vector<ConsumedMessage>* batch) {
  if (revoked_.empty()) return;
  std::sort(revoked_.begin(), revoked_.end());
  std::erase_if(*batch, [&](const ConsumedMessage& m) {
    return std::binary_search(revoked_.begin(), revoked_.end(),
                              TopicPartition{m.topic, m.partition});
  });
  revoked_.clear();
}

Status KafkaConsumer::Commit(std::span<const ConsumedMessage> messages) {
  if (closed_) return Status::Conflict("Kafka consumer: commit after Close()");
  return CommitOffsets(NextOffsetsOf(messages));
}

Status KafkaConsumer::CommitOffsets(const std::map<TopicPartition, int64_t>& next) {
  if (closed_) return Status::Conflict("Kafka consumer: commit after Close()");
  if (next.empty()) return Status::Ok();
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
  for (const auto& [tp, offset] : next) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list.get(), /*async=*/0);
  // The call's error covers the request; each partition has its own.
  for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) err = list->elems[i].err;
  return KafkaStatus(err, fmt::format("Kafka commit for group {}", group_id_));
}

std::vector<TopicPartition> KafkaConsumer::Assignment() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  PartitionList list(raw);
  return ToVector(list.get());
}

void KafkaConsumer::AskCommitted(const rd_kafka_topic_partition_list_t& positions,
                                 std::map<TopicPartition, PartitionOffsets>* cached) const {
  // A partition this member has taken nothing from has no position, and
  // its committed offset is known only once the statistics have come
  // (statistics.interval.ms): until then ask the group coordinator, or the
  // lag would count from the oldest offset kept.
  PartitionList ask(rd_kafka_topic_partition_list_new(positions.cnt));
  for (int i = 0; i < positions.cnt; ++i) {
    const rd_kafka_topic_partition_t& element = positions.elems[i];
    const PartitionOffsets& known = (*cached)[{element.topic, element.partition}];
    if (element.offset < 0 && known.app < 0 && known.committed < 0) {
      rd_kafka_topic_partition_list_add(ask.get(), element.topic, element.partition);
    }
  }
  if (ask->cnt == 0 || rd_kafka_committed(rk_, ask.get(), 2000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  for (int i = 0; i < ask->cnt; ++i) {
    const rd_kafka_topic_partition_t& element = ask->elems[i];
    if (element.err == RD_KAFKA_RESP_ERR_NO_ERROR && element.offset >= 0) {
      (*cached)[{element.topic, element.partition}].committed = element.offset;
    }
  }
}

std::vector<PartitionLag> KafkaConsumer::Lag() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  PartitionList list(raw);
  rd_kafka_position(rk_, list.get());  // each element's offset: this member's position
  std::map<TopicPartition, PartitionOffsets> cached;
  {
    std::lock_guard lock(offsets_mu_);
    cached = offsets_;
  }
  AskCommitted(*list, &cached);
  std::vector<PartitionLag> lags;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& element = list->elems[i];
    TopicPartition tp{element.topic, element.partition};
    PartitionOffsets offsets = cached[tp];
    int64_t lo = -1;
    int64_t hi = -1;
    // Fresher than the statistics: updated by every fetch answer.
    if (rd_kafka_get_watermark_offsets(rk_, element.topic, element.partition, &lo, &hi) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        hi >= 0) {
      offsets.hi = hi;
      if (lo >= 0) offsets.lo = lo;
    }
    lags.push_back({tp, LagOf(offsets, element.err ? -1 : element.offset)});
  }
  std::sort(lags.begin(), lags.end(),
            [](const PartitionLag& a, const PartitionLag& b) { return a.tp < b.tp; });
  return lags;
}

Status KafkaConsumer::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_);
  return KafkaStatus(err, fmt::format("Kafka consumer of group {}: leaving the group", group_id_));
}

}  // namespace metrify::queue
