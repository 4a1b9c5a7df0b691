#include "bench/local_servers.h"

#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <thread>

namespace metrify::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kStartTimeout{30};
constexpr int kStartAttempts = 3;  // a free port may be taken before the server binds it

// What PostgreSQL and the broker get: no variables of the user's shell.
std::vector<std::string> CleanEnvironment() {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C.UTF-8", "TZ=UTC"};
}

Status GiveToPostgres(const std::string& path) {
  if (geteuid() != 0) return Status::Ok();
  const passwd* entry = getpwnam("postgres");
  if (entry == nullptr) return Status::IOError("no user 'postgres' on this machine");
  if (chown(path.c_str(), entry->pw_uid, entry->pw_gid) != 0) {
    return Status::IOError("cannot give " + path + " to user postgres");
  }
  return Status::Ok();
}

// Polls `ready` every 20 ms until it is true or kStartTimeout passes.
template <typename Ready>
Result<bool> PollUntilReady(Ready ready) {
  const auto deadline = Clock::now() + kStartTimeout;
  for (;;) {
    METRIFY_ASSIGN_OR_RETURN(bool done, ready());
    if (done) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

LocalPostgres::LocalPostgres(std::string root, bool durable, std::vector<std::string> settings)
    : root_(std::move(root)), durable_(durable), settings_(std::move(settings)) {}

LocalPostgres::~LocalPostgres() { Stop(); }

Status LocalPostgres::Start() {
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) return Status::IOError("cannot make " + root_ + ": " + ec.message());
  METRIFY_RETURN_IF_ERROR(GiveToPostgres(root_));
  const std::string initdb_log = root_ + "/initdb.log";
  // --no-sync: initdb's own files; the benchmark's writes are synced by
  // the server as configured.
  METRIFY_ASSIGN_OR_RETURN(
      int initdb, RunChildToEnd({.argv = {std::string(kPostgresBinDir) + "/initdb", "-D",
                                          root_ + "/data", "-U", "postgres", "--auth=trust", "-E",
                                          "UTF8", "--locale=C.UTF-8", "--no-sync"},
                                 .env = CleanEnvironment(),
                                 .log_path = initdb_log,
                                 .stdout_path = "",
                                 .work_dir = root_,
                                 .user = "postgres"},
                                kStartTimeout));
  if (initdb != 0) {
    return Status::IOError("initdb exited with status " + std::to_string(initdb) + ":\n" +
                           FileTail(initdb_log));
  }
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = FreeLoopbackPort();
    METRIFY_ASSIGN_OR_RETURN(bool started, TryStart());
    if (started) return Status::Ok();
  }
  return Status::IOError("postgres found no free port; log:\n" + FileTail(root_ + "/postgres.log"));
}

Result<bool> LocalPostgres::TryStart() {
  const std::string port = std::to_string(port_);
  const std::string log_path = root_ + "/postgres.log";
  const size_t log_before = ReadFileText(log_path).size();
  std::vector<std::string> argv = {std::string(kPostgresBinDir) + "/postgres",
                                   "-D",
                                   root_ + "/data",
                                   "-p",
                                   port,
                                   "-k",
                                   root_,
                                   "-c",
                                   "listen_addresses=127.0.0.1"};
  if (!durable_) {
    for (const char* setting : {"fsync=off", "synchronous_commit=off", "full_page_writes=off"}) {
      argv.insert(argv.end(), {"-c", setting});
    }
  }
  for (const std::string& setting : settings_) argv.insert(argv.end(), {"-c", setting});
  METRIFY_RETURN_IF_ERROR(process_.Start({.argv = argv,
                                          .env = CleanEnvironment(),
                                          .log_path = log_path,
                                          .stdout_path = "",
                                          .work_dir = root_,
                                          .user = "postgres"}));
  // Ours logged that it listens on our port (another server may answer
  // on a port ours failed to bind) and it accepts connections.
  const std::string conninfo = "host=127.0.0.1 port=" + port + " user=postgres connect_timeout=2";
  const std::string listening = "listening on IPv4 address \"127.0.0.1\", port " + port;
  std::optional<int> exited;
  METRIFY_ASSIGN_OR_RETURN(
      bool ready, PollUntilReady([&]() -> Result<bool> {
        exited = process_.ExitedYet();
        return exited.has_value() ||
               (ReadFileText(log_path).find(listening, log_before) != std::string::npos &&
                PQping(conninfo.c_str()) == PQPING_OK);
      }));
  if (ready && !exited) return true;
  if (exited &&
      ReadFileText(log_path).find("Address already in use", log_before) != std::string::npos) {
    return false;
  }
  process_.Stop(SIGKILL);
  return Status::IOError(
      (exited ? "postgres exited with status " + std::to_string(*exited) + " while starting"
              : std::string("postgres did not accept connections within 30 s")) +
      "; log:\n" + FileTail(log_path));
}

int LocalPostgres::Stop() { return process_.Stop(SIGINT); }

std::string LocalPostgres::url() const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

LocalBroker::LocalBroker(std::string binary, std::string root, int readings_partitions)
    : binary_(std::move(binary)),
      root_(std::move(root)),
      readings_partitions_(readings_partitions) {}

LocalBroker::~LocalBroker() { Stop(); }

Status LocalBroker::Start() {
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  if (ec) return Status::IOError("cannot make " + root_ + ": " + ec.message());
  if (access(binary_.c_str(), X_OK) != 0) {
    return Status::IOError(binary_ +
                           " is not there: build the metrify-mock-broker target, or give "
                           "--broker-binary or --kafka-brokers");
  }
  const std::string log_path = root_ + "/broker.log";
  const std::string stdout_path = root_ + "/broker.stdout";
  const std::string topics = "metrify.readings:" + std::to_string(readings_partitions_) +
                             ",metrify.grid-status:4,metrify.weather:2,metrify.alerts:2,"
                             "metrify.dlq:1";
  METRIFY_RETURN_IF_ERROR(process_.Start({.argv = {binary_, "--topics", topics},
                                          .env = CleanEnvironment(),
                                          .log_path = log_path,
                                          .stdout_path = stdout_path,
                                          .work_dir = root_,
                                          .user = ""}));
  const std::string prefix = "bootstrap=";
  std::optional<int> exited;
  METRIFY_ASSIGN_OR_RETURN(
      bool ready, PollUntilReady([&]() -> Result<bool> {
        exited = process_.ExitedYet();
        if (exited) return true;
        const std::string out = ReadFileText(stdout_path);
        const size_t end = out.find('\n');
        if (end == std::string::npos) return false;
        if (!out.starts_with(prefix)) {
          return Status::IOError("metrify-mock-broker printed '" + out.substr(0, end) +
                                 "', not a bootstrap= line");
        }
        bootstrap_ = out.substr(prefix.size(), end - prefix.size());
        Result<int> partitions = KafkaTopicPartitions(bootstrap_, "metrify.readings", 1000);
        return partitions.has_value() && *partitions == readings_partitions_;
      }));
  if (ready && !exited) return Status::Ok();
  process_.Stop(SIGKILL);
  return Status::IOError((exited ? "metrify-mock-broker exited with status " +
                                       std::to_string(*exited) + " while starting"
                                 : std::string("metrify-mock-broker did not answer within 30 s")) +
                         "; log:\n" + FileTail(log_path));
}

int LocalBroker::Stop() { return process_.Stop(SIGTERM); }

namespace {

using KafkaHandle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;
using KafkaMetadata =
    std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)>;

// A producer handle (it never produces) for metadata and watermarks.
Result<KafkaHandle> MetadataClient(const std::string& brokers) {
  char reason[512] = "";
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), reason, sizeof reason) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "0", reason, sizeof reason) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("Kafka brokers: ") + reason);
  }
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, reason, sizeof reason), &rd_kafka_destroy);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("Kafka client: ") + reason);
  }
  return rk;
}

// The partition count of `topic` as `rk` sees it.
Result<int> PartitionsOf(rd_kafka_t* rk, const std::string& brokers, const std::string& topic,
                         int timeout_ms) {
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(rk, 1, nullptr, &metadata, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable("Kafka at " + brokers + " did not answer a metadata request");
  }
  KafkaMetadata owned(metadata, &rd_kafka_metadata_destroy);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = metadata->topics[i];
    if (topic == t.topic && t.err == RD_KAFKA_RESP_ERR_NO_ERROR) return t.partition_cnt;
  }
  return Status::NotFound("Kafka at " + brokers + " has no topic " + topic);
}

}  // namespace

Result<int> KafkaTopicPartitions(const std::string& brokers, const std::string& topic,
                                 int timeout_ms) {
  METRIFY_ASSIGN_OR_RETURN(KafkaHandle rk, MetadataClient(brokers));
  return PartitionsOf(rk.get(), brokers, topic, timeout_ms);
}

Result<int64_t> KafkaTopicMessages(const std::string& brokers, const std::string& topic,
                                   int timeout_ms) {
  METRIFY_ASSIGN_OR_RETURN(KafkaHandle rk, MetadataClient(brokers));
  METRIFY_ASSIGN_OR_RETURN(int partitions, PartitionsOf(rk.get(), brokers, topic, timeout_ms));
  int64_t total = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &low, &high, timeout_ms) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable("Kafka at " + brokers + " did not tell the offsets of " + topic);
    }
    total += high - low;
  }
  return total;
}

std::string DefaultMockBrokerBinary() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "metrify-mock-broker").string();
}

}  // namespace metrify::bench
