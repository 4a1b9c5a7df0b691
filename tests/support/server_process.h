// Test fixtures that run the real `metrify` binary (METRIFY_BINARY) as a
// child process: ServerProcess for `metrify serve`, RunCli() and
// RunProgram() for one-shot commands.
//
// Children get a clean environment: the test's own METRIFY_* variables are
// dropped so a developer's shell cannot change what a test sees; only the
// variables a test passes are added. Every child is killed when the test
// process dies (PR_SET_PDEATHSIG), so a crashed or timed-out test leaves no
// server behind.
//
// Thread safety: none; a ServerProcess belongs to one test (or one suite).
// RunProgram() and RunCli() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metrify::test {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// Generous limits: the suite runs on a loaded 2-core machine.
inline constexpr std::chrono::seconds kStartTimeout{20};
inline constexpr std::chrono::seconds kStopTimeout{30};
inline constexpr std::chrono::seconds kCliTimeout{30};

struct ServerOptions {
  // Added to the child's environment, e.g. {"METRIFY_SERVER_MAX_BODY_BYTES", "2048"}.
  EnvVars env;
  // Added after `serve --listen ... --data-dir ...`.
  std::vector<std::string> args;
};

// `metrify serve` on 127.0.0.1 and a free port. A temporary directory
// (mkdtemp under /tmp) holds the data directory `data/` and the server's
// stderr (its log) in `server.log`, kept over restarts.
//
// Lifecycle: the constructor creates the directory and starts the server. It
// returns once /health/live answers 200 and the log says the server serves
// its port (so log.level must stay at info or below), and throws
// std::runtime_error with the log's tail when that does not happen within
// kStartTimeout. Stop() ends the process; Start() runs it again on the same
// data directory with a new port. The destructor kills a server still
// running and removes the temporary directory.
class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the binary on a new free port and waits for /health/live. Throws
  // std::runtime_error when the process exits or does not answer within
  // kStartTimeout. REQUIRES: not running.
  void Start();

  // Sends `signal`, then Wait()s. Returns the exit status as Wait() does.
  int Stop(int signal = SIGTERM, std::chrono::milliseconds timeout = kStopTimeout);
  // Sends `signal` to the running server without waiting.
  void Signal(int signal);
  // Waits for the process to end. Returns its exit code, 128 + N when it was
  // killed by signal N (shell convention), or -1 when it did not end within
  // `timeout` (it is then killed with SIGKILL).
  int Wait(std::chrono::milliseconds timeout = kStopTimeout);

  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT", for the CLI's --server.
  std::string url() const;
  const std::string& data_dir() const { return data_dir_; }
  // Everything the server wrote to stderr so far, over all its runs.
  std::string log() const;
  // Polls the log until a line satisfies `match`; returns that line, or
  // nullopt after `timeout`. Lines are written after the response is sent,
  // so a test that just got a response must wait for its log line.
  std::optional<std::string> WaitForLogLine(
      const std::function<bool(std::string_view)>& match,
      std::chrono::milliseconds timeout = kStartTimeout) const;

 private:
  // Polls until the run whose log starts at `log_offset` serves.
  void WaitUntilLive(size_t log_offset);

  ServerOptions options_;
  std::string root_;      // the temporary directory
  std::string data_dir_;  // root_/data
  std::string log_path_;  // root_/server.log
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

struct ProgramResult {
  int exit_code = -1;  // as ServerProcess::Wait(): 128 + N for signal N, -1 on timeout
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs `argv` (argv[0] is a path or a name looked up in PATH) with the clean
// environment plus `env`, stdin from `input` (a pipe), and captures stdout and
// stderr. Kills the child after `timeout`.
ProgramResult RunProgram(const std::vector<std::string>& argv, const EnvVars& env = {},
                         std::string_view input = {},
                         std::chrono::milliseconds timeout = kCliTimeout);

// Runs the metrify binary with `args`.
ProgramResult RunCli(const std::vector<std::string>& args, const EnvVars& env = {},
                     std::chrono::milliseconds timeout = kCliTimeout);

// Path of a file under tests/data/, e.g. DataFile("registry/meters_seed.csv").
std::string DataFile(std::string_view relative);

// A scratch directory removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string WriteFile(std::string_view name, std::string_view content) const;

 private:
  std::string path_;
};

}  // namespace metrify::test
