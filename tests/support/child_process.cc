#include "support/child_process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "support/http_client.h"

namespace metrify::test {

namespace {

using Clock = std::chrono::steady_clock;

std::runtime_error SystemError(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

struct Account {
  uid_t uid;
  gid_t gid;
};

Account LookUpUser(const std::string& user) {
  passwd* entry = getpwnam(user.c_str());
  if (entry == nullptr) throw std::runtime_error("no user '" + user + "' on this machine");
  return {entry->pw_uid, entry->pw_gid};
}

int OpenForAppend(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw SystemError("open " + path);
  return fd;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The child side of fork(): only async-signal-safe calls, since the test
// process may have threads. The death signal is set after the user switch,
// because changing credentials clears it.
[[noreturn]] void ExecChild(char** argv, char** env, const int stdio[3], const char* work_dir,
                            const Account* account, pid_t parent) {
  for (int fd = 0; fd < 3; ++fd) {
    if (dup2(stdio[fd], fd) < 0) _exit(127);
  }
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 4096; ++fd) close(fd);
  }
  if (account != nullptr && (setgroups(1, &account->gid) != 0 || setgid(account->gid) != 0 ||
                             setuid(account->uid) != 0)) {
    _exit(126);
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  if (chdir(work_dir) != 0) _exit(126);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(argv[0], argv, env);
  _exit(127);
}

pid_t Spawn(const ChildSpec& spec) {
  std::optional<Account> account;
  if (!spec.user.empty()) account = LookUpUser(spec.user);
  // A clean environment: nothing of the developer's shell reaches a server.
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C.UTF-8", "TZ=UTC"};
  std::vector<std::string> argv = spec.argv;
  std::vector<char*> c_argv = CStrings(argv);
  std::vector<char*> c_env = CStrings(env);
  int stdio[3] = {open("/dev/null", O_RDONLY | O_CLOEXEC), OpenForAppend(spec.log_path), -1};
  if (stdio[0] < 0) throw SystemError("open /dev/null");
  stdio[2] = stdio[1];
  if (!spec.stdout_path.empty()) stdio[1] = OpenForAppend(spec.stdout_path);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    ExecChild(c_argv.data(), c_env.data(), stdio, spec.work_dir.c_str(),
              account ? &*account : nullptr, parent);
  }
  int fork_errno = errno;
  close(stdio[0]);
  close(stdio[1]);
  if (stdio[2] != stdio[1]) close(stdio[2]);
  errno = fork_errno;
  if (pid < 0) throw SystemError("fork");
  return pid;
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid`; SIGKILLs it and returns -1 when it does not end in time.
int WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  int status = 0;
  bool ended = PollUntil(
      [&] {
        pid_t done = waitpid(pid, &status, WNOHANG);
        return done == pid || (done < 0 && errno != EINTR);
      },
      timeout);
  if (ended) return DecodeWaitStatus(status);
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (running()) Stop(SIGKILL);
}

void ChildProcess::Start(const ChildSpec& spec) {
  if (running()) throw std::runtime_error("ChildProcess::Start: already running");
  pid_ = Spawn(spec);
}

int ChildProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  kill(pid_, signal);
  int status = WaitForExit(pid_, timeout);
  pid_ = -1;
  return status;
}

std::optional<int> ChildProcess::ExitedYet() {
  int status = 0;
  if (!running() || waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  pid_ = -1;
  return DecodeWaitStatus(status);
}

int RunToEnd(const ChildSpec& spec, std::chrono::milliseconds timeout) {
  return WaitForExit(Spawn(spec), timeout);
}

std::string MakeServerTempDir(const char* prefix) {
  std::string pattern = std::string("/tmp/") + prefix + "XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw SystemError("mkdtemp " + pattern);
  return pattern;
}

void ChownToUser(const std::string& path, const std::string& user) {
  Account account = LookUpUser(user);
  if (chown(path.c_str(), account.uid, account.gid) != 0) throw SystemError("chown " + path);
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string LogTail(const std::string& path, size_t count) {
  std::string text = ReadWholeFile(path);
  size_t pos = text.size();
  while (count-- > 0 && pos > 0) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos);
}

bool PollUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (ready()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

uint16_t WaitForLoggedPort(ChildProcess& process, const std::string& log_path,
                           const std::string& what, size_t log_start) {
  const std::regex listen(R"re("listen":"127\.0\.0\.1:(\d+)")re");
  const auto deadline = Clock::now() + kServerStartTimeout;
  while (Clock::now() < deadline) {
    if (std::optional<int> exited = process.ExitedYet()) {
      throw std::runtime_error(what + " exited (" + std::to_string(*exited) +
                               "): " + ReadWholeFile(log_path));
    }
    const std::string log = ReadWholeFile(log_path);
    std::smatch m;
    if (log.size() > log_start &&
        std::regex_search(log.begin() + static_cast<long>(log_start), log.end(), m, listen)) {
      return static_cast<uint16_t>(std::stoi(m[1]));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error(what + " did not start: " + ReadWholeFile(log_path));
}

void StartOnAFreePort(const char* name, uint16_t* port, const std::function<bool()>& try_start,
                      const std::string& root, const std::string& log_path) {
  constexpr int kAttempts = 3;  // FreeTcpPort() may race with another process
  try {
    for (int attempt = 1;; ++attempt) {
      *port = FreeTcpPort();
      if (try_start()) return;
      if (attempt == kAttempts) {
        throw std::runtime_error(std::string(name) + ": no free port after " +
                                 std::to_string(kAttempts) + " attempts; log:\n" +
                                 LogTail(log_path));
      }
    }
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
    throw;
  }
}

void RemoveServerDir(const char* name, const std::string& root, const std::string& log_path) {
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- last lines of " << log_path << " ----\n"
              << LogTail(log_path, 40) << "\n---- end of " << name << " log ----\n";
  }
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
}

}  // namespace metrify::test
