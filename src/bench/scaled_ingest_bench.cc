#include "bench/scaled_ingest_bench.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "bench/bench_child.h"
#include "bench/copy_baseline.h"
#include "bench/load_generator.h"
#include "bench/local_servers.h"
#include "bench/realistic_readings.h"
#include "common/strings.h"
#include "common/time.h"
#include "http/client.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_partitions.h"

namespace metrify::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kStartTimeout{30};
// The pipeline fails when the workers store nothing for this long.
constexpr std::chrono::seconds kStallTimeout{60};
// The broker the benchmark starts (librdkafka's mock cluster) keeps at most
// 5 MiB per partition and silently drops the oldest messages beyond that.
// A message of one reading takes about 470 bytes there (envelope, key,
// traceparent header); half the log, so that uneven partitions and the
// in-flight requests stay clear of it.
constexpr double kMockReadingsPerPartition = 5.0 * 1024 * 1024 / 2 / 512;

std::string SelfExe() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).string();
}

// The sum of every series of metric `name` whose labels contain all of
// `labels` (e.g. `kind="reading"`), in a Prometheus text exposition.
double SumSeries(std::string_view text, std::string_view name,
                 std::initializer_list<std::string_view> labels = {}) {
  double total = 0;
  for (std::string_view line : Split(text, '\n')) {
    if (!line.starts_with(name) || line.size() <= name.size()) continue;
    const char after = line[name.size()];
    if (after != ' ' && after != '{') continue;
    bool match = true;
    for (std::string_view label : labels) match = match && line.find(label) != line.npos;
    const size_t space = line.rfind(' ');
    if (!match || space == line.npos) continue;
    total += std::strtod(std::string(line.substr(space + 1)).c_str(), nullptr);
  }
  return total;
}

// CPU time of the whole machine from /proc/stat, in seconds per state.
struct MachineCpu {
  double busy = 0, iowait = 0, idle = 0;
};

MachineCpu ReadMachineCpu() {
  std::istringstream in(ReadFileText("/proc/stat"));
  std::string cpu;
  long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  return {.busy = static_cast<double>(user + nice + system + irq + softirq + steal) / tick,
          .iowait = static_cast<double>(iowait) / tick,
          .idle = static_cast<double>(idle) / tick};
}

// One `metrify worker ingest` child and a connection to its endpoints.
struct Worker {
  BenchChild process;
  std::string log_path;
  std::string url;
  std::unique_ptr<http::HttpClient> client;

  Result<std::string> Get(std::string_view target) {
    METRIFY_ASSIGN_OR_RETURN(http::ClientResponse r, client->Send("GET", target));
    return std::move(r.body);
  }
};

// Every child process of the run, stopped in reverse order of need.
class Cluster {
 public:
  Cluster(const ScaledIngestOptions& o, std::string dir) : o_(o), dir_(std::move(dir)) {}
  ~Cluster() { Stop(); }

  Status Start() {
    if (o_.postgres_url.empty() && geteuid() == 0) {
      // User postgres must reach its directory inside ours.
      chmod(dir_.c_str(), 0711);
    }
    if (o_.postgres_url.empty()) {
      postgres_ = std::make_unique<LocalPostgres>(dir_ + "/postgres", o_.durable, o_.pg_settings);
      METRIFY_RETURN_IF_ERROR(postgres_->Start());
      postgres_url_ = postgres_->url();
    } else {
      postgres_url_ = o_.postgres_url;
    }
    if (o_.kafka_brokers.empty()) {
      broker_ = std::make_unique<LocalBroker>(
          o_.broker_binary.empty() ? DefaultMockBrokerBinary() : o_.broker_binary, dir_ + "/broker",
          o_.partitions);
      METRIFY_RETURN_IF_ERROR(broker_->Start());
      brokers_ = broker_->bootstrap();
    } else {
      brokers_ = o_.kafka_brokers;
      // The workers join a new group that starts at the beginning of the
      // topics: older messages would be stored too.
      for (const char* topic : {"metrify.readings", "metrify.grid-status", "metrify.weather"}) {
        METRIFY_ASSIGN_OR_RETURN(int64_t held, KafkaTopicMessages(brokers_, topic));
        if (held > 0) {
          return Status::InvalidArgument(fmt::format(
              "{} on {} holds {} messages; the benchmark's workers would store them too, so give "
              "it a cluster with new, empty metrify.* topics",
              topic, brokers_, held));
        }
      }
    }
    METRIFY_ASSIGN_OR_RETURN(partitions_, KafkaTopicPartitions(brokers_, "metrify.readings"));
    METRIFY_ASSIGN_OR_RETURN(db_,
                             store::PgConnection::Connect(postgres_url_, std::chrono::seconds(10)));
    METRIFY_RETURN_IF_ERROR(store::ApplyPgMigrations(*db_, store::PgMigrations()).status());
    METRIFY_ASSIGN_OR_RETURN(store::PgRows held,
                             db_->Query("SELECT EXISTS (SELECT 1 FROM readings)"));
    if (held.Text(0, 0) != "f") {
      return Status::InvalidArgument(
          "the readings table of " + db_->where() +
          " is not empty; the benchmark empties it between its runs, so give it a fresh database");
    }
    // What the server really does, whoever started it.
    METRIFY_ASSIGN_OR_RETURN(store::PgRows fsync, db_->Query("SHOW fsync"));
    METRIFY_ASSIGN_OR_RETURN(store::PgRows commit, db_->Query("SHOW synchronous_commit"));
    durable_ = fsync.Text(0, 0) == "on" && commit.Text(0, 0) != "off";
    METRIFY_RETURN_IF_ERROR(StartServe());
    return Status::Ok();
  }

  // The workers join their consumer group; returns once they own every
  // partition of metrify.readings between them.
  Status StartWorkers() {
    group_ = fmt::format("metrify-bench-{}-{}", getpid(), time(nullptr));
    for (int i = 0; i < o_.workers; ++i) {
      auto w = std::make_unique<Worker>();
      w->log_path = fmt::format("{}/worker-{}.log", dir_, i);
      std::vector<std::string> argv = {SelfExe(),     "worker",  "ingest", "--listen",
                                       "127.0.0.1:0", "--group", group_};
      if (o_.worker_batch > 0)
        argv.insert(argv.end(), {"--batch", std::to_string(o_.worker_batch)});
      METRIFY_RETURN_IF_ERROR(w->process.Start({.argv = argv,
                                                .env = Environment("info"),
                                                .log_path = w->log_path,
                                                .stdout_path = "",
                                                .work_dir = dir_,
                                                .user = ""}));
      workers_.push_back(std::move(w));
    }
    // Port 0: each worker logs the port it bound.
    const std::string key = R"("listen":"127.0.0.1:)";
    for (size_t i = 0; i < workers_.size(); ++i) {
      Worker& w = *workers_[i];
      const auto deadline = Clock::now() + kStartTimeout;
      for (;;) {
        if (auto exited = w.process.ExitedYet()) {
          return Status::IOError(fmt::format("worker {} exited with status {}:\n{}", i, *exited,
                                             FileTail(w.log_path)));
        }
        const std::string log = ReadFileText(w.log_path);
        if (const size_t at = log.find(key); at != log.npos) {
          w.url = "http://127.0.0.1:" + std::to_string(std::atoi(log.c_str() + at + key.size()));
          break;
        }
        if (Clock::now() >= deadline) {
          return Status::IOError(
              fmt::format("worker {} did not start within 30 s:\n{}", i, FileTail(w.log_path)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      METRIFY_ASSIGN_OR_RETURN(w.client, http::HttpClient::Connect(w.url));
    }
    // A group's first assignment takes seconds; it must not be on the clock.
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
      int owned = 0;
      bool every_worker = true;
      for (auto& w : workers_) {
        METRIFY_ASSIGN_OR_RETURN(std::string health, w->Get("/health"));
        int mine = 0;
        for (size_t at = health.find("\"metrify.readings/"); at != health.npos;
             at = health.find("\"metrify.readings/", at + 1)) {
          ++mine;
        }
        owned += mine;
        every_worker = every_worker && mine > 0;
      }
      if (owned == partitions_ && (every_worker || o_.workers > partitions_)) break;
      if (Clock::now() >= deadline) {
        return Status::IOError(fmt::format(
            "the workers own {} of {} partitions of metrify.readings after 60 s; see {}", owned,
            partitions_, workers_.front()->log_path));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Status::Ok();
  }

  // Readings the workers stored, whatever the outcome (a redelivery is
  // unchanged), and their batches so far.
  struct Progress {
    double samples = 0, batches = 0, batch_seconds = 0;
    double vee_pending = 0;  // meters whose new readings VEE has not validated yet
  };
  Result<Progress> Scrape() {
    Progress p;
    for (auto& w : workers_) {
      METRIFY_ASSIGN_OR_RETURN(std::string metrics, w->Get("/metrics"));
      p.samples += SumSeries(metrics, "metrify_worker_samples_total", {R"(kind="reading")"});
      p.batches += SumSeries(metrics, "metrify_worker_batch_seconds_count");
      p.batch_seconds += SumSeries(metrics, "metrify_worker_batch_seconds_sum");
      p.vee_pending += SumSeries(metrics, "metrify_vee_pending_meters");
    }
    return p;
  }

  // `metrify worker process` (rollups, quality reports), once; it stops
  // with the others.
  Status StartProcessWorker() {
    const std::string log_path = dir_ + "/worker-process.log";
    return process_worker_.Start(
        {.argv = {SelfExe(), "worker", "process", "--listen", "127.0.0.1:0"},
         .env = Environment("info"),
         .log_path = log_path,
         .stdout_path = "",
         .work_dir = dir_,
         .user = ""});
  }
  Status StopProcessWorker() {
    if (!process_worker_.running()) return Status::Ok();
    const int status = process_worker_.Stop(SIGTERM);
    if (status == 0) return Status::Ok();
    return Status::IOError(fmt::format("metrify worker process exited with status {}", status));
  }
  std::optional<int> ProcessWorkerExited() { return process_worker_.ExitedYet(); }

  PipelineCpu Cpu() const {
    PipelineCpu c;
    c.serve = ProcessCpuSeconds(serve_.pid());
    for (const auto& w : workers_) c.workers += ProcessCpuSeconds(w->process.pid());
    if (postgres_) c.postgres = ProcessTreeCpuSeconds(postgres_->pid());
    if (broker_) c.broker = ProcessCpuSeconds(broker_->pid());
    c.client = ProcessCpuSeconds(getpid());
    const MachineCpu m = ReadMachineCpu();
    c.machine_busy = m.busy;
    c.machine_iowait = m.iowait;
    c.machine_idle = m.idle;
    return c;
  }

  // Stops everything, workers first (they finish their batch); the first
  // unclean exit is the error.
  Status Stop() {
    Status first;
    auto note = [&first](int status, const std::string& what) {
      if (status != 0 && first.ok()) {
        first = Status::IOError(fmt::format("{} exited with status {}", what, status));
      }
    };
    for (size_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i]->process.running()) {
        note(workers_[i]->process.Stop(SIGTERM), fmt::format("worker {}", i));
      }
    }
    if (process_worker_.running()) {
      note(process_worker_.Stop(SIGTERM), "metrify worker process");
    }
    if (serve_.running()) note(serve_.Stop(SIGTERM), "metrify serve");
    db_.reset();
    if (broker_) note(broker_->Stop(), "metrify-mock-broker");
    if (postgres_) note(postgres_->Stop(), "postgres");
    broker_.reset();
    postgres_.reset();
    return first;
  }

  // The broker the benchmark starts keeps at most 5 MiB per partition
  // (librdkafka's mock cluster) and drops the oldest messages beyond that;
  // a consumer then logs "Offset out of range". Errors: Internal when a
  // worker did.
  Status CheckNothingDropped() const {
    for (size_t i = 0; i < workers_.size(); ++i) {
      if (ReadFileText(workers_[i]->log_path).find("Offset out of range") != std::string::npos) {
        return Status::Internal(fmt::format(
            "worker {} found messages gone from the broker (Offset out of range in {}): the "
            "workers fell more than the broker's log behind; lower --max-lag",
            i, workers_[i]->log_path));
      }
    }
    return Status::Ok();
  }

  store::PgConnection& db() { return *db_; }
  const std::string& api_url() const { return api_url_; }
  // fsync on and commits waiting for it, as the database said.
  bool durable() const { return durable_; }
  bool local() const { return postgres_ || broker_; }

 private:
  std::vector<std::string> Environment(const char* log_level) const {
    return ChildEnvironment({"METRIFY_MODE=scaled", "METRIFY_POSTGRES_URL=" + postgres_url_,
                             "METRIFY_KAFKA_BROKERS=" + brokers_,
                             std::string("METRIFY_VEE_ENABLED=") + (o_.vee ? "true" : "false"),
                             std::string("METRIFY_LOG_LEVEL=") + log_level});
  }

  Status StartServe() {
    const std::string listen = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
    api_url_ = "http://" + listen;
    const std::string log_path = dir_ + "/serve.log";
    METRIFY_RETURN_IF_ERROR(serve_.Start(
        {.argv = {SelfExe(), "serve", "--listen", listen, "--data-dir", dir_ + "/serve-data"},
         .env = Environment("warn"),
         .log_path = log_path,
         .stdout_path = "",
         .work_dir = dir_,
         .user = ""}));
    METRIFY_ASSIGN_OR_RETURN(auto client, http::HttpClient::Connect(api_url_));
    client->set_timeout(std::chrono::seconds(1));
    const auto deadline = Clock::now() + kStartTimeout;
    while (Clock::now() < deadline) {
      auto live = client->Send("GET", "/health/live");
      if (live && live->status == 200) return Status::Ok();
      if (auto exited = serve_.ExitedYet()) {
        return Status::IOError(
            fmt::format("metrify serve exited with status {}:\n{}", *exited, FileTail(log_path)));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::IOError("metrify serve did not answer within 30 s:\n" + FileTail(log_path));
  }

  const ScaledIngestOptions& o_;
  const std::string dir_;
  std::unique_ptr<LocalPostgres> postgres_;
  std::unique_ptr<LocalBroker> broker_;
  std::string postgres_url_;
  std::string brokers_;
  int partitions_ = 0;
  bool durable_ = true;
  std::unique_ptr<store::PgConnection> db_;
  BenchChild serve_;
  BenchChild process_worker_;
  std::string api_url_;
  std::string group_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

// What the workers have stored so far, scraped from their /metrics every
// 20 ms by a thread of its own while the pipeline runs.
class StoredMonitor {
 public:
  StoredMonitor(Cluster& cluster, double base) : cluster_(cluster), base_(base) {
    thread_ = std::thread([this] { Run(); });
  }
  ~StoredMonitor() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  double stored() const { return stored_.load(); }
  Status error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

 private:
  void Run() {
    while (!stop_.load()) {
      Result<Cluster::Progress> p = cluster_.Scrape();
      if (!p) {
        std::lock_guard lock(mu_);
        error_ = p.status();
        return;
      }
      stored_ = p->samples - base_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  Cluster& cluster_;
  const double base_;
  std::atomic<double> stored_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Status error_;  // guarded by mu_
  std::thread thread_;
};

struct GatedSendStats {
  double seconds = 0;       // first send to last answer
  double busy_seconds = 0;  // while at least one request was in flight
  uint64_t accepted = 0, rejected = 0, retries = 0;
};

// The number after `key` in an ingest answer; 0 when absent.
uint64_t CountIn(const std::string& body, std::string_view key) {
  const size_t at = body.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoull(body.c_str() + at + key.size(), nullptr, 10);
}

// Posts every body over `connections` keep-alive connections, as
// SendBatches does, but a body leaves only while the readings acknowledged
// and not yet stored stay within `max_lag` (0: no limit): the broker the
// benchmark starts keeps a bounded log per partition (docs/benchmarks.md).
// A 503 is retried after a short pause. Errors: a connection fails or a
// batch is refused.
Result<GatedSendStats> SendGated(const std::string& url, const std::vector<std::string>& bodies,
                                 int connections, size_t readings_per_batch, double max_lag,
                                 const StoredMonitor& monitor) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> accepted{0}, rejected{0}, retries{0};
  std::mutex mu;
  Status error;                  // guarded by mu
  int in_flight = 0;             // guarded by mu
  Clock::time_point busy_since;  // guarded by mu
  double busy_seconds = 0;       // guarded by mu
  const auto start = Clock::now();
  auto worker = [&] {
    auto client = http::HttpClient::Connect(url);
    if (!client) {
      std::lock_guard lock(mu);
      error = client.error();
      next = bodies.size();
      return;
    }
    for (size_t i; (i = next.fetch_add(1)) < bodies.size();) {
      const double upto = static_cast<double>((i + 1) * readings_per_batch);
      while (max_lag > 0 && upto - monitor.stored() > max_lag && monitor.error().ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      {
        std::lock_guard lock(mu);
        if (in_flight++ == 0) busy_since = Clock::now();
      }
      auto post = [&]() -> Result<http::ClientResponse> {
        for (;;) {
          auto r = (*client)->Send("POST", "/api/v1/readings", bodies[i], "application/json");
          if (!r || r->status != 503) return r;
          retries.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      };
      Result<http::ClientResponse> r = post();
      std::lock_guard lock(mu);
      if (--in_flight == 0) {
        busy_seconds += std::chrono::duration<double>(Clock::now() - busy_since).count();
      }
      if (!r || r->status != 200) {
        error = r ? Status::IOError("ingest answered HTTP " + std::to_string(r->status) + ": " +
                                    r->body.substr(0, 200))
                  : r.status();
        next = bodies.size();
        return;
      }
      accepted.fetch_add(CountIn(r->body, "\"accepted\":"));
      rejected.fetch_add(CountIn(r->body, "\"rejected\":"));
    }
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (!error.ok()) return error;
  METRIFY_RETURN_IF_ERROR(monitor.error());
  return GatedSendStats{.seconds = std::chrono::duration<double>(Clock::now() - start).count(),
                        .busy_seconds = busy_seconds,
                        .accepted = accepted,
                        .rejected = rejected,
                        .retries = retries};
}

// The database keys of meters [0, count) (BenchMeterId order).
Result<std::vector<int64_t>> MeterKeys(store::PgConnection& db, int count) {
  METRIFY_ASSIGN_OR_RETURN(store::PgRows rows,
                           db.Query("SELECT id, key FROM meters WHERE id LIKE 'BM%'"));
  std::unordered_map<std::string, int64_t> by_id;
  for (int r = 0; r < rows.size(); ++r) by_id.emplace(rows.Text(r, 0), rows.Int(r, 1));
  std::vector<int64_t> keys;
  keys.reserve(static_cast<size_t>(count));
  for (int m = 0; m < count; ++m) {
    const auto it = by_id.find(BenchMeterId(m));
    if (it == by_id.end()) return Status::Internal("meter " + BenchMeterId(m) + " not registered");
    keys.push_back(it->second);
  }
  return keys;
}

Status CheckDigest(const TableDigest& got, const TableDigest& want, std::string_view what) {
  if (got == want) return Status::Ok();
  return Status::Internal(fmt::format(
      "{}: the readings table holds {} rows (hash {}), the baseline's {} rows (hash {})", what,
      got.rows, got.hash_sum, want.rows, want.hash_sum));
}

// Once `metrify worker process` has rolled up every hour the pipeline
// marked: the fleet's daily energy for the first day, validated and raw,
// median of 5 each (the API answers from the hourly rollups and VEE's
// overlay, in scaled mode from PostgreSQL; docs/scaled.md "Rollups").
Status TimeFleetQueries(Cluster& cluster, ScaledIngestResult* result) {
  METRIFY_RETURN_IF_ERROR(cluster.StartProcessWorker());
  // Timed from the start of the process (which connects and migrates in
  // milliseconds) until no mark of each kind is left.
  const auto started = Clock::now();
  while (result->rollup_seconds == 0 || result->quality_seconds == 0) {
    METRIFY_ASSIGN_OR_RETURN(store::PgRows left,
                             cluster.db().Query("SELECT EXISTS (SELECT 1 FROM rollup_dirty),"
                                                " EXISTS (SELECT 1 FROM quality_dirty)"));
    const double now = std::chrono::duration<double>(Clock::now() - started).count();
    if (result->rollup_seconds == 0 && left.Text(0, 0) == "f") result->rollup_seconds = now;
    if (result->quality_seconds == 0 && left.Text(0, 1) == "f") result->quality_seconds = now;
    if (auto exited = cluster.ProcessWorkerExited()) {
      return Status::IOError(fmt::format("metrify worker process exited with status {}", *exited));
    }
    if (Clock::now() - started > 5 * kStallTimeout) {
      return Status::IOError(
          "metrify worker process did not roll up and report the readings within 300 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  METRIFY_ASSIGN_OR_RETURN(auto client, http::HttpClient::Connect(cluster.api_url()));
  const std::string target = fmt::format(
      "/api/v1/analytics/consumption?start={}&end={}&interval=1d&group_by=meter",
      FormatRfc3339(kStartMs), FormatRfc3339(kStartMs + int64_t{kSlotsPerDay} * kQuarterHourMs));
  auto median_ms = [&](const std::string& t) -> Result<double> {
    std::vector<double> ms;
    for (int i = 0; i < 5; ++i) {
      const auto t0 = Clock::now();
      METRIFY_ASSIGN_OR_RETURN(http::ClientResponse r, client->Send("GET", t));
      if (r.status != 200) {
        return Status::IOError(
            fmt::format("{} answered HTTP {}: {}", t, r.status, r.body.substr(0, 200)));
      }
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  };
  METRIFY_ASSIGN_OR_RETURN(result->fleet_daily_ms, median_ms(target));
  METRIFY_ASSIGN_OR_RETURN(result->fleet_daily_raw_ms, median_ms(target + "&version=raw"));
  return cluster.StopProcessWorker();
}

PipelineCpu Minus(const PipelineCpu& a, const PipelineCpu& b) {
  return {.serve = a.serve - b.serve,
          .workers = a.workers - b.workers,
          .postgres = a.postgres - b.postgres,
          .broker = a.broker - b.broker,
          .client = a.client - b.client,
          .machine_busy = a.machine_busy - b.machine_busy,
          .machine_iowait = a.machine_iowait - b.machine_iowait,
          .machine_idle = a.machine_idle - b.machine_idle};
}

}  // namespace

Result<ScaledIngestResult> RunScaledIngestBench(const ScaledIngestOptions& o) {
  LoadSpec spec;
  spec.meters = o.meters;
  spec.start_ms = kStartMs;
  spec.slots = o.days * kSlotsPerDay;
  spec.batch = o.batch;
  size_t readings = 0;
  const std::vector<std::string> bodies = BuildOrderedBatches(spec, o.order, &readings);

  Cluster cluster(o, o.dir);
  METRIFY_RETURN_IF_ERROR(cluster.Start());
  METRIFY_RETURN_IF_ERROR(RegisterMeters(cluster.api_url(), 0, o.meters));
  METRIFY_RETURN_IF_ERROR(cluster.StartWorkers());
  store::PgConnection& db = cluster.db();
  METRIFY_ASSIGN_OR_RETURN(std::vector<int64_t> keys, MeterKeys(db, o.meters));
  const CopyChunks rows = BuildReadingCopyChunks(spec, o.order, keys);
  if (rows.rows != readings) {
    return Status::Internal(
        fmt::format("the baseline has {} rows, the bodies {} readings", rows.rows, readings));
  }
  // Made ahead for both, outside the timing.
  METRIFY_RETURN_IF_ERROR(
      store::EnsureDayPartitions(db, "readings", kStartMs,
                                 kStartMs + int64_t{spec.slots} * kQuarterHourMs + 1)
          .status());

  ScaledIngestResult result;
  result.readings = readings;
  result.max_lag = o.max_lag >= 0 ? static_cast<double>(o.max_lag)
                   : o.kafka_brokers.empty()
                       ? static_cast<double>(o.partitions) * kMockReadingsPerPartition
                       : 0;
  result.durable = cluster.durable();
  result.local_servers = cluster.local();
  const double n = static_cast<double>(readings);

  // 1. The baseline, into the empty table. A checkpoint before each run, so
  // that none pays for the WAL of the one before (best effort: it needs
  // rights the user's database may not grant).
  (void)db.Exec("CHECKPOINT");
  METRIFY_ASSIGN_OR_RETURN(result.copy_first_seconds, RunCopyBaseline(db, rows));
  METRIFY_ASSIGN_OR_RETURN(const TableDigest baseline, ReadingsDigest(db));
  if (baseline.rows != static_cast<int64_t>(readings)) {
    return Status::Internal(fmt::format("the COPY stored {} of {} rows", baseline.rows, readings));
  }
  METRIFY_RETURN_IF_ERROR(db.Exec("TRUNCATE readings"));
  (void)db.Exec("CHECKPOINT");

  // 2. The pipeline.
  const PipelineCpu cpu_before = cluster.Cpu();
  METRIFY_ASSIGN_OR_RETURN(const auto progress_before, cluster.Scrape());
  StoredMonitor monitor(cluster, progress_before.samples);
  const auto started = Clock::now();
  METRIFY_ASSIGN_OR_RETURN(GatedSendStats sent,
                           SendGated(cluster.api_url(), bodies, o.connections,
                                     static_cast<size_t>(o.batch), result.max_lag, monitor));
  if (sent.accepted != readings) {
    return Status::Internal(fmt::format("the API accepted {} of {} readings ({} rejected)",
                                        sent.accepted, readings, sent.rejected));
  }
  result.ack_seconds = sent.seconds;
  result.ack_busy_seconds = sent.busy_seconds;
  result.retries = sent.retries;
  result.stored_at_ack = static_cast<uint64_t>(monitor.stored());
  double stored = 0;
  auto last_progress = Clock::now();
  auto last_drop_check = Clock::now();
  while (stored < n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    METRIFY_RETURN_IF_ERROR(monitor.error());
    if (monitor.stored() > stored) last_progress = Clock::now();
    stored = monitor.stored();
    if (Clock::now() - last_drop_check > std::chrono::seconds(1)) {
      // Messages the broker dropped would never be stored: fail now.
      METRIFY_RETURN_IF_ERROR(cluster.CheckNothingDropped());
      last_drop_check = Clock::now();
    }
    if (Clock::now() - last_progress > kStallTimeout) {
      return Status::IOError(fmt::format(
          "the workers stored {} of {} readings and then nothing for 60 s; see the logs in {}",
          stored, readings, o.dir));
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  monitor.Stop();
  // VEE validates after each commit, so it may still be behind. A worker
  // counts a batch's samples just before handing them to VEE: the first
  // look is a moment later.
  const auto vee_deadline = Clock::now() + 5 * kStallTimeout;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    METRIFY_ASSIGN_OR_RETURN(const auto p, cluster.Scrape());
    if (p.vee_pending == 0) break;
    if (Clock::now() > vee_deadline) {
      return Status::IOError("VEE in the workers did not catch up within 300 s");
    }
  }
  result.validated_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  METRIFY_ASSIGN_OR_RETURN(const auto progress, cluster.Scrape());
  result.worker_batches = progress.batches - progress_before.batches;
  result.worker_batch_seconds = progress.batch_seconds - progress_before.batch_seconds;
  result.cpu = Minus(cluster.Cpu(), cpu_before);
  result.readings_per_s = n / result.seconds;
  result.validated_per_s = n / result.validated_seconds;
  result.ack_readings_per_s = n / result.ack_busy_seconds;
  METRIFY_RETURN_IF_ERROR(cluster.CheckNothingDropped());
  METRIFY_ASSIGN_OR_RETURN(const TableDigest piped, ReadingsDigest(db));
  METRIFY_RETURN_IF_ERROR(CheckDigest(piped, baseline, "after the pipeline"));
  if (o.fleet_query) METRIFY_RETURN_IF_ERROR(TimeFleetQueries(cluster, &result));

  // 3. The baseline again.
  METRIFY_RETURN_IF_ERROR(db.Exec("TRUNCATE readings"));
  (void)db.Exec("CHECKPOINT");
  METRIFY_ASSIGN_OR_RETURN(result.copy_second_seconds, RunCopyBaseline(db, rows));
  METRIFY_ASSIGN_OR_RETURN(const TableDigest again, ReadingsDigest(db));
  METRIFY_RETURN_IF_ERROR(CheckDigest(again, baseline, "after the second COPY"));
  result.copy_readings_per_s = n / std::min(result.copy_first_seconds, result.copy_second_seconds);
  result.ratio = result.readings_per_s / result.copy_readings_per_s;
  // A database of the user's is left with an empty readings table again.
  METRIFY_RETURN_IF_ERROR(db.Exec("TRUNCATE readings"));
  METRIFY_RETURN_IF_ERROR(cluster.Stop());
  return result;
}

}  // namespace metrify::bench
