// BenchServer: `metrify serve` as a child process for `metrify bench`, so
// the benchmark measures the real server (its HTTP, parsing, engine and
// fsyncs) and reads the server's own peak memory, not the load generator's.
//
// The child is this same binary (/proc/self/exe) on 127.0.0.1 and a free
// port, with its data directory under `dir` and its log in dir/server.log.
// It dies with the benchmark (PR_SET_PDEATHSIG).
//
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace metrify::bench {

class BenchServer {
 public:
  // `env` adds METRIFY_* settings (e.g. the head budget) to the child's.
  BenchServer(std::string dir, std::vector<std::pair<std::string, std::string>> env = {});
  ~BenchServer();  // kills a child still running
  BenchServer(const BenchServer&) = delete;
  BenchServer& operator=(const BenchServer&) = delete;

  // Starts the child and waits until /health/live answers (at most 30 s).
  // Errors: IOError when it cannot start or does not answer.
  Status Start();
  // SIGTERM and wait: the server flushes its head to segments and exits.
  // Errors: the child did not exit 0 within 120 s.
  Status Stop();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& data_dir() const { return data_dir_; }
  // The child's peak resident memory so far (VmHWM), in MiB; 0 if unknown.
  double PeakRssMb() const;

 private:
  std::string dir_;
  std::string data_dir_;
  std::vector<std::pair<std::string, std::string>> env_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Bytes of every regular file under `dir` (what `du --apparent-size` says).
uint64_t DirectoryBytes(const std::string& dir);

// The value of an unlabelled series on the server's /metrics (nullopt when
// it is not there).
Result<std::optional<double>> ScrapeMetric(const std::string& url, std::string_view name);

// Waits until VEE has validated every acknowledged reading; returns the
// seconds since `started`. With validation off, at once.
Result<double> WaitForValidation(const std::string& url,
                                 std::chrono::steady_clock::time_point started);

}  // namespace metrify::bench
