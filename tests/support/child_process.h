// Child processes for the real servers the scaled-mode tests start
// (PostgresServer, RedisServer, MockBroker; docs/testing.md).
//
// Like ServerProcess (support/server_process.h), a child gets a clean
// environment, and it dies with the test process (PR_SET_PDEATHSIG), so a
// crashed or timed-out test leaves no server behind. Unlike it, a child may
// run as another user (PostgreSQL refuses to run as root) and writes stdout
// and stderr to files, the server's log.
//
// Thread safety: none; a ChildProcess belongs to one test (or one suite).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace metrify::test {

// Generous: a loaded 2-core machine, and initdb takes a few seconds.
inline constexpr std::chrono::seconds kServerStartTimeout{30};
inline constexpr std::chrono::seconds kServerStopTimeout{30};

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::string log_path;           // stderr (and stdout, unless stdout_path) appended here
  std::string stdout_path;        // when set, stdout is appended here instead
  std::string work_dir = "/";     // the child's working directory
  std::string user;               // when set, the child runs as this user (tests run as root)
};

class ChildProcess {
 public:
  ChildProcess() = default;
  // Kills a child still running (SIGKILL) and reaps it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Forks and execs `spec`. Throws std::runtime_error when it cannot.
  // REQUIRES: not running.
  void Start(const ChildSpec& spec);
  // Sends `signal` and waits. Returns the exit code, 128 + N when killed by
  // signal N, or -1 when it did not end within `timeout` (then SIGKILLed).
  // Returns -1 at once when not running.
  int Stop(int signal, std::chrono::milliseconds timeout = kServerStopTimeout);
  // The exit status (as Stop()) if the child has ended; it is then reaped.
  std::optional<int> ExitedYet();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Runs `spec` to its end (initdb, for example); returns its status as
// ChildProcess::Stop(), or -1 when it was killed after `timeout`.
int RunToEnd(const ChildSpec& spec, std::chrono::milliseconds timeout);

// mkdtemp("/tmp/<prefix>XXXXXX"); throws on failure.
std::string MakeServerTempDir(const char* prefix);
// Gives `path` (not recursively) to `user`; throws on failure.
void ChownToUser(const std::string& path, const std::string& user);
// The file's content, or "" when it cannot be read.
std::string ReadWholeFile(const std::string& path);
// The last `count` lines of the file at `path`, for error messages.
std::string LogTail(const std::string& path, size_t count = 20);
// Polls `ready` every 20 ms until it returns true (true) or `timeout` passes
// (false).
bool PollUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

// The port a started worker role logged it listens on (`--listen
// 127.0.0.1:0`: "listen":"127.0.0.1:N" in its JSON log), reading its log
// from byte `log_start` on. Throws with the log when the process exits or
// logs no port within kServerStartTimeout; `what` names it there.
uint16_t WaitForLoggedPort(ChildProcess& process, const std::string& log_path,
                           const std::string& what, size_t log_start = 0);

// A server's first start: picks a free port into *port and calls
// `try_start` (false: the port was taken meanwhile), a few times. On
// failure, or when `try_start` throws, removes `root` (no destructor runs
// for a constructor that throws) and throws with the log's tail. `name`
// names the server in the message.
void StartOnAFreePort(const char* name, uint16_t* port, const std::function<bool()>& try_start,
                      const std::string& root, const std::string& log_path);
// A fixture's end: prints the log's tail when the test failed, then removes
// `root` with the server's data.
void RemoveServerDir(const char* name, const std::string& root, const std::string& log_path);

}  // namespace metrify::test
