// The Kafka layer (queue/kafka_producer.h, queue/kafka_consumer.h) against
// the Kafka-protocol test broker (support/mock_broker.h): messages arrive
// whole, keys keep their partition, commits move a group on, two members
// share and hand over partitions, lag follows, and an outage of the cluster
// is reported as Unavailable and recovered from.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "queue/envelope.h"
#include "queue/kafka_consumer.h"
#include "queue/kafka_producer.h"
#include "queue/sample_payload.h"
#include "queue/trace_context.h"
#include "support/mock_broker.h"

namespace metrify::queue {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z
constexpr int64_t kQuarterHour = 900'000;
const std::string kTopic = "metrify.readings";
// Joining a group on the mock cluster takes about 3 s; a loaded 2-core
// machine may need much longer.
constexpr seconds kGroupTimeout{30};

std::unique_ptr<KafkaProducer> NewProducer(const test::MockBroker& broker,
                                           milliseconds delivery_timeout = milliseconds(10000),
                                           std::vector<KafkaSetting> settings = {}) {
  auto producer = KafkaProducer::Create({.brokers = broker.bootstrap(),
                                         .client_id = "kafka-test",
                                         .delivery_timeout = delivery_timeout,
                                         .settings = std::move(settings)});
  EXPECT_TRUE(producer.has_value()) << producer.error().message();
  return producer.has_value() ? std::move(producer).value() : nullptr;
}

// A short session moves partitions of a member that left quickly.
std::unique_ptr<KafkaConsumer> NewConsumer(const test::MockBroker& broker, const std::string& group,
                                           milliseconds session_timeout = milliseconds(3000)) {
  auto consumer = KafkaConsumer::Create({.brokers = broker.bootstrap(),
                                         .group_id = group,
                                         .client_id = "kafka-test",
                                         .topics = {kTopic},
                                         .session_timeout = session_timeout});
  EXPECT_TRUE(consumer.has_value()) << consumer.error().message();
  return consumer.has_value() ? std::move(consumer).value() : nullptr;
}

std::string KeyOf(int index, int keys) {
  char key[16];
  std::snprintf(key, sizeof key, "SM%06d", index % keys);
  return key;
}

// The sample of message `index`: its timestamp says which message it is.
model::Sample SampleOf(int index) {
  model::Sample sample;
  sample.timestamp_ms = kMonday + index * kQuarterHour;
  sample.interval_s = 900;
  sample.Set(0, 0.1 * index + 0.2);
  return sample;
}

std::vector<KafkaHeader> HeadersOf(int index) {
  return {{"traceparent", NewTraceparent()},
          {"content-type", "application/json"},
          {"x-repeat", "1"},
          {"x-repeat", std::to_string(index)},
          {"x-empty", ""}};
}

// Messages `first`..`first + count - 1`, keyed over `keys` meters, each an
// envelope around one reading.
std::vector<KafkaMessage> Readings(int first, int count, int keys) {
  std::vector<KafkaMessage> messages;
  for (int i = first; i < first + count; ++i) {
    model::Sample sample = SampleOf(i);
    std::string key = KeyOf(i, keys);
    Envelope envelope{
        .type = "readings",
        .produced_at_ms = NowMillis(),
        .producer = "kafka-test",
        .traceparent = NewTraceparent(),
        .payload_json = EncodeSamples(model::SeriesKind::kReading, key, {&sample, 1})};
    messages.push_back({kTopic, key, EncodeEnvelope(envelope), HeadersOf(i)});
  }
  return messages;
}

// The message index a consumed message carries; -1 when it does not decode.
int IndexOf(const ConsumedMessage& message) {
  Result<Envelope> envelope = DecodeEnvelope(message.value);
  if (!envelope.has_value()) return -1;
  Result<DecodedSamples> samples = DecodeSamples(envelope->payload_json);
  if (!samples.has_value() || samples->samples.size() != 1) return -1;
  return static_cast<int>((samples->samples[0].timestamp_ms - kMonday) / kQuarterHour);
}

std::vector<int> Indexes(const std::vector<ConsumedMessage>& messages) {
  std::vector<int> indexes;
  for (const ConsumedMessage& m : messages) indexes.push_back(IndexOf(m));
  std::sort(indexes.begin(), indexes.end());
  return indexes;
}

std::vector<int> Range(int first, int count) {
  std::vector<int> range(count);
  std::iota(range.begin(), range.end(), first);
  return range;
}

// Polls until `count` messages came or `timeout` passed.
std::vector<ConsumedMessage> Consume(KafkaConsumer& consumer, size_t count,
                                     milliseconds timeout = kGroupTimeout) {
  std::vector<ConsumedMessage> got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto batch = consumer.PollBatch(count - got.size(), milliseconds(200));
    EXPECT_TRUE(batch.has_value()) << batch.error().message();
    if (!batch.has_value()) break;
    got.insert(got.end(), batch->begin(), batch->end());
  }
  return got;
}

// Polls for `duration` and returns whatever arrived (expected: nothing).
std::vector<ConsumedMessage> Drain(KafkaConsumer& consumer, milliseconds duration) {
  return Consume(consumer, 1000, duration);
}

int64_t TotalLag(const std::vector<PartitionLag>& lags) {
  int64_t total = 0;
  for (const PartitionLag& lag : lags) total += lag.lag < 0 ? 1'000'000 : lag.lag;
  return total;
}

// A batch ends at its byte budget, whatever the message count allows, and
// no message is lost between batches.
TEST(KafkaQueueTest, ABatchEndsOnceItsValuesReachTheByteBudget) {
  test::MockBroker broker;
  std::unique_ptr<KafkaProducer> producer = NewProducer(broker);
  ASSERT_TRUE(producer);
  std::vector<KafkaMessage> sent = Readings(0, 40, 1);  // one key: one partition, in order
  ASSERT_TRUE(producer->ProduceAll(sent).ok());
  const size_t size = sent[0].value.size();
  std::unique_ptr<KafkaConsumer> consumer = NewConsumer(broker, "budget");
  ASSERT_TRUE(consumer);
  std::vector<ConsumedMessage> got;
  size_t largest = 0;
  const auto deadline = std::chrono::steady_clock::now() + kGroupTimeout;
  while (got.size() < sent.size() && std::chrono::steady_clock::now() < deadline) {
    // Two and a half messages' worth: the third one crosses it and ends the batch.
    auto batch = consumer->PollBatch(1000, milliseconds(200), size * 5 / 2);
    ASSERT_TRUE(batch.has_value()) << batch.error().message();
    largest = std::max(largest, batch->size());
    got.insert(got.end(), batch->begin(), batch->end());
  }
  EXPECT_EQ(Indexes(got), Range(0, 40));
  EXPECT_EQ(largest, 3u);
}

TEST(KafkaQueueTest, MessagesArriveWholeAndEachKeyStaysOnOnePartition) {
  test::MockBroker broker;
  std::unique_ptr<KafkaProducer> producer = NewProducer(broker);
  ASSERT_TRUE(producer);
  std::vector<KafkaMessage> sent = Readings(0, 48, 12);
  // Four callers at once, a quarter of the messages each.
  std::vector<Status> results(4);
  std::vector<std::thread> callers;
  for (size_t t = 0; t < results.size(); ++t) {
    callers.emplace_back(
        [&, t] { results[t] = producer->ProduceAll(std::span(sent).subspan(t * 12, 12)); });
  }
  for (std::thread& caller : callers) caller.join();
  for (const Status& result : results) EXPECT_TRUE(result.ok()) << result.ToString();
  EXPECT_EQ(producer->stats().delivered, 48u);
  EXPECT_EQ(producer->stats().failed, 0u);

  std::unique_ptr<KafkaConsumer> consumer = NewConsumer(broker, "whole");
  ASSERT_TRUE(consumer);
  std::vector<ConsumedMessage> got = Consume(*consumer, sent.size());
  ASSERT_EQ(got.size(), sent.size());
  EXPECT_TRUE(consumer->Commit(got).ok());
  EXPECT_TRUE(Drain(*consumer, milliseconds(500)).empty()) << "each message once";

  std::map<std::string, std::set<int32_t>> partitions_of_key;
  std::map<std::string, int64_t> last_offset_of_key;
  for (const ConsumedMessage& m : got) {
    int index = IndexOf(m);
    ASSERT_GE(index, 0) << m.value;
    ASSERT_LT(index, 48);
    const KafkaMessage& original = sent[index];
    EXPECT_EQ(m.topic, kTopic);
    EXPECT_EQ(m.key, original.key);
    EXPECT_EQ(m.value, original.value) << "byte for byte";
    EXPECT_EQ(m.headers, original.headers) << "names, values, order and repeats";
    partitions_of_key[m.key].insert(m.partition);
    // A key's messages come in the order they were produced.
    auto [previous, first] = last_offset_of_key.try_emplace(m.key, m.offset);
    if (!first) {
      EXPECT_GT(m.offset, previous->second) << m.key;
      previous->second = m.offset;
    }
  }
  std::set<int32_t> used;
  for (const auto& [key, partitions] : partitions_of_key) {
    EXPECT_EQ(partitions.size(), 1u) << key;
    used.insert(*partitions.begin());
  }
  EXPECT_GT(used.size(), 1u) << "12 keys spread over the 4 partitions";
}

TEST(KafkaQueueTest, OversizedMessageIsInvalidArgumentAndTheRestOfTheCallStillWaits) {
  test::MockBroker broker;
  std::unique_ptr<KafkaProducer> producer = NewProducer(broker);
  ASSERT_TRUE(producer);
  std::vector<KafkaMessage> messages = Readings(0, 3, 3);
  messages[1].value.assign(1'100'000, 'x');  // message.max.bytes is 1,000,000
  Status status = producer->ProduceAll(messages);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("metrify.readings"));
  // The message queued before the refused one was delivered before the call
  // returned; the one after it was never queued.
  EXPECT_EQ(producer->stats().delivered, 1u);
  EXPECT_EQ(producer->stats().failed, 0u);
}

TEST(KafkaQueueTest, CommittedOffsetsAreNotRedeliveredUncommittedOnesAreAndLagFollows) {
  test::MockBroker broker;
  std::unique_ptr<KafkaProducer> producer = NewProducer(broker);
  ASSERT_TRUE(producer);
  ASSERT_TRUE(producer->ProduceAll(Readings(0, 24, 8)).ok());

  // The first member reads everything but commits only the first half:
  // within a partition messages come in offset order, so that is a prefix
  // of each partition.
  std::vector<ConsumedMessage> uncommitted;
  {
    std::unique_ptr<KafkaConsumer> first = NewConsumer(broker, "resume");
    ASSERT_TRUE(first);
    std::vector<ConsumedMessage> got = Consume(*first, 24);
    ASSERT_EQ(got.size(), 24u);
    ASSERT_TRUE(first->Commit(std::span(got).first(12)).ok());
    uncommitted.assign(got.begin() + 12, got.end());
    EXPECT_TRUE(first->Close().ok());
    EXPECT_TRUE(first->Close().ok()) << "a second Close() does nothing";
    auto after_close = first->PollBatch(10, milliseconds(10));
    ASSERT_FALSE(after_close.has_value());
    EXPECT_EQ(after_close.error().code(), StatusCode::kConflict);
  }

  // The next member of the group gets exactly the uncommitted half.
  {
    std::unique_ptr<KafkaConsumer> second = NewConsumer(broker, "resume");
    ASSERT_TRUE(second);
    std::vector<ConsumedMessage> got = Consume(*second, uncommitted.size());
    EXPECT_EQ(Indexes(got), Indexes(uncommitted));
    std::vector<ConsumedMessage> extra = Drain(*second, milliseconds(500));
    EXPECT_TRUE(extra.empty()) << extra.size() << " committed messages came again";
    ASSERT_TRUE(second->Commit(got).ok());
    EXPECT_EQ(TotalLag(second->Lag()), 0) << "its position is at the end";
  }

  // A member after everything is committed reads nothing; its lag is 0
  // from the committed offsets alone, then counts new messages it has not
  // taken, and drops to 0 again when it takes them.
  std::unique_ptr<KafkaConsumer> third = NewConsumer(broker, "resume");
  ASSERT_TRUE(third);
  std::vector<ConsumedMessage> stray;
  auto deadline = std::chrono::steady_clock::now() + kGroupTimeout;
  while (std::chrono::steady_clock::now() < deadline &&
         (third->Assignment().size() != 4 || TotalLag(third->Lag()) != 0)) {
    auto batch = third->PollBatch(100, milliseconds(200));
    ASSERT_TRUE(batch.has_value());
    stray.insert(stray.end(), batch->begin(), batch->end());
  }
  EXPECT_TRUE(stray.empty()) << stray.size() << " committed messages came again";
  ASSERT_EQ(third->Assignment().size(), 4u);
  ASSERT_EQ(third->Lag().size(), 4u);
  EXPECT_EQ(TotalLag(third->Lag()), 0);

  ASSERT_TRUE(producer->ProduceAll(Readings(24, 6, 6)).ok());
  bool counted = test::PollUntil([&] { return TotalLag(third->Lag()) == 6; }, seconds(10));
  EXPECT_TRUE(counted) << "lag " << TotalLag(third->Lag()) << ", expected 6";
  std::vector<ConsumedMessage> fresh = Consume(*third, 6);
  EXPECT_EQ(Indexes(fresh), Range(24, 6));
  EXPECT_EQ(TotalLag(third->Lag()), 0);
}

TEST(KafkaQueueTest, TwoMembersShareThePartitionsAndTheSurvivorTakesOver) {
  test::MockBroker broker;
  std::unique_ptr<KafkaConsumer> a = NewConsumer(broker, "share");
  std::unique_ptr<KafkaConsumer> b = NewConsumer(broker, "share");
  ASSERT_TRUE(a && b);
  // Both must be members before anything is produced, or the first one to
  // join would read it all.
  auto shared = [&] {
    std::vector<TopicPartition> of_a = a->Assignment();
    std::vector<TopicPartition> of_b = b->Assignment();
    std::set<TopicPartition> both(of_a.begin(), of_a.end());
    both.insert(of_b.begin(), of_b.end());
    return !of_a.empty() && !of_b.empty() && both.size() == 4 && of_a.size() + of_b.size() == 4;
  };
  auto deadline = std::chrono::steady_clock::now() + kGroupTimeout;
  while (!shared() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(a->PollBatch(10, milliseconds(100)).has_value());
    ASSERT_TRUE(b->PollBatch(10, milliseconds(100)).has_value());
  }
  ASSERT_TRUE(shared()) << "assignments: " << a->Assignment().size() << " and "
                        << b->Assignment().size();

  std::unique_ptr<KafkaProducer> producer = NewProducer(broker);
  ASSERT_TRUE(producer);
  ASSERT_TRUE(producer->ProduceAll(Readings(0, 40, 40)).ok());
  std::vector<ConsumedMessage> of_a, of_b;
  // Reads from one member, checking each message is from a partition it
  // owns, and commits the batch.
  auto read = [](KafkaConsumer& member, std::vector<ConsumedMessage>& into) {
    auto batch = member.PollBatch(100, milliseconds(100));
    ASSERT_TRUE(batch.has_value());
    std::vector<TopicPartition> owned = member.Assignment();
    for (const ConsumedMessage& m : *batch) {
      EXPECT_TRUE(
          std::binary_search(owned.begin(), owned.end(), TopicPartition{m.topic, m.partition}))
          << m.partition;
    }
    ASSERT_TRUE(member.Commit(*batch).ok());
    into.insert(into.end(), batch->begin(), batch->end());
  };
  deadline = std::chrono::steady_clock::now() + kGroupTimeout;
  while (of_a.size() + of_b.size() < 40 && std::chrono::steady_clock::now() < deadline) {
    read(*a, of_a);
    read(*b, of_b);
  }
  EXPECT_GT(of_a.size(), 0u);
  EXPECT_GT(of_b.size(), 0u);
  std::vector<ConsumedMessage> all = of_a;
  all.insert(all.end(), of_b.begin(), of_b.end());
  EXPECT_EQ(Indexes(all), Range(0, 40)) << "every message exactly once";

  // When one leaves, the other owns all four partitions and reads only
  // what is new: the leaver committed everything it read.
  ASSERT_TRUE(a->Close().ok());
  std::vector<ConsumedMessage> stray;
  deadline = std::chrono::steady_clock::now() + kGroupTimeout;
  while (b->Assignment().size() != 4 && std::chrono::steady_clock::now() < deadline) {
    auto batch = b->PollBatch(100, milliseconds(100));
    ASSERT_TRUE(batch.has_value());
    stray.insert(stray.end(), batch->begin(), batch->end());
  }
  ASSERT_EQ(b->Assignment().size(), 4u);
  EXPECT_TRUE(stray.empty()) << stray.size() << " committed messages came again";
  ASSERT_TRUE(producer->ProduceAll(Readings(40, 10, 10)).ok());
  std::vector<ConsumedMessage> fresh = Consume(*b, 10);
  EXPECT_EQ(Indexes(fresh), Range(40, 10));
  EXPECT_TRUE(Drain(*b, milliseconds(500)).empty());
}

TEST(KafkaOutageTest, ProduceIsUnavailableWhileBrokersAreDownAndRecovers) {
  test::MockBroker broker;
  std::unique_ptr<KafkaProducer> producer = NewProducer(broker, milliseconds(1500));
  // A session longer than the outage: the member keeps its partitions.
  std::unique_ptr<KafkaConsumer> consumer = NewConsumer(broker, "outage", milliseconds(10000));
  ASSERT_TRUE(producer && consumer);
  ASSERT_TRUE(producer->ProduceAll(Readings(0, 4, 4)).ok());
  std::vector<ConsumedMessage> before = Consume(*consumer, 4);
  ASSERT_EQ(Indexes(before), Range(0, 4));
  ASSERT_TRUE(consumer->Commit(before).ok());

  broker.SetDown();
  auto start = std::chrono::steady_clock::now();
  Status down = producer->ProduceAll(Readings(4, 4, 4));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(down.code(), StatusCode::kUnavailable) << down.ToString();
  EXPECT_THAT(down.message(),
              HasSubstr(broker.bootstrap().substr(0, broker.bootstrap().find(','))));
  EXPECT_THAT(down.message(), HasSubstr("4 of 4 messages not acknowledged within 1500 ms"));
  EXPECT_THAT(down.message(), HasSubstr("Message timed out"));
  EXPECT_LT(took, seconds(5));
  EXPECT_EQ(producer->stats().failed, 4u);
  // The consumer waits it out: no message, no error.
  auto idle = consumer->PollBatch(10, milliseconds(500));
  ASSERT_TRUE(idle.has_value()) << idle.error().message();
  EXPECT_TRUE(idle->empty());
  // Back-pressure: a full local queue refuses at once, after the messages
  // it took have timed out.
  std::unique_ptr<KafkaProducer> small =
      NewProducer(broker, milliseconds(500), {{"queue.buffering.max.messages", "2"}});
  ASSERT_TRUE(small);
  Status full = small->ProduceAll(Readings(100, 5, 5));
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();

  broker.SetUp();
  // Callers retry Unavailable; the producer reconnects within its backoff
  // (at most a second) and goes on with the same idempotent session.
  Status up = Status::Unavailable("not tried");
  int attempts = 0;
  while (!up.ok() && attempts < 10) {
    ++attempts;
    up = producer->ProduceAll(Readings(8, 4, 4));
  }
  EXPECT_TRUE(up.ok()) << up.ToString() << " after " << attempts << " attempts";
  EXPECT_LE(attempts, 5);
  // The group moves on: the messages of the failed call were never written
  // (the brokers refused every connection), the retried ones were.
  std::vector<ConsumedMessage> after = Consume(*consumer, 4);
  std::vector<int> indexes = Indexes(after);
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  EXPECT_EQ(indexes, Range(8, 4));
}

}  // namespace
}  // namespace metrify::queue
