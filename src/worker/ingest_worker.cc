#include "worker/ingest_worker.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "common/json_writer.h"
#include "common/time.h"
#include "obs/log.h"
#include "queue/envelope.h"
#include "queue/trace_context.h"
#include "worker/applied_offsets.h"

namespace metrify::worker {

namespace {

using engine::wal::WalSample;
using queue::ConsumedMessage;

constexpr std::string_view kDeadLetterTopic = "metrify.dlq";

bool Transient(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted;
}

queue::TopicPartition PartitionOf(const ConsumedMessage& m) { return {m.topic, m.partition}; }

// The dead letter of `m`: the original value (as a string, so even bytes
// that are not JSON survive), where it came from and why it was refused.
queue::KafkaMessage DeadLetter(const DecodedMessage& m, std::string_view producer) {
  const ConsumedMessage& source = *m.message;
  JsonWriter payload;
  payload.BeginObject();
  payload.Key("topic").String(source.topic);
  payload.Key("partition").Int(source.partition);
  payload.Key("offset").Int(source.offset);
  payload.Key("key").String(source.key);
  payload.Key("reason").String(m.poison);
  payload.Key("value").String(source.value);
  payload.EndObject();
  queue::Envelope envelope;
  envelope.type = "dead_letter";
  envelope.produced_at_ms = NowMillis();
  envelope.producer = std::string(producer);
  envelope.traceparent = queue::ValidTraceparent(m.traceparent)
                             ? queue::ChildTraceparent(m.traceparent)
                             : queue::NewTraceparent();
  envelope.payload_json = payload.Take();
  queue::KafkaMessage out{.topic = std::string(kDeadLetterTopic),
                          .key = source.key,
                          .value = queue::EncodeEnvelope(envelope),
                          .headers = source.headers};
  out.headers.push_back({"metrify-dlq-reason", m.poison});
  out.headers.push_back({"metrify-dlq-source",
                         fmt::format("{}/{}/{}", source.topic, source.partition, source.offset)});
  return out;
}

// Calls `attempt` until it succeeds, fails for a reason other than an
// unavailable dependency, or `stop` is set; backs off between attempts.
template <typename Attempt>
auto Retrying(const std::atomic<bool>& stop, std::chrono::milliseconds max_backoff,
              const std::function<void(const Status&)>& on_retry, Attempt attempt)
    -> decltype(attempt()) {
  std::chrono::milliseconds backoff(100);
  for (;;) {
    auto result = attempt();
    const Status status = store::pg_detail::StatusOf(result);
    if (status.ok() || !Transient(status) || stop.load()) return result;
    on_retry(status);
    for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stop.load();
         waited += std::chrono::milliseconds(50)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    backoff = std::min(backoff * 2, max_backoff);
  }
}

}  // namespace

void IngestWorker::Counts::Add(Counts&& other) {
  applied += other.applied;
  skipped += other.skipped;
  for (int k = 0; k < 5; ++k) {
    per_kind[k].inserted += other.per_kind[k].inserted;
    per_kind[k].unchanged += other.per_kind[k].unchanged;
    per_kind[k].revised += other.per_kind[k].revised;
    per_kind[k].first_stored.insert(per_kind[k].first_stored.end(),
                                    other.per_kind[k].first_stored.begin(),
                                    other.per_kind[k].first_stored.end());
    stored[k].insert(stored[k].end(), other.stored[k].begin(), other.stored[k].end());
  }
  reopened.insert(reopened.end(), other.reopened.begin(), other.reopened.end());
  redelivered.insert(redelivered.end(), other.redelivered.begin(), other.redelivered.end());
}

IngestWorker::IngestWorker(queue::KafkaConsumer& consumer, queue::KafkaProducer& dead_letters,
                           store::PgPool& pool, store::PgSeriesStore& store,
                           ingest::EntityKeys& keys, obs::MetricsRegistry& metrics,
                           IngestWorkerOptions options)
    : consumer_(consumer),
      dead_letters_(dead_letters),
      pool_(pool),
      store_(store),
      keys_(keys),
      options_(std::move(options)),
      messages_(metrics.AddCounter("metrify_worker_messages_total",
                                   "Ingest messages handled, by outcome (applied, skipped: "
                                   "applied before and delivered again, dead_lettered)",
                                   {"outcome"})),
      samples_(metrics.AddCounter("metrify_worker_samples_total",
                                  "Samples stored by the ingest worker, by kind and outcome "
                                  "(inserted, unchanged, revised)",
                                  {"kind", "outcome"})),
      dead_total_(metrics.AddCounter("metrify_worker_dead_letters_total",
                                     "Messages sent to metrify.dlq (poison: not storable)")),
      retries_total_(metrics.AddCounter(
          "metrify_worker_db_retries_total",
          "Batch attempts repeated because the database or registry was unavailable")),
      batch_seconds_(metrics.AddHistogram(
          "metrify_worker_batch_seconds", "Time from poll to database commit of one ingest batch",
          {}, {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})),
      lag_(metrics.AddGauge("metrify_kafka_consumer_lag",
                            "Messages behind the partition's end, per owned partition "
                            "(0 for partitions this member gave up)",
                            {"topic", "partition"})) {}

Result<std::vector<DecodedMessage>> IngestWorker::Decode(std::span<const ConsumedMessage> batch) {
  std::vector<DecodedMessage> out;
  out.reserve(batch.size());
  for (const ConsumedMessage& m : batch) {
    METRIFY_ASSIGN_OR_RETURN(DecodedMessage decoded, DecodeMessage(m, keys_));
    out.push_back(std::move(decoded));
  }
  return out;
}

Status IngestWorker::SendDeadLetters(std::span<const DecodedMessage> dead) {
  if (dead.empty()) return Status::Ok();
  std::vector<queue::KafkaMessage> letters;
  for (const DecodedMessage& m : dead) {
    obs::LogWarn("message sent to the dead-letter topic", {{"topic", m.message->topic},
                                                           {"partition", m.message->partition},
                                                           {"offset", m.message->offset},
                                                           {"reason", m.poison}});
    letters.push_back(DeadLetter(m, options_.producer));
  }
  METRIFY_RETURN_IF_ERROR(dead_letters_.ProduceAll(letters));
  dead_total_.Inc({}, static_cast<double>(dead.size()));
  messages_.Inc({"dead_lettered"}, static_cast<double>(dead.size()));
  std::lock_guard lock(mu_);
  stats_.dead_lettered += dead.size();
  return Status::Ok();
}

Result<IngestWorker::Counts> IngestWorker::Store(std::span<const DecodedMessage> good,
                                                 std::span<const ConsumedMessage> all) {
  METRIFY_ASSIGN_OR_RETURN(store::PgLease db, pool_.Acquire());
  for (const DecodedMessage& m : good) {
    METRIFY_RETURN_IF_ERROR(store_.PreparePartitions(*db, m.kind, m.samples));
  }
  return db->InTransaction([&]() -> Result<Counts> {
    const NextOffsets moved = queue::NextOffsetsOf(all);
    std::set<queue::TopicPartition> partitions;
    for (const auto& [tp, next] : moved) partitions.insert(tp);
    METRIFY_ASSIGN_OR_RETURN(NextOffsets applied,
                             LockAppliedOffsets(*db, options_.group_id, partitions));
    Counts counts;
    for (const DecodedMessage& m : good) {
      if (m.message->offset < applied[PartitionOf(*m.message)]) {
        ++counts.skipped;
        // Validated again: its first owner may have died before VEE had.
        if (m.reopen) counts.reopened.push_back(*m.reopen);
        if (m.kind == model::SeriesKind::kReading) {
          counts.redelivered.insert(counts.redelivered.end(), m.samples.begin(), m.samples.end());
        }
        continue;
      }
      ++counts.applied;
      if (m.reopen) counts.reopened.push_back(*m.reopen);
      std::vector<WalSample>& into = counts.stored[static_cast<int>(m.kind)];
      into.insert(into.end(), m.samples.begin(), m.samples.end());
    }
    for (int k = 0; k < 5; ++k) {
      if (counts.stored[k].empty()) continue;
      METRIFY_ASSIGN_OR_RETURN(
          counts.per_kind[k],
          store::PgSeriesStore::AppendIn(*db, static_cast<model::SeriesKind>(k), counts.stored[k]));
    }
    METRIFY_RETURN_IF_ERROR(RecordAppliedOffsets(*db, options_.group_id, moved));
    return counts;
  });
}

Result<IngestWorker::Counts> IngestWorker::StoreRetrying(std::span<const DecodedMessage> good,
                                                         std::span<const ConsumedMessage> all,
                                                         const std::atomic<bool>& stop) {
  return Retrying(
      stop, options_.max_backoff, [this](const Status& s) { NoteRetry(s); },
      [&] { return Store(good, all); });
}

void IngestWorker::NoteRetry(const Status& status) {
  retries_total_.Inc({});
  bool first = false;
  {
    std::lock_guard lock(mu_);
    ++stats_.retries;
    first = !stats_.database_down;
    stats_.database_down = true;
  }
  if (first) {
    obs::LogWarn("ingest batch waits for the database", {{"error", status.message()}});
  }
}

Status IngestWorker::Apply(std::span<const ConsumedMessage> batch, const std::atomic<bool>& stop) {
  const auto started = std::chrono::steady_clock::now();
  auto on_retry = [this](const Status& s) { NoteRetry(s); };
  METRIFY_ASSIGN_OR_RETURN(
      std::vector<DecodedMessage> decoded,
      Retrying(stop, options_.max_backoff, on_retry, [&] { return Decode(batch); }));
  std::vector<DecodedMessage> good, dead;
  for (DecodedMessage& m : decoded) (m.poison.empty() ? good : dead).push_back(std::move(m));
  // Before the offsets move past them: a dead letter is never lost.
  METRIFY_RETURN_IF_ERROR(
      Retrying(stop, options_.max_backoff, on_retry, [&] { return SendDeadLetters(dead); }));
  Result<Counts> counts = StoreRetrying(good, batch, stop);
  if (!counts && !Transient(counts.status())) {
    // Something in the batch the database refuses: each message alone, so
    // only the guilty one goes to the dead letters.
    obs::LogWarn("ingest batch refused; storing its messages one by one",
                 {{"error", counts.status().message()}});
    Counts total;
    for (DecodedMessage& m : good) {
      std::span<const ConsumedMessage> one(m.message, 1);
      Result<Counts> alone = StoreRetrying(std::span(&m, 1), one, stop);
      if (!alone && !Transient(alone.status())) {
        m.poison = "the database refused it: " + alone.status().message();
        METRIFY_RETURN_IF_ERROR(Retrying(stop, options_.max_backoff, on_retry,
                                         [&] { return SendDeadLetters(std::span(&m, 1)); }));
        alone = StoreRetrying({}, one, stop);
      }
      METRIFY_RETURN_IF_ERROR(alone.status());
      total.Add(std::move(alone).value());
    }
    // The dead ones of the first pass: their offsets too.
    std::vector<ConsumedMessage> rest;
    for (const DecodedMessage& m : dead) rest.push_back(*m.message);
    METRIFY_RETURN_IF_ERROR(StoreRetrying({}, rest, stop).status());
    counts = std::move(total);
  }
  METRIFY_RETURN_IF_ERROR(counts.status());
  {
    std::lock_guard lock(mu_);
    stats_.database_down = false;
  }
  Publish(*counts,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  // The database has it all: a failed commit only means redelivery, which
  // the applied offsets make harmless.
  if (!gate_.observed) {
    if (Status committed = consumer_.Commit(batch); !committed.ok()) {
      obs::LogWarn("Kafka offset commit failed; the batch may be delivered again",
                   {{"error", committed.message()}});
    }
    return Status::Ok();
  }
  uncommitted_.emplace_back(gate_.observed(), queue::NextOffsetsOf(batch));
  CommitValidated();
  return Status::Ok();
}

void IngestWorker::CommitValidated() {
  if (uncommitted_.empty()) return;
  const uint64_t through = gate_.validated_through();
  std::map<queue::TopicPartition, int64_t> next;
  while (!uncommitted_.empty() && uncommitted_.front().first <= through) {
    for (const auto& [tp, offset] : uncommitted_.front().second) {
      next[tp] = std::max(next[tp], offset);
    }
    uncommitted_.pop_front();
  }
  // A partition given up meanwhile may have moved on at its new owner.
  const std::vector<queue::TopicPartition> owned = consumer_.Assignment();
  std::erase_if(next, [&owned](const auto& entry) {
    return !std::binary_search(owned.begin(), owned.end(), entry.first);
  });
  if (next.empty()) return;
  if (Status committed = consumer_.CommitOffsets(next); !committed.ok()) {
    obs::LogWarn("Kafka offset commit failed; validated batches may be delivered again",
                 {{"error", committed.message()}});
  }
}

void IngestWorker::Publish(Counts& counts, double seconds) {
  batch_seconds_.Observe({}, seconds);
  messages_.Inc({"applied"}, static_cast<double>(counts.applied));
  if (counts.skipped > 0) messages_.Inc({"skipped"}, static_cast<double>(counts.skipped));
  for (int k = 1; k < 5; ++k) {
    const store::AppendCounts& c = counts.per_kind[k];
    const std::string kind(model::SeriesKindName(static_cast<model::SeriesKind>(k)));
    if (c.inserted > 0) samples_.Inc({kind, "inserted"}, static_cast<double>(c.inserted));
    if (c.unchanged > 0) samples_.Inc({kind, "unchanged"}, static_cast<double>(c.unchanged));
    if (c.revised > 0) samples_.Inc({kind, "revised"}, static_cast<double>(c.revised));
    if (observer_ && c.inserted + c.revised > 0) {
      observer_(static_cast<model::SeriesKind>(k), counts.stored[k], c.first_stored);
    }
  }
  if (edit_observer_) {
    for (const auto& [key, ts] : counts.reopened) edit_observer_(key, ts);
  }
  if (redelivery_observer_ && !counts.redelivered.empty()) {
    redelivery_observer_(model::SeriesKind::kReading, counts.redelivered, {});
  }
  std::lock_guard lock(mu_);
  ++stats_.batches;
  stats_.applied += counts.applied;
  stats_.skipped += counts.skipped;
  stats_.last_batch_ms = NowMillis();
}

void IngestWorker::UpdateLag() {
  std::set<std::pair<std::string, std::string>> now;
  for (const queue::PartitionLag& p : consumer_.Lag()) {
    std::pair<std::string, std::string> labels{p.tp.topic, std::to_string(p.tp.partition)};
    if (p.lag >= 0) lag_.Set({labels.first, labels.second}, static_cast<double>(p.lag));
    now.insert(std::move(labels));
  }
  for (const auto& labels : lag_labels_) {
    if (!now.contains(labels)) lag_.Set({labels.first, labels.second}, 0);
  }
  lag_labels_.insert(now.begin(), now.end());
}

Result<size_t> IngestWorker::RunOnce(const std::atomic<bool>& stop) {
  METRIFY_ASSIGN_OR_RETURN(
      std::vector<ConsumedMessage> batch,
      consumer_.PollBatch(options_.max_batch, options_.poll_timeout, options_.max_batch_bytes));
  UpdateLag();
  if (batch.empty()) {
    if (gate_.observed) CommitValidated();
    return size_t{0};
  }
  METRIFY_RETURN_IF_ERROR(Apply(batch, stop));
  return batch.size();
}

Status IngestWorker::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    Result<size_t> round = RunOnce(stop);
    if (!round) {
      if (stop.load()) break;  // a batch abandoned at stop: redelivered to the group
      return round.status();
    }
  }
  return Status::Ok();
}

IngestWorkerStats IngestWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace metrify::worker
