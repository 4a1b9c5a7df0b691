// IngestWorker: `metrify worker ingest`, the consumer-group member that
// stores what API replicas put on the ingest topics (docs/scaled.md).
//
// One round: poll a batch; decode every message (worker/message_decoder.h)
// and send the poison ones to metrify.dlq with their reason; then, in ONE
// database transaction, lock the partitions' applied offsets, skip what
// was applied before (a redelivery), store the samples (PgSeriesStore) and
// move the applied offsets; only after that commit, tell the observer
// (VEE, detection) and commit the offsets to Kafka. At-least-once delivery
// plus the applied offsets: nothing acknowledged is lost, nothing stored
// twice. With a commit gate (VEE), the Kafka commit waits until VEE has
// validated what the batch brought, and a redelivered message's readings
// are validated again though not stored again: a worker that dies between
// storing and validating leaves its successor the messages to validate.
//
// While the database is unavailable the batch is retried, with backoff,
// until it goes in or the worker is stopped (then nothing is committed and
// the group redelivers it). A batch the database refuses for another
// reason is split: each message alone, and one that still fails goes to
// the dead-letter topic, so a poison message never stalls its partition.
//
// Thread safety: Run on one thread; stats() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "ingest/entity_keys.h"
#include "obs/metrics.h"
#include "queue/kafka_consumer.h"
#include "queue/kafka_producer.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_series_store.h"
#include "worker/message_decoder.h"

namespace metrify::worker {

struct IngestWorkerOptions {
  std::string group_id = "metrify-ingest";  // the consumer group; also keys ingest_offsets
  std::string producer = "metrify-worker";  // names this process in dead letters
  size_t max_batch = 20000;                 // messages per round
  // Bytes of message values per round: a message may carry one reading
  // (time order) or a meter's day (meter order); the transaction should
  // stay about the same size either way.
  size_t max_batch_bytes = size_t{8} << 20;
  std::chrono::milliseconds poll_timeout{200};
  std::chrono::milliseconds max_backoff{5000};  // between retries while the database is down
};

struct IngestWorkerStats {
  uint64_t batches = 0;
  uint64_t applied = 0;        // messages stored
  uint64_t skipped = 0;        // messages applied before (redelivered)
  uint64_t dead_lettered = 0;  // messages sent to metrify.dlq
  uint64_t retries = 0;        // batch attempts repeated for an unavailable database
  int64_t last_batch_ms = 0;   // wall time the last batch was committed
  bool database_down = false;  // the last attempt failed for an unavailable database
};

class IngestWorker {
 public:
  // Told of the samples of each kind that stored something new, after the
  // commit (VEE validates readings; detection looks at every kind), and of
  // the entities whose first samples of the kind they are (the store held
  // none before: VEE need not read them back; AppendCounts::first_stored).
  using Observer = std::function<void(model::SeriesKind, std::span<const engine::wal::WalSample>,
                                      std::span<const uint32_t> first_stored)>;

  // Every argument must outlive the worker. Registers its metrics.
  IngestWorker(queue::KafkaConsumer& consumer, queue::KafkaProducer& dead_letters,
               store::PgPool& pool, store::PgSeriesStore& store, ingest::EntityKeys& keys,
               obs::MetricsRegistry& metrics, IngestWorkerOptions options = {});

  void set_observer(Observer observer) { observer_ = std::move(observer); }
  // Told of every edit notice, after the batch that carried it committed
  // (VEE validates the edited day again).
  using EditObserver = std::function<void(uint32_t key, int64_t timestamp_ms)>;
  void set_edit_observer(EditObserver observer) { edit_observer_ = std::move(observer); }
  // Told of the readings of messages applied before (redelivered after a
  // member stopped or died), which are not stored again (no first_stored).
  void set_redelivery_observer(Observer observer) { redelivery_observer_ = std::move(observer); }
  // Kafka commits wait for validation: after telling the observers of a
  // batch the worker notes `observed()`, and commits the batch's offsets
  // once `validated_through()` has reached it (VeeService's counters).
  // Without a gate a batch is committed right after its transaction.
  struct CommitGate {
    std::function<uint64_t()> observed;
    std::function<uint64_t()> validated_through;
  };
  void set_commit_gate(CommitGate gate) { gate_ = std::move(gate); }
  // Commits the offsets of the batches the gate lets through now, for the
  // partitions this member still owns. Run calls it every round; call it
  // once more after VEE has drained at stop (not while Run runs).
  void CommitValidated();

  // Rounds until `stop` is set; the round in hand is finished (or, with the
  // database down, abandoned uncommitted). Errors: the consumer's fatal ones.
  Status Run(const std::atomic<bool>& stop);
  // One round. Returns the messages polled (0 when none came).
  Result<size_t> RunOnce(const std::atomic<bool>& stop);

  IngestWorkerStats stats() const;

 private:
  // What a transaction did, by model::SeriesKind value.
  struct Counts {
    size_t applied = 0, skipped = 0;
    store::AppendCounts per_kind[5];
    std::vector<engine::wal::WalSample> stored[5];       // the samples of applied messages
    std::vector<std::pair<uint32_t, int64_t>> reopened;  // edit notices (skipped ones too)
    std::vector<engine::wal::WalSample> redelivered;     // readings of skipped messages
    void Add(Counts&& other);
  };
  // Decodes the batch; poison goes to `dead`.
  Result<std::vector<DecodedMessage>> Decode(std::span<const queue::ConsumedMessage> batch);
  Status SendDeadLetters(std::span<const DecodedMessage> dead);
  // The transaction: offsets locked, redeliveries skipped, samples stored,
  // offsets moved past every message of `all` (the good and the dead).
  Result<Counts> Store(std::span<const DecodedMessage> good,
                       std::span<const queue::ConsumedMessage> all);
  // Store, retried while the database is unavailable; its last error when
  // stopped meanwhile.
  Result<Counts> StoreRetrying(std::span<const DecodedMessage> good,
                               std::span<const queue::ConsumedMessage> all,
                               const std::atomic<bool>& stop);
  Status Apply(std::span<const queue::ConsumedMessage> batch, const std::atomic<bool>& stop);
  void NoteRetry(const Status& status);
  void Publish(Counts& counts, double seconds);
  void UpdateLag();

  queue::KafkaConsumer& consumer_;
  queue::KafkaProducer& dead_letters_;
  store::PgPool& pool_;
  store::PgSeriesStore& store_;
  ingest::EntityKeys& keys_;
  const IngestWorkerOptions options_;
  Observer observer_;
  EditObserver edit_observer_;
  Observer redelivery_observer_;
  CommitGate gate_;
  // Batches stored but not yet committed to Kafka: the gate's count after
  // each, and the offsets to resume from. Run's thread only.
  std::deque<std::pair<uint64_t, std::map<queue::TopicPartition, int64_t>>> uncommitted_;

  obs::Counter& messages_;
  obs::Counter& samples_;
  obs::Counter& dead_total_;
  obs::Counter& retries_total_;
  obs::Histogram& batch_seconds_;
  obs::Gauge& lag_;

  std::set<std::pair<std::string, std::string>> lag_labels_;  // partitions ever reported

  mutable std::mutex mu_;
  IngestWorkerStats stats_;  // guarded by mu_
};

}  // namespace metrify::worker
