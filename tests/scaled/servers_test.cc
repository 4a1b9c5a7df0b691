// The real servers scaled mode's tests run against (docs/testing.md): each
// fixture starts its server, does real work with the client library the
// product uses, and stops it again.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "support/mock_broker.h"
#include "support/postgres_server.h"
#include "support/redis_server.h"
#include "support/server_process.h"

namespace metrify::test {
namespace {

// ---- PostgreSQL ----

using PgConn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

PgConn Connect(const PostgresServer& server) {
  PgConn conn(PQconnectdb(server.url().c_str()), &PQfinish);
  EXPECT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  return conn;
}

PgResult Exec(PGconn* conn, const std::string& sql, ExecStatusType expected = PGRES_TUPLES_OK) {
  PgResult result(PQexec(conn, sql.c_str()), &PQclear);
  EXPECT_EQ(PQresultStatus(result.get()), expected) << sql << ": " << PQerrorMessage(conn);
  return result;
}

struct Row {
  std::string meter_id;
  int64_t ts_us;  // microseconds since 2000-01-01 UTC, PostgreSQL's timestamptz epoch
  double kwh;
};

// Appends big-endian integers to a binary COPY stream.
void PutU16(std::string& out, uint16_t v) {
  v = htons(v);
  out.append(reinterpret_cast<const char*>(&v), 2);
}
void PutU32(std::string& out, uint32_t v) {
  v = htonl(v);
  out.append(reinterpret_cast<const char*>(&v), 4);
}
void PutU64(std::string& out, uint64_t v) {
  PutU32(out, static_cast<uint32_t>(v >> 32));
  PutU32(out, static_cast<uint32_t>(v));
}

// The rows in COPY's binary format: signature, flags, header extension, one
// tuple per row (field count, then length + bytes per field), trailer -1.
std::string BinaryCopy(const std::vector<Row>& rows) {
  std::string out("PGCOPY\n\377\r\n\0", 11);
  PutU32(out, 0);
  PutU32(out, 0);
  for (const Row& row : rows) {
    PutU16(out, 3);
    PutU32(out, static_cast<uint32_t>(row.meter_id.size()));
    out += row.meter_id;
    PutU32(out, 8);
    PutU64(out, static_cast<uint64_t>(row.ts_us));
    uint64_t bits;
    std::memcpy(&bits, &row.kwh, 8);
    PutU32(out, 8);
    PutU64(out, bits);
  }
  PutU16(out, 0xFFFF);
  return out;
}

void ExpectRows(PGconn* conn, const std::vector<Row>& rows) {
  PgResult result = Exec(conn,
                         "SELECT meter_id, (extract(epoch FROM ts - '2000-01-01Z') * 1e6)::bigint,"
                         " kwh FROM readings ORDER BY meter_id, ts");
  ASSERT_EQ(PQntuples(result.get()), static_cast<int>(rows.size()));
  for (int i = 0; i < PQntuples(result.get()); ++i) {
    EXPECT_EQ(PQgetvalue(result.get(), i, 0), rows[i].meter_id);
    EXPECT_EQ(std::stoll(PQgetvalue(result.get(), i, 1)), rows[i].ts_us);
    EXPECT_DOUBLE_EQ(std::stod(PQgetvalue(result.get(), i, 2)), rows[i].kwh);
  }
}

TEST(PostgresServerTest, BinaryCopyRowsSurviveARestart) {
  PostgresServer server;
  std::vector<Row> rows;
  for (int i = 0; i < 8; ++i) {
    // 2026-03-29 00:00Z plus i quarter hours, across the DST switch in Berlin.
    rows.push_back(
        {"SM00000" + std::to_string(i % 2), 848275200000000LL + i * 900000000LL, 0.25 * i + 0.125});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.meter_id, a.ts_us) < std::tie(b.meter_id, b.ts_us);
  });
  {
    PgConn conn = Connect(server);
    ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
    EXPECT_STREQ(PQgetvalue(Exec(conn.get(), "SHOW listen_addresses").get(), 0, 0), "127.0.0.1");
    EXPECT_STREQ(PQgetvalue(Exec(conn.get(), "SHOW fsync").get(), 0, 0), "off");
    Exec(conn.get(),
         "CREATE TABLE readings (meter_id text NOT NULL, ts timestamptz NOT NULL,"
         " kwh double precision NOT NULL, PRIMARY KEY (meter_id, ts))",
         PGRES_COMMAND_OK);
    Exec(conn.get(), "COPY readings (meter_id, ts, kwh) FROM STDIN (FORMAT binary)", PGRES_COPY_IN);
    std::string copy = BinaryCopy(rows);
    ASSERT_EQ(PQputCopyData(conn.get(), copy.data(), static_cast<int>(copy.size())), 1);
    ASSERT_EQ(PQputCopyEnd(conn.get(), nullptr), 1);
    PgResult done(PQgetResult(conn.get()), &PQclear);
    ASSERT_EQ(PQresultStatus(done.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
    EXPECT_STREQ(PQcmdTuples(done.get()), "8");
    ExpectRows(conn.get(), rows);
  }
  std::string url = server.url();
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_NE(PQping(url.c_str()), PQPING_OK);
  server.Start();
  EXPECT_EQ(server.url(), url);
  PgConn conn = Connect(server);
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  ExpectRows(conn.get(), rows);
}

// ---- Redis ----

using RedisContext = std::unique_ptr<redisContext, decltype(&redisFree)>;

RedisContext ConnectRedis(uint16_t port) {
  timeval timeout{2, 0};
  return RedisContext(redisConnectWithTimeout("127.0.0.1", port, timeout), &redisFree);
}

// A reply as text: integers in decimal, arrays as their elements joined by
// spaces, errors and nil marked.
std::string ReplyText(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply->integer);
    case REDIS_REPLY_NIL:
      return "<nil>";
    case REDIS_REPLY_ERROR:
      return "<error: " + std::string(reply->str, reply->len) + ">";
    case REDIS_REPLY_ARRAY: {
      std::string text;
      for (size_t i = 0; i < reply->elements; ++i) {
        text += (i ? " " : "") + ReplyText(reply->element[i]);
      }
      return text;
    }
    default:
      return std::string(reply->str, reply->len);
  }
}

// Runs a command; returns its reply as ReplyText().
std::string Command(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) return "<no reply: " + std::string(context->errstr) + ">";
  std::string text = ReplyText(reply);
  freeReplyObject(reply);
  return text;
}

TEST(RedisServerTest, SetGetIncrThenStopRefusesConnections) {
  RedisServer server;
  EXPECT_EQ(server.url(), "redis://127.0.0.1:" + std::to_string(server.port()) + "/0");
  {
    RedisContext context = ConnectRedis(server.port());
    ASSERT_TRUE(context && context->err == 0) << (context ? context->errstr : "no context");
    EXPECT_EQ(Command(context.get(), {"SET", "latest:SM000001", "{\"kwh\":0.25}"}), "OK");
    EXPECT_EQ(Command(context.get(), {"GET", "latest:SM000001"}), "{\"kwh\":0.25}");
    EXPECT_EQ(Command(context.get(), {"GET", "latest:SM000002"}), "<nil>");
    EXPECT_EQ(Command(context.get(), {"INCR", "ratelimit:client-a"}), "1");
    EXPECT_EQ(Command(context.get(), {"INCRBY", "ratelimit:client-a", "41"}), "42");
    EXPECT_EQ(Command(context.get(), {"CONFIG", "GET", "bind"}), "bind 127.0.0.1");
  }
  EXPECT_EQ(server.Stop(), 0);
  RedisContext refused = ConnectRedis(server.port());
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->err, 0);
}

// ---- The Kafka-protocol broker ----

using Kafka = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

Kafka NewClient(rd_kafka_type_t type, const std::map<std::string, std::string>& settings,
                void (*delivered)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] : settings) {
    EXPECT_EQ(rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr),
              RD_KAFKA_CONF_OK)
        << name << ": " << errstr;
  }
  if (delivered != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, delivered);
  Kafka client(rd_kafka_new(type, conf, errstr, sizeof errstr), &rd_kafka_destroy);
  EXPECT_TRUE(client) << errstr;
  return client;
}

// Partition per key as delivered (-1 after a delivery error), and errors.
struct Deliveries {
  std::map<std::string, std::vector<int32_t>> partitions;
  int errors = 0;
};

// The per-message opaque (RD_KAFKA_V_OPAQUE) arrives as `_private`; the last
// argument is the configuration's opaque.
void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* deliveries = static_cast<Deliveries*>(message->_private);
  std::string key(static_cast<const char*>(message->key), message->key_len);
  if (message->err) ++deliveries->errors;
  deliveries->partitions[key].push_back(message->err ? -1 : message->partition);
}

constexpr int kMessages = 100;
constexpr int kKeys = 10;

void Produce(const std::string& bootstrap, Deliveries& deliveries) {
  Kafka producer = NewClient(RD_KAFKA_PRODUCER,
                             {{"bootstrap.servers", bootstrap},
                              {"acks", "all"},
                              {"enable.idempotence", "true"},
                              {"linger.ms", "5"}},
                             &OnDelivery);
  ASSERT_TRUE(producer);
  for (int i = 0; i < kMessages; ++i) {
    std::string key = "SM00000" + std::to_string(i % kKeys);
    std::string value = std::to_string(i);
    ASSERT_EQ(rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC("metrify.readings"),
                                RD_KAFKA_V_KEY(key.data(), key.size()),
                                RD_KAFKA_V_VALUE(value.data(), value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_OPAQUE(&deliveries), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_poll(producer.get(), 0);
  }
  ASSERT_EQ(rd_kafka_flush(producer.get(), 15000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

// Consumed values per key, with the partition each came from.
struct Consumed {
  std::map<std::string, std::vector<int>> values;
  std::map<std::string, std::vector<int32_t>> partitions;
  int count = 0;
};

void Consume(const std::string& bootstrap, Consumed& consumed) {
  Kafka consumer = NewClient(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap},
                                                 {"group.id", "metrify-servers-test"},
                                                 {"auto.offset.reset", "earliest"},
                                                 {"enable.auto.commit", "false"},
                                                 {"session.timeout.ms", "3000"},
                                                 {"heartbeat.interval.ms", "300"}});
  ASSERT_TRUE(consumer);
  rd_kafka_poll_set_consumer(consumer.get());
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, "metrify.readings", RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(consumer.get(), topics), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(topics);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (consumed.count < kMessages && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 200);
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string key(static_cast<const char*>(message->key), message->key_len);
      std::string value(static_cast<const char*>(message->payload), message->len);
      consumed.values[key].push_back(std::stoi(value));
      consumed.partitions[key].push_back(message->partition);
      ++consumed.count;
    }
    rd_kafka_message_destroy(message);
  }
  EXPECT_EQ(rd_kafka_commit(consumer.get(), nullptr, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_consumer_close(consumer.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
}

TEST(MockBrokerTest, IdempotentProducerAndConsumerGroupKeepKeysOnTheirPartition) {
  MockBroker broker;
  ASSERT_TRUE(broker.bootstrap().starts_with("127.0.0.1:")) << broker.bootstrap();
  Deliveries deliveries;
  Produce(broker.bootstrap(), deliveries);
  EXPECT_EQ(deliveries.errors, 0);
  ASSERT_EQ(deliveries.partitions.size(), static_cast<size_t>(kKeys));
  std::set<int32_t> used;
  for (const auto& [key, partitions] : deliveries.partitions) {
    EXPECT_EQ(std::set<int32_t>(partitions.begin(), partitions.end()).size(), 1u) << key;
    used.insert(partitions.front());
  }
  EXPECT_GT(used.size(), 1u) << "10 keys should spread over the 4 partitions";

  Consumed consumed;
  Consume(broker.bootstrap(), consumed);
  ASSERT_EQ(consumed.count, kMessages);
  for (const auto& [key, values] : consumed.values) {
    std::vector<int> expected;
    for (int i = std::stoi(key.substr(2)); i < kMessages; i += kKeys) expected.push_back(i);
    EXPECT_EQ(values, expected) << key << ": each key in order, once";
    EXPECT_EQ(consumed.partitions[key].front(), deliveries.partitions[key].front()) << key;
    EXPECT_EQ(
        std::set<int32_t>(consumed.partitions[key].begin(), consumed.partitions[key].end()).size(),
        1u)
        << key;
  }

  pid_t pid = broker.pid();
  EXPECT_EQ(broker.Stop(), 0);
  EXPECT_FALSE(broker.running());
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid)));
}

TEST(MockBrokerTest, ThreeBrokersAnswerMetadata) {
  MockBroker broker({"--brokers", "3", "--topics", "metrify.readings:6"});
  EXPECT_EQ(std::count(broker.bootstrap().begin(), broker.bootstrap().end(), ','), 2)
      << broker.bootstrap();
}

TEST(MockBrokerTest, BadOptionsNameTheProblem) {
  ProgramResult bad_topic = RunProgram({METRIFY_MOCK_BROKER_BINARY, "--topics", "readings:x"});
  EXPECT_EQ(bad_topic.exit_code, 2);
  EXPECT_NE(bad_topic.err.find("'readings:x'"), std::string::npos) << bad_topic.err;
  ProgramResult bad_factor =
      RunProgram({METRIFY_MOCK_BROKER_BINARY, "--brokers", "2", "--replication", "3"});
  EXPECT_EQ(bad_factor.exit_code, 2);
  EXPECT_NE(bad_factor.err.find("--replication 3"), std::string::npos) << bad_factor.err;
  ProgramResult help = RunProgram({METRIFY_MOCK_BROKER_BINARY, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--topics"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace metrify::test
