#include "support/scaled_api_servers.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_migrations.h"
#include "support/api_fixture.h"
#include "support/child_process.h"
#include "support/http_client.h"
#include "support/json_doc.h"
#include "support/mock_broker.h"
#include "support/postgres_server.h"

namespace metrify::test {
namespace {

// What `metrify worker ingest` consumes (src/cli/worker_command.cc).
constexpr const char* kIngestTopics[] = {"metrify.readings", "metrify.grid-status",
                                         "metrify.weather"};
constexpr const char* kTemplateDb = "metrify_template";
constexpr auto kKafkaTimeoutMs = 5000;

std::unique_ptr<store::PgConnection> ConnectOrThrow(const std::string& url) {
  auto db = store::PgConnection::Connect(url, std::chrono::seconds(10));
  if (!db.has_value()) throw std::runtime_error(db.status().message());
  return std::move(db).value();
}

void ExecOrThrow(store::PgConnection& db, const std::string& sql) {
  if (Status s = db.Exec(sql); !s.ok()) throw std::runtime_error(sql + ": " + s.message());
}

// postgres://postgres@127.0.0.1:P/postgres with another database.
std::string WithDatabase(const std::string& url, const std::string& database) {
  return url.substr(0, url.rfind('/') + 1) + database;
}

using Offsets = std::map<std::pair<std::string, int32_t>, int64_t>;

}  // namespace

bool ScaledTestMode() {
  const char* mode = std::getenv("METRIFY_TEST_MODE");
  return mode != nullptr && std::string_view(mode) == "scaled";
}

bool QueuesIngestWork(std::string_view method, std::string_view target) {
  if (method == "GET" || method == "HEAD") return false;
  std::string_view path = target.substr(0, target.find('?'));
  return path.find("/readings") != std::string_view::npos ||
         (path.starts_with("/api/v1/grid-operators/") && path.ends_with("/status")) ||
         path.ends_with("/observations");
}

struct ScaledApiServers::Impl {
  PostgresServer pg;
  MockBroker broker;
  std::string root;
  int databases = 0;
  std::string database;  // the running one's, "" when stopped
  std::unique_ptr<ChildProcess> worker;
  std::string worker_log_path;
  uint16_t worker_port = 0;
  // One Kafka client (no group) for metadata and watermarks.
  rd_kafka_t* kafka = nullptr;
  std::vector<std::pair<std::string, int32_t>> partitions;
  Offsets start;  // where the worker began: its group's committed offsets

  Impl() {
    char pattern[] = "/tmp/metrify-apiscaled-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    root = pattern;
    {
      auto admin = ConnectOrThrow(pg.url());
      ExecOrThrow(*admin, fmt::format("CREATE DATABASE {}", kTemplateDb));
    }
    auto db = ConnectOrThrow(WithDatabase(pg.url(), kTemplateDb));
    auto migrated = store::ApplyPgMigrations(*db, store::PgMigrations());
    if (!migrated.has_value()) throw std::runtime_error(migrated.status().message());
    ConnectKafka();
  }

  ~Impl() {
    if (kafka != nullptr) rd_kafka_destroy(kafka);
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }

  void ConnectKafka() {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (auto [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"bootstrap.servers", broker.bootstrap()},
                                                          {"enable.auto.commit", "false"},
                                                          {"client.id", "metrify-test-offsets"}}) {
      if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(errstr);
      }
    }
    kafka = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (kafka == nullptr) throw std::runtime_error(errstr);
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_resp_err_t err = rd_kafka_metadata(kafka, 1, nullptr, &md, kKafkaTimeoutMs);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(std::string("Kafka metadata: ") + rd_kafka_err2str(err));
    }
    for (int t = 0; t < md->topic_cnt; ++t) {
      for (const char* topic : kIngestTopics) {
        if (std::string_view(md->topics[t].topic) != std::string_view(topic)) continue;
        for (int p = 0; p < md->topics[t].partition_cnt; ++p) {
          partitions.emplace_back(topic, md->topics[t].partitions[p].id);
        }
      }
    }
    rd_kafka_metadata_destroy(md);
    if (partitions.empty()) throw std::runtime_error("the broker has no ingest topics");
  }

  // The next offset each ingest partition will give a message.
  Offsets EndOffsets() {
    Offsets out;
    for (const auto& [topic, partition] : partitions) {
      int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(kafka, topic.c_str(), partition,
                                                                 &lo, &hi, kKafkaTimeoutMs);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error(
            fmt::format("watermarks of {}/{}: {}", topic, partition, rd_kafka_err2str(err)));
      }
      out[{topic, partition}] = hi;
    }
    return out;
  }

  // Commits the current end offsets of every ingest partition for a new
  // consumer group `group`, so a worker of that group starts there: it joins
  // an empty group (no earlier member's session to wait out) and never sees
  // an earlier test's messages. Returns those offsets.
  Offsets StartGroupAtEnd(const std::string& group) {
    Offsets end = EndOffsets();
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (auto [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"bootstrap.servers", broker.bootstrap()},
                                                          {"group.id", group},
                                                          {"enable.auto.commit", "false"},
                                                          {"client.id", "metrify-test-offsets"}}) {
      if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(errstr);
      }
    }
    rd_kafka_t* client = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (client == nullptr) throw std::runtime_error(errstr);
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(end.size()));
    for (const auto& [tp, hi] : end) {
      rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = hi;
    }
    rd_kafka_resp_err_t err = rd_kafka_commit(client, list, 0);
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_destroy(client);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(
          fmt::format("committing the start offsets of {}: {}", group, rd_kafka_err2str(err)));
    }
    return end;
  }

  void StartWorker(const EnvVars& env, const std::string& config_path, const std::string& group) {
    worker = std::make_unique<ChildProcess>();
    worker_log_path = fmt::format("{}/worker-{}.log", root, databases);
    // ChildProcess gives a clean environment; env(1) adds the suite's.
    std::vector<std::string> argv = {"/usr/bin/env"};
    for (const auto& [name, value] : env) argv.push_back(name + "=" + value);
    for (std::string arg :
         {std::string(METRIFY_BINARY), std::string("worker"), std::string("ingest"),
          std::string("--config"), config_path, std::string("--listen"), std::string("127.0.0.1:0"),
          std::string("--group"), group}) {
      argv.push_back(std::move(arg));
    }
    ChildSpec spec;
    spec.argv = argv;
    spec.log_path = worker_log_path;
    worker->Start(spec);
    worker_port = WaitForLoggedPort(*worker, worker_log_path, "worker");
  }
};

ScaledApiServers& ScaledApiServers::Shared() {
  // A constructor that throws leaves it unset; the next call tries again.
  static ScaledApiServers instance;
  return instance;
}

ScaledApiServers::ScaledApiServers() : impl_(std::make_unique<Impl>()) {}

ScaledApiServers::~ScaledApiServers() { Stop(); }

std::unique_ptr<ServerProcess> ScaledApiServers::Start(const ServerOptions& options) {
  Impl& s = *impl_;
  if (!s.database.empty()) throw std::runtime_error("ScaledApiServers::Start: already started");
  s.database = fmt::format("metrify_{}", ++s.databases);
  {
    auto admin = ConnectOrThrow(s.pg.url());
    ExecOrThrow(*admin, fmt::format("CREATE DATABASE {} TEMPLATE {}", s.database, kTemplateDb));
  }
  const std::string config_path = fmt::format("{}/metrify-{}.yaml", s.root, s.databases);
  std::ofstream(config_path) << fmt::format(
      "mode: scaled\npostgres:\n  url: {}\nkafka:\n  brokers: {}\nlog:\n  level: info\n",
      WithDatabase(s.pg.url(), s.database), s.broker.bootstrap());
  const std::string group = fmt::format("metrify-ingest-{}", s.databases);
  s.start = s.StartGroupAtEnd(group);
  s.StartWorker(options.env, config_path, group);
  ServerOptions serve = options;
  serve.env.emplace_back("METRIFY_CONFIG", config_path);
  return std::make_unique<ServerProcess>(std::move(serve));
}

void ScaledApiServers::Stop() {
  Impl& s = *impl_;
  if (s.worker) {
    if (s.worker->running()) s.worker->Stop(SIGTERM, std::chrono::seconds(30));
    s.worker.reset();
  }
  if (!s.database.empty()) {
    try {
      auto admin = ConnectOrThrow(s.pg.url());
      ExecOrThrow(*admin, fmt::format("DROP DATABASE {} WITH (FORCE)", s.database));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "dropping the test database: " << e.what();
    }
    s.database.clear();
  }
}

uint16_t ScaledApiServers::worker_port() const { return impl_->worker_port; }

std::string ScaledApiServers::worker_log() const { return ReadWholeFile(impl_->worker_log_path); }

void ScaledApiServers::WaitUntilStored() {
  Impl& s = *impl_;
  if (!s.worker) return;
  Offsets end = s.EndOffsets();
  int64_t produced = 0;
  for (const auto& [tp, hi] : end) produced += hi - s.start[tp];
  TestHttpClient worker("127.0.0.1", s.worker_port);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t handled = -1;
  std::optional<double> pending;
  while (std::chrono::steady_clock::now() < deadline) {
    // The worker's counts move after it handed the batch to VEE, so once
    // they cover every message, VEE's pending gauge says the rest.
    JsonDoc health(worker.Get("/health").body);
    int64_t applied = 0, skipped = 0, dead = 0;
    if (health.ok() && !health.root().at_pointer("/details/applied").get(applied) &&
        !health.root().at_pointer("/details/skipped").get(skipped) &&
        !health.root().at_pointer("/details/dead_lettered").get(dead)) {
      handled = applied + skipped + dead;
    }
    if (handled >= produced) {
      pending = MetricValue(worker.Get("/metrics").body, "metrify_vee_pending_meters", "");
      if (pending == 0.0) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "the ingest worker did not store everything within 60 s: " << handled << " of "
                << produced << " messages handled, VEE pending "
                << (pending ? std::to_string(*pending) : "unknown") << "\nworker log:\n"
                << worker_log();
}

}  // namespace metrify::test
