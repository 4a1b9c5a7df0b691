#include "bench/bench_child.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace metrify::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct Account {
  uid_t uid;
  gid_t gid;
};

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The child side of fork(): only async-signal-safe calls until exec, since
// the benchmark has threads. The death signal is set after the user
// switch, which clears it.
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

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid`; SIGKILLs it and returns -1 when it does not end in time.
int WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return DecodeWaitStatus(status);
    if (done < 0 && errno != EINTR) return -1;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

Result<pid_t> Spawn(const BenchChildSpec& spec) {
  std::optional<Account> account;
  if (!spec.user.empty() && geteuid() == 0) {
    const passwd* entry = getpwnam(spec.user.c_str());
    if (entry == nullptr) return Status::IOError("no user '" + spec.user + "' on this machine");
    account = Account{entry->pw_uid, entry->pw_gid};
  }
  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> env = spec.env;
  std::vector<char*> c_argv = CStrings(argv);
  std::vector<char*> c_env = CStrings(env);
  int stdio[3] = {open("/dev/null", O_RDONLY | O_CLOEXEC),
                  open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644), -1};
  stdio[2] = stdio[1];
  if (!spec.stdout_path.empty()) {
    stdio[1] = open(spec.stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  // stdio[2] is the log; stdio[1] the log too, or the stdout file.
  auto close_all = [&] {
    if (stdio[0] >= 0) close(stdio[0]);
    if (stdio[1] >= 0 && stdio[1] != stdio[2]) close(stdio[1]);
    if (stdio[2] >= 0) close(stdio[2]);
  };
  if (stdio[0] < 0 || stdio[1] < 0 || stdio[2] < 0) {
    const int open_errno = errno;
    close_all();
    return Status::IOError("cannot open the log of " + spec.argv.front() + ": " +
                           std::strerror(open_errno));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    ExecChild(c_argv.data(), c_env.data(), stdio, spec.work_dir.c_str(),
              account ? &*account : nullptr, parent);
  }
  const int fork_errno = errno;
  close_all();
  if (pid < 0) return Status::IOError(std::string("fork failed: ") + std::strerror(fork_errno));
  return pid;
}

// Fields 14-17 of /proc/PID/stat (utime, stime, cutime, cstime) in clock
// ticks, and field 4 (ppid); false when the process is gone.
struct ProcStat {
  pid_t ppid = 0;
  long long utime = 0, stime = 0, cutime = 0, cstime = 0;
};

bool ReadProcStat(pid_t pid, ProcStat* out) {
  const std::string text = ReadFileText("/proc/" + std::to_string(pid) + "/stat");
  // The command name (field 2) may hold spaces; fields follow its ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(text.substr(close + 2));
  std::string state;
  long long ignored = 0;
  fields >> state >> out->ppid;
  for (int field = 5; field <= 13; ++field) fields >> ignored;
  fields >> out->utime >> out->stime >> out->cutime >> out->cstime;
  return static_cast<bool>(fields);
}

double Ticks(long long ticks) {
  static const double per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  return static_cast<double>(ticks) / per_second;
}

}  // namespace

BenchChild::~BenchChild() {
  if (running()) Stop(SIGKILL);
}

Status BenchChild::Start(const BenchChildSpec& spec) {
  if (running()) return Status::Internal("BenchChild::Start: already running");
  Result<pid_t> pid = Spawn(spec);
  if (!pid) return pid.status();
  pid_ = *pid;
  return Status::Ok();
}

int BenchChild::Stop(int signal, std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  kill(pid_, signal);
  const int status = WaitForExit(pid_, timeout);
  pid_ = -1;
  return status;
}

std::optional<int> BenchChild::ExitedYet() {
  int status = 0;
  if (!running() || waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  pid_ = -1;
  return DecodeWaitStatus(status);
}

Result<int> RunChildToEnd(const BenchChildSpec& spec, std::chrono::milliseconds timeout) {
  METRIFY_ASSIGN_OR_RETURN(pid_t pid, Spawn(spec));
  return WaitForExit(pid, timeout);
}

std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** item = environ; item != nullptr && *item != nullptr; ++item) {
    if (!std::string_view(*item).starts_with("METRIFY_")) env.emplace_back(*item);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string FileTail(const std::string& path, size_t lines) {
  const std::string text = ReadFileText(path);
  size_t pos = text.size();
  while (lines-- > 0 && pos > 0) {
    const size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos);
}

double ProcessCpuSeconds(pid_t pid) {
  ProcStat s;
  if (pid <= 0 || !ReadProcStat(pid, &s)) return 0;
  return Ticks(s.utime + s.stime + s.cutime + s.cstime);
}

double ProcessTreeCpuSeconds(pid_t pid) {
  double total = ProcessCpuSeconds(pid);
  if (pid <= 0) return total;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return total;
  while (const dirent* entry = readdir(proc)) {
    char* end = nullptr;
    const long child = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    ProcStat s;
    if (ReadProcStat(static_cast<pid_t>(child), &s) && s.ppid == pid) {
      total += Ticks(s.utime + s.stime);
    }
  }
  closedir(proc);
  return total;
}

}  // namespace metrify::bench
