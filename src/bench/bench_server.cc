#include "bench/bench_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/strings.h"
#include "http/client.h"

namespace metrify::bench {

namespace {

// A port the kernel just handed out and we released: free unless another
// process grabs it in the next moments, which is fine for a benchmark.
uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
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

std::string SelfExe() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).string();
}

}  // namespace

BenchServer::BenchServer(std::string dir, std::vector<std::pair<std::string, std::string>> env)
    : dir_(std::move(dir)), data_dir_(dir_ + "/data"), env_(std::move(env)) {}

BenchServer::~BenchServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

Status BenchServer::Start() {
  port_ = FreePort();
  const std::string exe = SelfExe();
  const std::string listen = "127.0.0.1:" + std::to_string(port_);
  const std::string log_path = dir_ + "/server.log";
  // Built before fork: the child of a threaded process may only call
  // async-signal-safe functions until exec.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.push_back("METRIFY_LOG_LEVEL=warn");
  for (const auto& [k, v] : env_) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) return Status::IOError("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) dup2(log, 2);
    execle(exe.c_str(), exe.c_str(), "serve", "--listen", listen.c_str(), "--data-dir",
           data_dir_.c_str(), static_cast<char*>(nullptr), envp.data());
    _exit(127);
  }
  auto client = http::HttpClient::Connect(url());
  if (!client) return client.error();
  (*client)->set_timeout(std::chrono::seconds(1));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto live = (*client)->Send("GET", "/health/live");
    if (live && live->status == 200) return Status::Ok();
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::IOError("the benchmark server exited at start; see " + log_path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::IOError("the benchmark server did not answer within 30 s; see " + log_path);
}

Status BenchServer::Stop() {
  if (pid_ <= 0) return Status::Ok();
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
      return Status::IOError("the benchmark server did not stop cleanly; see " + dir_ +
                             "/server.log");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::IOError("the benchmark server did not stop within 120 s");
}

double BenchServer::PeakRssMb() const {
  if (pid_ <= 0) return 0;
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return 0;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

Result<std::optional<double>> ScrapeMetric(const std::string& url, std::string_view name) {
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client,
                           http::HttpClient::Connect(url));
  METRIFY_ASSIGN_OR_RETURN(http::ClientResponse r, client->Send("GET", "/metrics", "", ""));
  for (std::string_view line : Split(r.body, '\n')) {
    if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ' ') {
      return ParseDouble(line.substr(name.size() + 1));
    }
  }
  return std::optional<double>();
}

Result<double> WaitForValidation(const std::string& url,
                                 std::chrono::steady_clock::time_point started) {
  for (;;) {
    METRIFY_ASSIGN_OR_RETURN(std::optional<double> pending,
                             ScrapeMetric(url, "metrify_vee_pending_meters"));
    // VEE first: its windows feed detection.
    if (pending && *pending > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    METRIFY_ASSIGN_OR_RETURN(std::optional<double> queued,
                             ScrapeMetric(url, "metrify_detect_queued_samples"));
    if (!queued || *queued == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace metrify::bench
