// BenchChild: one server process a benchmark starts for itself (PostgreSQL,
// the Kafka-protocol test broker, `metrify worker ingest`), with its output
// in a log file. It dies with the benchmark (PR_SET_PDEATHSIG), so an
// interrupted run leaves no server behind, and may run as another user
// (PostgreSQL refuses to run as root). The benchmarks' counterpart of the
// tests' ChildProcess (tests/support/), which benchmarks must not use.
//
// Also the small process helpers the scaled benchmark needs: a free
// loopback port, a file's content and tail, and CPU time per process.
//
// Thread safety: none; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace metrify::bench {

struct BenchChildSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  // The whole environment of the child (nothing is inherited).
  std::vector<std::string> env;
  std::string log_path;     // stderr, and stdout unless stdout_path, appended here
  std::string stdout_path;  // when set, stdout is appended here instead
  std::string work_dir = "/";
  std::string user;  // when set and we are root, the child runs as this user
};

class BenchChild {
 public:
  BenchChild() = default;
  ~BenchChild();  // SIGKILLs a child still running and reaps it
  BenchChild(const BenchChild&) = delete;
  BenchChild& operator=(const BenchChild&) = delete;

  // Forks and execs `spec`. Errors: IOError when it cannot (no such user,
  // log not writable, fork failed). REQUIRES: not running.
  Status Start(const BenchChildSpec& spec);
  // Sends `signal` and waits at most `timeout` (then SIGKILL). Returns the
  // exit code, 128 + N when killed by signal N, -1 when it had to be
  // killed or was not running.
  int Stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The exit status (as Stop()) once the child has ended; it is then reaped.
  std::optional<int> ExitedYet();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Runs `spec` to its end and returns its exit status (as BenchChild::Stop;
// -1 when it was killed after `timeout`).
Result<int> RunChildToEnd(const BenchChildSpec& spec, std::chrono::milliseconds timeout);

// The current environment without METRIFY_* variables, plus `extra`
// ("NAME=value" each).
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra);

// A loopback TCP port the kernel just handed out and released (0 when
// none): free unless another process takes it in the next moments.
uint16_t FreeLoopbackPort();

// The file's content ("" when it cannot be read), and its last `lines`.
std::string ReadFileText(const std::string& path);
std::string FileTail(const std::string& path, size_t lines = 20);

// CPU seconds (user + system) `pid` has used, with those of its children
// it has reaped; 0 when it is gone.
double ProcessCpuSeconds(pid_t pid);
// ProcessCpuSeconds of `pid` plus the CPU of its live children (a
// PostgreSQL postmaster and its backends).
double ProcessTreeCpuSeconds(pid_t pid);

}  // namespace metrify::bench
