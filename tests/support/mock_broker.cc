#include "support/mock_broker.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace metrify::test {

namespace {

// The broker count in "127.0.0.1:p1,127.0.0.1:p2".
int CountBrokers(const std::string& bootstrap) {
  return 1 + static_cast<int>(std::count(bootstrap.begin(), bootstrap.end(), ','));
}

// Asks the cluster at `bootstrap` for its metadata; returns how many brokers
// it names (0 when it does not answer within a second).
int BrokersInMetadata(const std::string& bootstrap) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("MockBroker: bootstrap.servers: ") + errstr);
  }
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
  std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr), &rd_kafka_destroy);
  if (!rk) throw std::runtime_error(std::string("MockBroker: rd_kafka_new: ") + errstr);
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(rk.get(), 1, nullptr, &metadata, 1000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return 0;
  }
  int brokers = metadata->broker_cnt;
  rd_kafka_metadata_destroy(metadata);
  return brokers;
}

}  // namespace

MockBroker::MockBroker(std::vector<std::string> args) {
  root_ = MakeServerTempDir("metrify-broker-");
  log_path_ = root_ + "/broker.log";
  stdout_path_ = root_ + "/broker.stdout";
  std::vector<std::string> argv = {METRIFY_MOCK_BROKER_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  try {
    process_.Start({.argv = argv,
                    .log_path = log_path_,
                    .stdout_path = stdout_path_,
                    .work_dir = root_,
                    .user = ""});
    WaitUntilReady();
  } catch (...) {
    process_.Stop(SIGKILL);
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);  // no destructor runs for us
    throw;
  }
}

MockBroker::~MockBroker() {
  Stop();
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- last lines of " << log_path_ << " ----\n"
              << LogTail(log_path_, 40) << "\n---- end of broker log ----\n";
  }
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

void MockBroker::WaitUntilReady() {
  const std::string prefix = "bootstrap=";
  std::optional<int> exited;
  bool ready = PollUntil(
      [&] {
        exited = process_.ExitedYet();
        std::string out = ReadWholeFile(stdout_path_);
        size_t end = out.find('\n');
        if (exited || end == std::string::npos) return exited.has_value();
        if (!out.starts_with(prefix)) {
          throw std::runtime_error("metrify-mock-broker printed '" + out.substr(0, end) +
                                   "', not a bootstrap= line");
        }
        bootstrap_ = out.substr(prefix.size(), end - prefix.size());
        return BrokersInMetadata(bootstrap_) == CountBrokers(bootstrap_);
      },
      kServerStartTimeout);
  if (ready && !exited) return;
  throw std::runtime_error((exited ? "metrify-mock-broker exited with status " +
                                         std::to_string(*exited) + " while starting"
                                   : "metrify-mock-broker did not answer metadata within " +
                                         std::to_string(kServerStartTimeout.count()) + " s") +
                           "; log:\n" + LogTail(log_path_));
}

int MockBroker::Stop() { return process_.Stop(SIGTERM); }

namespace {

// How often `needle` occurs in `text`.
int Occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace

void MockBroker::SignalAndWait(int signal, const std::string& ack, int count) {
  if (::kill(process_.pid(), signal) != 0) {
    throw std::runtime_error("MockBroker: cannot signal the broker: " +
                             std::string(std::strerror(errno)));
  }
  bool done = PollUntil([&] { return Occurrences(log(), ack) >= count; }, kServerStartTimeout);
  if (!done) {
    throw std::runtime_error("metrify-mock-broker did not log '" + ack + "' within " +
                             std::to_string(kServerStartTimeout.count()) + " s; log:\n" +
                             LogTail(log_path_));
  }
}

void MockBroker::SetDown() {
  SignalAndWait(SIGUSR1, "metrify-mock-broker: brokers down\n", ++downs_);
}

void MockBroker::SetUp() {
  SignalAndWait(SIGUSR2, "metrify-mock-broker: brokers up\n", ++ups_);
  bool answering =
      PollUntil([&] { return BrokersInMetadata(bootstrap_) == CountBrokers(bootstrap_); },
                kServerStartTimeout);
  if (!answering) {
    throw std::runtime_error("metrify-mock-broker did not answer metadata after SetUp(); log:\n" +
                             LogTail(log_path_));
  }
}

std::string MockBroker::log() const { return ReadWholeFile(log_path_); }

}  // namespace metrify::test
