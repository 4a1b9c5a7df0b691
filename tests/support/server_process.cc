#include "support/server_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/http_client.h"

extern char** environ;

namespace metrify::test {

namespace {

using Clock = std::chrono::steady_clock;

// How often the fixtures look at a condition they wait for.
constexpr std::chrono::milliseconds kPollInterval{10};
// Start attempts: FreeTcpPort() releases the port before the server binds
// it, so another process may take it in between.
constexpr int kStartAttempts = 3;

std::runtime_error SystemError(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// The test's environment without METRIFY_* variables, plus `extra`.
std::vector<std::string> ChildEnvironment(const EnvVars& extra) {
  std::vector<std::string> env;
  for (char** item = environ; item && *item; ++item) {
    if (!std::string_view(*item).starts_with("METRIFY_")) env.emplace_back(*item);
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// fork + exec with fds 0-2 taken from `stdio`. Between fork and exec the
// child calls only async-signal-safe functions, since the test process may
// have threads. The child dies with the test process (PR_SET_PDEATHSIG; it
// fires when the forking thread ends, which for gtest is the main thread).
pid_t Spawn(std::vector<std::string> argv, std::vector<std::string> env, const int stdio[3]) {
  std::vector<char*> c_argv = CStrings(argv);
  std::vector<char*> c_env = CStrings(env);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw SystemError("fork");
  if (pid > 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  for (int fd = 0; fd < 3; ++fd) {
    if (dup2(stdio[fd], fd) < 0) _exit(127);
  }
  // Sockets the test holds must not stay open in the child.
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 4096; ++fd) close(fd);
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGINT, SIGTERM}) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execvpe(c_argv[0], c_argv.data(), c_env.data());
  _exit(127);
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid` to end; -1 (after SIGKILL) when it does not within `timeout`.
int WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return DecodeWaitStatus(status);
    if (done < 0 && errno != EINTR) return -1;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

// Has `pid` ended? Then its exit status, as WaitForExit().
std::optional<int> ExitedYet(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == pid) return DecodeWaitStatus(status);
  return std::nullopt;
}

int OpenOrThrow(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw SystemError("open " + path);
  return fd;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string LastLines(const std::string& text, size_t count) {
  size_t pos = text.size();
  while (count-- > 0 && pos > 0) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos);
}

void IgnoreSigpipeOnce() {
  // Writing to a child's stdin after it exited must be an EPIPE, not the
  // end of the test process.
  static std::once_flag once;
  std::call_once(once, [] { signal(SIGPIPE, SIG_IGN); });
}

std::string MakeTempDir(const char* prefix) {
  std::string pattern = std::string("/tmp/") + prefix + "XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw SystemError("mkdtemp " + pattern);
  return pattern;
}

}  // namespace

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
  root_ = MakeTempDir("metrify-e2e-");
  data_dir_ = root_ + "/data";
  log_path_ = root_ + "/server.log";
  try {
    Start();
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);  // no destructor runs for us
    throw;
  }
}

ServerProcess::~ServerProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    WaitForExit(pid_, kStopTimeout);
  }
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- last lines of " << log_path_ << " ----\n"
              << LastLines(log(), 40) << "\n---- end of server log ----\n";
  }
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

void ServerProcess::Start() {
  if (running()) throw std::runtime_error("ServerProcess::Start: already running");
  for (int attempt = 1;; ++attempt) {
    port_ = FreeTcpPort();
    std::vector<std::string> argv = {METRIFY_BINARY, "serve",
                                     "--listen",     "127.0.0.1:" + std::to_string(port_),
                                     "--data-dir",   data_dir_};
    argv.insert(argv.end(), options_.args.begin(), options_.args.end());
    int stdio[3] = {OpenOrThrow("/dev/null", O_RDONLY),
                    OpenOrThrow(root_ + "/server.stdout", O_WRONLY | O_CREAT | O_APPEND),
                    OpenOrThrow(log_path_, O_WRONLY | O_CREAT | O_APPEND)};
    size_t log_before = log().size();
    pid_ = Spawn(argv, ChildEnvironment(options_.env), stdio);
    for (int fd : stdio) close(fd);
    try {
      WaitUntilLive(log_before);
      return;
    } catch (const std::runtime_error&) {
      bool port_taken = log().find("Address already in use", log_before) != std::string::npos;
      if (!port_taken || attempt == kStartAttempts) throw;
    }
  }
}

// Live means: /health/live answers 200 on our port, and our own process
// logged that it serves that port. The second part matters when parallel
// tests race for ports: a server of another test may answer on a port ours
// failed to bind.
void ServerProcess::WaitUntilLive(size_t log_offset) {
  auto deadline = Clock::now() + kStartTimeout;
  std::string serving = "\"listen\":\"127.0.0.1:" + std::to_string(port_) + "\"";
  while (Clock::now() < deadline) {
    if (std::optional<int> status = ExitedYet(pid_)) {
      pid_ = -1;
      throw std::runtime_error("metrify serve exited with status " + std::to_string(*status) +
                               " while starting; log:\n" + LastLines(log(), 20));
    }
    try {
      TestHttpClient client("127.0.0.1", port_);
      client.set_timeout(std::chrono::seconds(2));
      if (client.Get("/health/live").status == 200 &&
          log().find(serving, log_offset) != std::string::npos) {
        return;
      }
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  kill(pid_, SIGKILL);
  WaitForExit(pid_, kStopTimeout);
  pid_ = -1;
  throw std::runtime_error("metrify serve did not answer /health/live within " +
                           std::to_string(kStartTimeout.count()) + " s; log:\n" +
                           LastLines(log(), 20));
}

int ServerProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  Signal(signal);
  return Wait(timeout);
}

void ServerProcess::Signal(int signal) {
  if (running()) kill(pid_, signal);
}

int ServerProcess::Wait(std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  int status = WaitForExit(pid_, timeout);
  pid_ = -1;
  return status;
}

std::string ServerProcess::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string ServerProcess::log() const { return ReadFile(log_path_); }

std::optional<std::string> ServerProcess::WaitForLogLine(
    const std::function<bool(std::string_view)>& match, std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    const std::string text = log();
    // Whole lines only: the server may be writing the last one right now,
    // and half a JSON line that already names what the test waits for
    // would not parse.
    for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      std::string line = text.substr(start, end - start);
      if (match(line)) return line;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

namespace {

// Pumps `input` into `in_fd` and drains `out_fd` and `err_fd` until both
// outputs are closed or `deadline` passes; closes all three either way.
// Returns false on timeout.
bool PumpPipes(int in_fd, std::string_view input, int out_fd, int err_fd, std::string& out,
               std::string& err, Clock::time_point deadline) {
  bool in_time = true;
  if (in_fd >= 0) fcntl(in_fd, F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (in_fd >= 0 && input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || (poll(fds, 3, static_cast<int>(left.count())) < 0 && errno != EINTR)) {
      in_time = false;
      break;
    }
    char chunk[16 << 10];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        (i == 0 ? out : err).append(chunk, n);
      } else if (n == 0 || errno != EAGAIN) {
        close(fds[i].fd);
        (i == 0 ? out_fd : err_fd) = -1;
      }
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLHUP | POLLERR))) {
      ssize_t n = write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) written += n;
      if (n < 0 || written == input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  for (int fd : {in_fd, out_fd, err_fd}) {
    if (fd >= 0) close(fd);
  }
  return in_time;
}

}  // namespace

ProgramResult RunProgram(const std::vector<std::string>& argv, const EnvVars& env,
                         std::string_view input, std::chrono::milliseconds timeout) {
  IgnoreSigpipeOnce();
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    throw SystemError("pipe2");
  }
  int stdio[3] = {in[0], out[1], err[1]};
  auto deadline = Clock::now() + timeout;
  pid_t pid = Spawn(argv, ChildEnvironment(env), stdio);
  for (int fd : stdio) close(fd);
  ProgramResult result;
  bool in_time = PumpPipes(in[1], input, out[0], err[0], result.out, result.err, deadline);
  if (!in_time) kill(pid, SIGKILL);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  result.exit_code = WaitForExit(pid, std::max(left, std::chrono::milliseconds(100)));
  if (!in_time) result.exit_code = -1;
  return result;
}

ProgramResult RunCli(const std::vector<std::string>& args, const EnvVars& env,
                     std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {METRIFY_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, env, {}, timeout);
}

std::string DataFile(std::string_view relative) {
  return std::string(METRIFY_SOURCE_DIR) + "/tests/data/" + std::string(relative);
}

TempDir::TempDir() : path_(MakeTempDir("metrify-test-")) {}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::WriteFile(std::string_view name, std::string_view content) const {
  std::string path = path_ + "/" + std::string(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace metrify::test
