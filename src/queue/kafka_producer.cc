// The idempotent Kafka producer (queue/kafka_producer.h).
//
// Each ProduceAll() call owns a Pending record on its stack; every message
// it enqueues carries a pointer to it (the per-message opaque), and the
// delivery-report thread counts the reports down. The call returns only when
// the count reaches zero: librdkafka guarantees one report per enqueued
// message (success, failure or message.timeout.ms), so the wait is bounded
// and the record outlives every report that names it.
#include "queue/kafka_producer.h"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "queue/kafka_status.h"

namespace metrify::queue {

struct KafkaProducer::Pending {
  std::mutex mu;
  std::condition_variable done;
  size_t outstanding = 0;  // messages without a delivery report yet
  size_t failed = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string first_failed_topic;
};

namespace {

// The poll thread's wait per round: reports wake it at once, so this only
// bounds how long stopping takes.
constexpr int kPollMillis = 100;

std::string FirstBroker(const std::string& brokers) { return brokers.substr(0, brokers.find(',')); }

Status CheckOptions(const KafkaProducerOptions& options) {
  if (options.brokers.empty()) return Status::InvalidArgument("Kafka producer: no brokers given");
  if (options.delivery_timeout.count() <= 0) {
    return Status::InvalidArgument("Kafka producer: delivery_timeout must be positive");
  }
  if (options.linger.count() < 0 || options.linger >= options.delivery_timeout) {
    return Status::InvalidArgument(
        "Kafka producer: linger must be at least 0 and shorter than delivery_timeout");
  }
  return Status::Ok();
}

std::chrono::milliseconds PropagationWait(const KafkaProducerOptions& options) {
  return std::min(std::chrono::milliseconds(1000), options.delivery_timeout / 2);
}

// Ours come after the caller's extra settings, so they win.
std::vector<KafkaSetting> ProducerSettings(const KafkaProducerOptions& options) {
  std::string timeout = std::to_string(options.delivery_timeout.count());
  return {
      {"bootstrap.servers", options.brokers},
      {"client.id", options.client_id},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "consistent_random"},
      // Topics are made by operations with their partition counts; a typo
      // must fail, not create a one-partition topic.
      {"allow.auto.create.topics", "false"},
      {"message.timeout.ms", timeout},
      {"request.timeout.ms", timeout},
      // librdkafka waits this long (30 s by default) before it believes a
      // topic does not exist, in case it was only just made. Ours are made
      // long before; a shorter wait lets a wrong topic fail as such
      // (InvalidArgument) instead of timing out as Unavailable.
      {"topic.metadata.propagation.max.ms", std::to_string(PropagationWait(options).count())},
      {"linger.ms", std::to_string(options.linger.count())},
  };
}

rd_kafka_vu_t Vu(rd_kafka_vtype_t type) {
  rd_kafka_vu_t vu{};
  vu.vtype = type;
  return vu;
}

rd_kafka_vu_t Bytes(rd_kafka_vtype_t type, const std::string& bytes) {
  rd_kafka_vu_t vu = Vu(type);
  vu.u.mem.ptr = const_cast<char*>(bytes.data());  // copied: RD_KAFKA_MSG_F_COPY
  vu.u.mem.size = bytes.size();
  return vu;
}

}  // namespace

KafkaProducer::KafkaProducer(const KafkaProducerOptions& options)
    : first_broker_(FirstBroker(options.brokers)), delivery_timeout_(options.delivery_timeout) {}

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(const KafkaProducerOptions& options) {
  METRIFY_RETURN_IF_ERROR(CheckOptions(options));
  METRIFY_ASSIGN_OR_RETURN(KafkaConf conf, BuildKafkaConf(kKafkaClientDefaults));
  METRIFY_RETURN_IF_ERROR(ApplyKafkaSettings(conf.get(), options.settings));
  METRIFY_RETURN_IF_ERROR(ApplyKafkaSettings(conf.get(), ProducerSettings(options)));
  std::unique_ptr<KafkaProducer> producer(new KafkaProducer(options));
  rd_kafka_conf_set_opaque(conf.get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::OnDelivery);
  char reason[512] = "";
  producer->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), reason, sizeof reason);
  if (producer->rk_ == nullptr) {
    return Status::InvalidArgument(fmt::format("Kafka producer: {}", reason));
  }
  conf.release();  // rd_kafka_new() owns it now
  producer->poller_ = std::thread([p = producer.get()] { p->ServeDeliveryReports(); });
  return producer;
}

KafkaProducer::~KafkaProducer() {
  if (rk_ == nullptr) return;
  stopping_ = true;
  poller_.join();
  // flush() serves the remaining delivery reports itself.
  rd_kafka_flush(rk_, static_cast<int>(delivery_timeout_.count()));
  rd_kafka_destroy(rk_);
}

void KafkaProducer::ServeDeliveryReports() {
  while (!stopping_.load(std::memory_order_relaxed)) rd_kafka_poll(rk_, kPollMillis);
}

void KafkaProducer::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message,
                               void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  (message->err ? self->failed_ : self->delivered_).fetch_add(1, std::memory_order_relaxed);
  auto* pending = static_cast<Pending*>(message->_private);
  // Notify while holding the lock: once the waiter sees zero it returns and
  // destroys `pending`, condition variable included.
  std::lock_guard lock(pending->mu);
  if (message->err && pending->failed++ == 0) {
    pending->first_error = message->err;
    pending->first_failed_topic = rd_kafka_topic_name(message->rkt);
  }
  if (--pending->outstanding == 0) pending->done.notify_one();
}

Status KafkaProducer::ProduceAll(std::span<const KafkaMessage> messages) {
  if (messages.empty()) return Status::Ok();
  METRIFY_RETURN_IF_ERROR(FatalError());
  Pending pending;
  pending.outstanding = messages.size();  // counted up front: reports may come at once
  Status refused;
  for (size_t i = 0; i < messages.size() && refused.ok(); ++i) {
    refused = Enqueue(messages[i], &pending);
    if (!refused.ok()) {
      std::lock_guard lock(pending.mu);
      pending.outstanding -= messages.size() - i;  // never enqueued: no report will come
    }
  }
  std::unique_lock lock(pending.mu);
  pending.done.wait(lock, [&] { return pending.outstanding == 0; });
  if (!refused.ok()) return refused;
  if (pending.failed > 0) return DeliveryError(pending, messages.size());
  return Status::Ok();
}

Status KafkaProducer::Enqueue(const KafkaMessage& message, Pending* pending) {
  std::vector<rd_kafka_vu_t> vus;
  vus.reserve(5 + message.headers.size());
  vus.push_back(Vu(RD_KAFKA_VTYPE_TOPIC));
  vus.back().u.cstr = message.topic.c_str();
  if (!message.key.empty()) vus.push_back(Bytes(RD_KAFKA_VTYPE_KEY, message.key));
  vus.push_back(Bytes(RD_KAFKA_VTYPE_VALUE, message.value));
  vus.push_back(Vu(RD_KAFKA_VTYPE_MSGFLAGS));
  vus.back().u.i = RD_KAFKA_MSG_F_COPY;
  vus.push_back(Vu(RD_KAFKA_VTYPE_OPAQUE));
  vus.back().u.ptr = pending;
  for (const KafkaHeader& header : message.headers) {
    // Single headers (not a header list): librdkafka builds the list and
    // frees it itself when the message is refused.
    vus.push_back(Vu(RD_KAFKA_VTYPE_HEADER));
    vus.back().u.header = {header.name.c_str(), header.value.data(),
                           static_cast<ssize_t>(header.value.size())};
  }
  rd_kafka_error_t* error = rd_kafka_produceva(rk_, vus.data(), vus.size());
  if (error == nullptr) return Status::Ok();
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  std::string text = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return Status(KafkaStatusCode(code), fmt::format("Kafka at {}: cannot queue a message for {}: {}",
                                                   first_broker_, message.topic, text));
}

Status KafkaProducer::DeliveryError(const Pending& pending, size_t total) const {
  if (pending.first_error == RD_KAFKA_RESP_ERR__FATAL) return FatalError();
  std::string what = pending.first_error == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT
                         ? fmt::format("not acknowledged within {} ms", delivery_timeout_.count())
                         : std::string("not delivered");
  return Status(KafkaStatusCode(pending.first_error),
                fmt::format("Kafka at {}: {} of {} messages {} (first to {}): {}", first_broker_,
                            pending.failed, total, what, pending.first_failed_topic,
                            rd_kafka_err2str(pending.first_error)));
}

Status KafkaProducer::FatalError() const {
  char reason[512] = "";
  rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk_, reason, sizeof reason);
  if (fatal == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Status::Internal(
      fmt::format("Kafka producer failed fatally and must be recreated: {} ({})", reason,
                  rd_kafka_err2name(fatal)));
}

KafkaProducerStats KafkaProducer::stats() const {
  return {.delivered = delivered_.load(std::memory_order_relaxed),
          .failed = failed_.load(std::memory_order_relaxed)};
}

}  // namespace metrify::queue
