// Kafka client plumbing that needs no broker: settings with named errors and
// secrets kept out of them (queue/kafka_config.h), option checks of the
// producer and consumer, error codes (queue/kafka_status.h) and lag from
// librdkafka's statistics (queue/consumer_offsets.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "queue/consumer_offsets.h"
#include "queue/kafka_config.h"
#include "queue/kafka_consumer.h"
#include "queue/kafka_producer.h"
#include "queue/kafka_status.h"

namespace metrify::queue {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Get(rd_kafka_conf_t* conf, const char* name) {
  char value[256];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return "<unset>";
  return value;
}

TEST(KafkaConfigTest, AppliesSettingsInOrderOverMetrifyDefaults) {
  std::vector<KafkaSetting> settings = {{"linger.ms", "7"}, {"linger.ms", "9"}, {"acks", "all"}};
  Result<KafkaConf> conf = BuildKafkaConf(settings);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_EQ(Get(conf->get(), "linger.ms"), "9");
  EXPECT_EQ(Get(conf->get(), "acks"), "-1");
  Result<KafkaConf> defaults = BuildKafkaConf(kKafkaClientDefaults);
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(Get(defaults->get(), "reconnect.backoff.max.ms"), "1000");
}

TEST(KafkaConfigTest, ErrorsNameTheSetting) {
  std::vector<KafkaSetting> unknown = {{"linger.ms", "5"}, {"no.such.setting", "x"}};
  Result<KafkaConf> conf = BuildKafkaConf(unknown);
  ASSERT_FALSE(conf.has_value());
  EXPECT_EQ(conf.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(conf.error().message(), "Kafka setting 'no.such.setting': no such setting");

  std::vector<KafkaSetting> refused = {{"acks", "sometimes"}};
  conf = BuildKafkaConf(refused);
  ASSERT_FALSE(conf.has_value());
  EXPECT_EQ(conf.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(conf.error().message(), HasSubstr("Kafka setting 'acks': "));
  EXPECT_THAT(conf.error().message(), HasSubstr("Invalid value")) << "not secret: the reason helps";
}

TEST(KafkaConfigTest, ValuesOfSecretSettingsNeverAppearInErrors) {
  for (const char* name :
       {"sasl.password", "ssl.key.password", "ssl.key.pem", "sasl.oauthbearer.client.secret",
        "sasl.jaas.config", "ssl.keystore.password", "sasl.oauthbearer.token.endpoint.url"}) {
    EXPECT_TRUE(IsSecretKafkaSetting(name)) << name;
  }
  for (const char* name : {"acks", "bootstrap.servers", "linger.ms", "sasl.username"}) {
    EXPECT_FALSE(IsSecretKafkaSetting(name)) << name;
  }
  // A misspelt secret setting is the likely leak: an unknown name is named,
  // its value never shown.
  std::vector<KafkaSetting> typo = {{"sasl.pasword", "hunter2"}};
  Result<KafkaConf> conf = BuildKafkaConf(typo);
  ASSERT_FALSE(conf.has_value());
  EXPECT_THAT(conf.error().message(), HasSubstr("'sasl.pasword'"));
  EXPECT_THAT(conf.error().message(), Not(HasSubstr("hunter2")));
}

TEST(KafkaConfigTest, ProducerAndConsumerCheckTheirOptions) {
  auto producer = KafkaProducer::Create({.brokers = ""});
  ASSERT_FALSE(producer.has_value());
  EXPECT_THAT(producer.error().message(), HasSubstr("no brokers"));
  producer = KafkaProducer::Create(
      {.brokers = "127.0.0.1:1", .delivery_timeout = std::chrono::milliseconds(0)});
  ASSERT_FALSE(producer.has_value());
  EXPECT_THAT(producer.error().message(), HasSubstr("delivery_timeout"));
  producer = KafkaProducer::Create(
      {.brokers = "127.0.0.1:1", .settings = {{"sasl.password", "hunter2"}, {"nope", "1"}}});
  ASSERT_FALSE(producer.has_value());
  EXPECT_EQ(producer.error().message(), "Kafka setting 'nope': no such setting");

  auto consumer = KafkaConsumer::Create({.brokers = "127.0.0.1:1", .group_id = "g"});
  ASSERT_FALSE(consumer.has_value());
  EXPECT_THAT(consumer.error().message(), HasSubstr("no topics"));
  consumer = KafkaConsumer::Create({.brokers = "127.0.0.1:1", .topics = {"t"}});
  ASSERT_FALSE(consumer.has_value());
  EXPECT_THAT(consumer.error().message(), HasSubstr("no group_id"));
}

TEST(KafkaConfigTest, ProducerNeedsNoBrokerToBeCreated) {
  // Port 1 refuses connections: nothing is connected until a message is sent.
  auto producer = KafkaProducer::Create({.brokers = "127.0.0.1:1"});
  ASSERT_TRUE(producer.has_value()) << producer.error().message();
  EXPECT_TRUE((*producer)->ProduceAll({}).ok());
  EXPECT_EQ((*producer)->stats().delivered, 0u);
}

TEST(KafkaConfigTest, LibrdkafkaErrorsMapToDomainCodes) {
  EXPECT_EQ(KafkaStatusCode(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), StatusCode::kUnavailable);
  EXPECT_EQ(KafkaStatusCode(RD_KAFKA_RESP_ERR__TRANSPORT), StatusCode::kUnavailable);
  EXPECT_EQ(KafkaStatusCode(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS), StatusCode::kUnavailable);
  EXPECT_EQ(KafkaStatusCode(RD_KAFKA_RESP_ERR__QUEUE_FULL), StatusCode::kResourceExhausted);
  EXPECT_EQ(KafkaStatusCode(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC), StatusCode::kInvalidArgument);
  EXPECT_EQ(KafkaStatusCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), StatusCode::kInvalidArgument);
  EXPECT_EQ(KafkaStatusCode(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION), StatusCode::kConflict);
  EXPECT_EQ(KafkaStatusCode(RD_KAFKA_RESP_ERR__FATAL), StatusCode::kInternal);
  EXPECT_TRUE(KafkaStatus(RD_KAFKA_RESP_ERR_NO_ERROR, "x").ok());
  Status status = KafkaStatus(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, "Kafka at h:1");
  EXPECT_EQ(status.message(), "Kafka at h:1: Local: Message timed out");
}

TEST(KafkaConfigTest, StatisticsGiveOffsetsPerPartition) {
  // The parts of librdkafka's statistics document that Lag() reads.
  const std::string json = R"({"name":"c#consumer-1","topics":{
      "metrify.readings":{"topic":"metrify.readings","partitions":{
        "0":{"partition":0,"lo_offset":0,"hi_offset":10,"app_offset":4,"committed_offset":3},
        "1":{"partition":1,"lo_offset":2,"hi_offset":7,"app_offset":-1001,"committed_offset":5},
        "-1":{"partition":-1,"hi_offset":-1}}},
      "metrify.weather":{"partitions":{
        "1":{"partition":1,"lo_offset":2,"hi_offset":9,"app_offset":-1001,"committed_offset":-1001}}}}})";
  auto offsets = ParseConsumerOffsets(json);
  ASSERT_TRUE(offsets.has_value()) << offsets.error().message();
  ASSERT_EQ(offsets->size(), 3u);
  const PartitionOffsets& p0 = offsets->at({"metrify.readings", 0});
  EXPECT_EQ(p0.hi, 10);
  EXPECT_EQ(p0.app, 4);
  EXPECT_EQ(LagOf(p0, -1001), 6) << "the position handed to the application";
  EXPECT_EQ(LagOf(p0, 8), 2) << "a fresher position wins";
  EXPECT_EQ(LagOf(p0, 12), 0) << "never below zero";
  EXPECT_EQ(LagOf(offsets->at({"metrify.readings", 1}), -1001), 2) << "the committed offset";
  EXPECT_EQ(LagOf(offsets->at({"metrify.weather", 1}), -1001), 7) << "nothing committed: lo";
  EXPECT_EQ(LagOf(PartitionOffsets{}, 3), -1) << "no watermark yet";

  EXPECT_FALSE(ParseConsumerOffsets("{}").has_value());
  EXPECT_FALSE(ParseConsumerOffsets("not json").has_value());
}

}  // namespace
}  // namespace metrify::queue
