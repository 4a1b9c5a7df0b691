#include "support/scaled_cluster.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "store/postgres/pg_migrations.h"
#include "support/http_client.h"

namespace metrify::test {

ScaledCluster::ScaledCluster(EnvVars env) : env_(std::move(env)) {
  char pattern[] = "/tmp/metrify-scaled-XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = pattern;
  auto db = store::PgConnection::Connect(pg_.url(), std::chrono::seconds(10));
  if (!db.has_value()) throw std::runtime_error(db.status().message());
  auto migrated = store::ApplyPgMigrations(**db, store::PgMigrations());
  if (!migrated.has_value()) throw std::runtime_error(migrated.status().message());
  config_path_ = root_ + "/metrify.yaml";
  std::ofstream(config_path_) << fmt::format(
      "mode: scaled\npostgres:\n  url: {}\nkafka:\n  brokers: {}\nlog:\n  level: info\n", pg_.url(),
      broker_.bootstrap());
}

ScaledCluster::~ScaledCluster() {
  for (auto* processes : {&workers_, &monitors_, &processors_}) {
    for (auto& w : *processes) {
      if (w) w->process.Stop(SIGKILL, std::chrono::seconds(5));
    }
  }
  api_.reset();
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

ServerProcess& ScaledCluster::StartApi() {
  ServerOptions options;
  options.env = env_;
  options.env.emplace_back("METRIFY_CONFIG", config_path_);
  api_ = std::make_unique<ServerProcess>(options);
  return *api_;
}

void ScaledCluster::AddConfig(const std::string& yaml) {
  std::ofstream(config_path_, std::ios::app) << yaml;
}

std::string ScaledCluster::worker_log(size_t i) const {
  return ReadWholeFile(workers_.at(i)->log_path);
}

void ScaledCluster::StartWorker(size_t i) { StartRole(&workers_, i, "ingest", {"--batch", "500"}); }

std::string ScaledCluster::monitor_log(size_t i) const {
  return ReadWholeFile(monitors_.at(i)->log_path);
}

void ScaledCluster::StartMonitor(size_t i) { StartRole(&monitors_, i, "monitor", {}); }

void ScaledCluster::StartProcessRole(size_t i) { StartRole(&processors_, i, "process", {}); }

int ScaledCluster::StopMonitor(size_t i, int signal) {
  return monitors_.at(i)->process.Stop(signal);
}

void ScaledCluster::StartRole(std::vector<std::unique_ptr<Worker>>* processes, size_t i,
                              const std::string& role, std::vector<std::string> extra) {
  if (processes->size() <= i) processes->resize(i + 1);
  if (!(*processes)[i]) (*processes)[i] = std::make_unique<Worker>();
  Worker& w = *(*processes)[i];
  w.log_path = fmt::format("{}/{}-{}.log", root_, role, i);
  // Port 0: the worker binds any free port and logs it.
  std::vector<std::string> argv = {METRIFY_BINARY, "worker",   role,         "--config",
                                   config_path_,   "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const size_t log_start =
      std::filesystem::exists(w.log_path) ? std::filesystem::file_size(w.log_path) : 0;
  ChildSpec spec;
  spec.argv = argv;
  spec.log_path = w.log_path;
  w.process.Start(spec);
  w.port = WaitForLoggedPort(w.process, w.log_path, fmt::format("{} {}", role, i), log_start);
}

int ScaledCluster::StopWorker(size_t i, int signal) { return workers_.at(i)->process.Stop(signal); }

}  // namespace metrify::test
