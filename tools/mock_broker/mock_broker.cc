// metrify-mock-broker: a Kafka-protocol broker for tests (docs/testing.md).
//
// Apache Kafka is not installable on the test machines, so this runs
// librdkafka's mock cluster, which speaks the real Kafka wire protocol on
// loopback (keyed produce, idempotence, consumer groups, offset commits). It
// creates the topics given by --topics, prints one line
// `bootstrap=127.0.0.1:p1,...` to stdout, and serves until SIGTERM or SIGINT.
// Nothing is persisted; ports are ephemeral.
//
// Outages for tests: SIGUSR1 takes every broker down (connections dropped,
// new ones refused), SIGUSR2 brings them up again; each is acknowledged on
// stderr ("metrify-mock-broker: brokers down" / "... up") once done.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct TopicSpec {
  std::string name;
  int partitions = 0;
};

constexpr const char* kDefaultTopics =
    "metrify.readings:4,metrify.grid-status:4,metrify.weather:2,metrify.alerts:2,metrify.dlq:1";

// Parses "name:partitions,..."; the error names the bad entry.
std::optional<std::vector<TopicSpec>> ParseTopics(const std::string& list, std::string& error) {
  std::vector<TopicSpec> topics;
  std::istringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    size_t colon = item.rfind(':');
    char* end = nullptr;
    long partitions = colon == std::string::npos ? 0 : std::strtol(&item[colon + 1], &end, 10);
    if (colon == std::string::npos || colon == 0 || end == &item[colon + 1] || *end != '\0' ||
        partitions < 1 || partitions > 1000) {
      error = "--topics: '" + item + "' is not name:partitions with partitions in 1..1000";
      return std::nullopt;
    }
    topics.push_back({item.substr(0, colon), static_cast<int>(partitions)});
  }
  if (topics.empty()) {
    error = "--topics: no topic given";
    return std::nullopt;
  }
  return topics;
}

// The mock cluster lives inside a client handle; a producer handle that never
// produces is the cheapest host for it.
rd_kafka_t* NewHostHandle() {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) std::cerr << "metrify-mock-broker: rd_kafka_new: " << errstr << "\n";
  return rk;
}

// The signals this program acts on; main() blocks them before librdkafka
// starts its threads, so only ServeSignals()'s sigwait() sees them and the
// work happens on an ordinary thread, not in a signal handler.
sigset_t HandledSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaddset(&signals, signal);
  return signals;
}

// Serves outage requests until SIGTERM or SIGINT. The mock cluster applies a
// state change before rd_kafka_mock_broker_set_down/up() return, so the
// line on stderr tells a waiting test that it is in effect.
void ServeSignals(rd_kafka_mock_cluster_t* cluster) {
  sigset_t signals = HandledSignals();
  for (;;) {
    int received = 0;
    if (sigwait(&signals, &received) != 0) continue;
    if (received == SIGTERM || received == SIGINT) return;
    bool down = received == SIGUSR1;
    // -1: every broker of the cluster.
    rd_kafka_resp_err_t err = down ? rd_kafka_mock_broker_set_down(cluster, -1)
                                   : rd_kafka_mock_broker_set_up(cluster, -1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::cerr << "metrify-mock-broker: setting brokers " << (down ? "down" : "up") << ": "
                << rd_kafka_err2str(err) << std::endl;
      continue;
    }
    std::cerr << "metrify-mock-broker: brokers " << (down ? "down" : "up") << std::endl;
  }
}

int Serve(int brokers, const std::vector<TopicSpec>& topics, int replication) {
  rd_kafka_t* rk = NewHostHandle();
  if (rk == nullptr) return 1;
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster == nullptr) {
    std::cerr << "metrify-mock-broker: could not create a mock cluster of " << brokers
              << " brokers\n";
    rd_kafka_destroy(rk);
    return 1;
  }
  int status = 0;
  for (const TopicSpec& topic : topics) {
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(cluster, topic.name.c_str(), topic.partitions, replication);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::cerr << "metrify-mock-broker: creating topic " << topic.name << ": "
                << rd_kafka_err2str(err) << "\n";
      status = 1;
    }
  }
  if (status == 0) {
    std::printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
    std::fflush(stdout);
    ServeSignals(cluster);
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "A Kafka-protocol broker for tests: librdkafka's mock cluster on 127.0.0.1.\n"
      "Prints `bootstrap=HOST:PORT,...` and serves until SIGTERM or SIGINT.\n"
      "SIGUSR1 takes every broker down, SIGUSR2 brings them up again.",
      "metrify-mock-broker"};
  int brokers = 1;
  std::string topic_list = kDefaultTopics;
  std::optional<int> replication;
  app.add_option("--brokers", brokers, "Number of brokers")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  app.add_option("--topics", topic_list, "Topics to create, name:partitions,...")
      ->capture_default_str();
  app.add_option("--replication", replication, "Replication factor (default: min(3, brokers))")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  std::string error;
  std::optional<std::vector<TopicSpec>> topics = ParseTopics(topic_list, error);
  if (!topics) {
    std::cerr << "metrify-mock-broker: " << error << "\n";
    return 2;
  }
  int factor = replication.value_or(std::min(3, brokers));
  if (factor > brokers) {
    std::cerr << "metrify-mock-broker: --replication " << factor << " is more than --brokers "
              << brokers << "\n";
    return 2;
  }
  sigset_t signals = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return Serve(brokers, *topics, factor);
}
