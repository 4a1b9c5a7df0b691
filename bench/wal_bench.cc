// wal_bench: durable append throughput and latency of the write-ahead log
// (src/store/engine/wal/) with group commit, against one fdatasync per
// append (no grouping) as the baseline, measured in the same run on the
// same directory.
//
//   wal_bench [--threads 1,2,4,8] [--seconds S] [--meters N] [--batch B]
//             [--seed S] [--dir D] [--no-baseline] [--json]
//
// The data: N meters × 1 day of realistic 4-field quarter-hour readings
// (src/bench/realistic_readings.h: energy_kwh, voltage_v, power_factor,
// frequency_hz), cut into batches of B readings the way a fleet pushes them
// (B meters at one quarter-hour, then the next B), each encoded once as a
// kSampleBatch payload before timing. Per thread count and mode, T threads
// append batches in a loop for S seconds to a fresh WAL directory under D
// (default: a new directory in /tmp, on the local disk), which is deleted
// afterwards. Every append counted returned OK, so it was fdatasync'ed.
// A program, not a test.
#include <fmt/format.h>
#include <stdlib.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/realistic_readings.h"
#include "common/json_writer.h"
#include "store/engine/wal/sample_batch.h"
#include "store/engine/wal/wal_format.h"
#include "store/engine/wal/wal_writer.h"

namespace metrify::engine::wal {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<int> threads = {1, 2, 4, 8};
  double seconds = 3;
  int meters = 10000;
  int batch = 1000;
  uint64_t seed = 1;
  std::string dir;
  bool baseline = true;
  bool json = false;
};

struct Batch {
  std::string payload{};
  size_t readings = 0;
};

struct RunResult {
  std::string mode{};  // "group_commit" or "sync_per_append"
  int threads = 0;
  double seconds = 0;
  uint64_t appends = 0;
  uint64_t readings = 0;
  WalCounters counters{};
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

void Check(const Status& s) {
  if (s.ok()) return;
  fmt::print(stderr, "wal_bench: {}\n", s.ToString());
  std::exit(1);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Slot-major batches: meters 0..B-1 at slot 0, meters B..2B-1 at slot 0, ...
std::vector<Batch> MakeBatches(const Options& o, double* encode_readings_per_s) {
  const std::vector<bench::Series> meters = bench::Generate(o.meters, 1, o.seed);
  std::vector<WalSample> samples;
  for (int slot = 0; slot < bench::kSlotsPerDay; ++slot) {
    const int64_t ts = bench::kStartMs + slot * bench::kQuarterHourMs;
    for (size_t m = 0; m < meters.size(); ++m) {
      const bench::Series& s = meters[m];
      const auto it = std::lower_bound(s.timestamps.begin(), s.timestamps.end(), ts);
      if (it == s.timestamps.end() || *it != ts) continue;  // a missing reading
      const size_t i = it - s.timestamps.begin();
      WalSample sample{
          .entity_key = static_cast<uint32_t>(m + 1), .timestamp_ms = ts, .interval_s = 900};
      sample.values[0] = s.energy[i];        // energy_kwh
      sample.values[3] = s.voltage[i];       // voltage_v
      sample.values[5] = s.power_factor[i];  // power_factor
      sample.values[6] = s.frequency[i];     // frequency_hz
      sample.present = 0b1101001;
      samples.push_back(sample);
    }
  }
  std::vector<Batch> batches;
  const Clock::time_point start = Clock::now();
  for (size_t first = 0; first < samples.size(); first += o.batch) {
    const size_t n = std::min<size_t>(o.batch, samples.size() - first);
    Batch batch{.readings = n};
    EncodeSampleBatch(model::SeriesKind::kReading, std::span(samples).subspan(first, n),
                      &batch.payload);
    batches.push_back(std::move(batch));
  }
  *encode_readings_per_s = samples.size() / Seconds(Clock::now() - start);
  return batches;
}

double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * v.size()));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

// T threads append for o.seconds to a fresh WAL in `dir`.
RunResult Run(const std::string& mode, int threads, const std::vector<Batch>& batches,
              const Options& o, const std::string& dir) {
  WalWriterOptions options;
  if (mode == "sync_per_append") options.max_group_bytes = 0;
  auto writer = WalWriter::Open(FileSystem::Posix(), dir, options);
  Check(writer.status());
  std::vector<std::vector<double>> latencies_ms(threads);
  std::vector<uint64_t> readings(threads, 0);
  std::atomic<bool> go{false};
  const auto worker = [&](int t) {
    while (!go.load()) std::this_thread::yield();
    const Clock::time_point end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(o.seconds));
    for (size_t i = t * 7919; Clock::now() < end; ++i) {
      const Batch& batch = batches[i % batches.size()];
      const Clock::time_point before = Clock::now();
      Check((*writer)->Append(batch.payload, kSampleBatch));
      latencies_ms[t].push_back(1e3 * Seconds(Clock::now() - before));
      readings[t] += batch.readings;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  const Clock::time_point start = Clock::now();
  go = true;
  for (std::thread& th : pool) th.join();
  RunResult r{.mode = mode, .threads = threads, .seconds = Seconds(Clock::now() - start)};
  r.counters = (*writer)->counters();
  std::vector<double> all;
  for (int t = 0; t < threads; ++t) {
    all.insert(all.end(), latencies_ms[t].begin(), latencies_ms[t].end());
    r.readings += readings[t];
  }
  r.appends = all.size();
  r.p50_ms = Percentile(all, 0.50);
  r.p99_ms = Percentile(all, 0.99);
  r.max_ms = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  return r;
}

void PrintTable(const Options& o, size_t batches, double bytes_per_reading, double encode_per_s,
                const std::vector<RunResult>& runs) {
  fmt::print(
      "{} meters, batches of {} readings ({} distinct, {:.1f} WAL bytes per reading), "
      "{} s per run\nencode: {:.1f} M readings/s on one thread (not in the figures below)\n\n",
      o.meters, o.batch, batches, bytes_per_reading, o.seconds, encode_per_s / 1e6);
  fmt::print("{:<16}{:>8}{:>14}{:>9}{:>10}{:>11}{:>10}{:>10}{:>10}\n", "mode", "threads",
             "readings/s", "MB/s", "syncs/s", "mean grp", "p50 ms", "p99 ms", "max ms");
  for (const RunResult& r : runs) {
    fmt::print("{:<16}{:>8}{:>14.0f}{:>9.1f}{:>10.0f}{:>11.2f}{:>10.2f}{:>10.2f}{:>10.2f}\n",
               r.mode, r.threads, r.readings / r.seconds, r.counters.bytes / r.seconds / 1e6,
               r.counters.syncs / r.seconds, r.counters.mean_group_size(), r.p50_ms, r.p99_ms,
               r.max_ms);
  }
}

void PrintJson(const Options& o, double bytes_per_reading, double encode_per_s,
               const std::vector<RunResult>& runs) {
  JsonWriter w;
  w.BeginObject().Key("meters").Int(o.meters).Key("batch_readings").Int(o.batch);
  w.Key("seconds_per_run").Number(o.seconds);
  w.Key("wal_bytes_per_reading").Number(std::round(bytes_per_reading * 100) / 100);
  w.Key("encode_readings_per_s").Int(static_cast<int64_t>(encode_per_s));
  w.Key("runs").BeginArray();
  for (const RunResult& r : runs) {
    w.BeginObject().Key("mode").String(r.mode).Key("threads").Int(r.threads);
    w.Key("appends").Int(static_cast<int64_t>(r.appends));
    w.Key("readings").Int(static_cast<int64_t>(r.readings));
    w.Key("readings_per_s").Int(static_cast<int64_t>(r.readings / r.seconds));
    w.Key("mb_per_s").Number(std::round(r.counters.bytes / r.seconds / 1e5) / 10);
    w.Key("syncs_per_s").Int(static_cast<int64_t>(r.counters.syncs / r.seconds));
    w.Key("mean_group_size").Number(std::round(r.counters.mean_group_size() * 100) / 100);
    w.Key("largest_group").Int(static_cast<int64_t>(r.counters.largest_group));
    w.Key("files").Int(static_cast<int64_t>(r.counters.files_created));
    w.Key("p50_append_ms").Number(std::round(r.p50_ms * 1000) / 1000);
    w.Key("p99_append_ms").Number(std::round(r.p99_ms * 1000) / 1000);
    w.Key("max_append_ms").Number(std::round(r.max_ms * 1000) / 1000);
    w.EndObject();
  }
  w.EndArray().EndObject();
  fmt::print("{}\n", w.str());
}

std::vector<int> ParseList(std::string_view text) {
  std::vector<int> out;
  for (size_t start = 0; start <= text.size();) {
    const size_t comma = std::min(text.find(',', start), text.size());
    out.push_back(std::atoi(std::string(text.substr(start, comma - start)).c_str()));
    start = comma + 1;
  }
  return out;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  std::string threads = "1,2,4,8";
  CLI::App app{
      "Durable WAL appends of reading batches from several threads, grouped, against "
      "one fdatasync per append."};
  app.add_option("--threads", threads, "Thread counts to run, comma-separated")
      ->capture_default_str();
  app.add_option("--seconds", o.seconds, "Seconds per thread count")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--meters", o.meters, "Meters")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--batch", o.batch, "Readings per append")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Generator seed")->capture_default_str();
  app.add_option("--dir", o.dir,
                 "Put the WAL directories under this one (default: a new one in /tmp)");
  bool no_baseline = false;
  app.add_flag("--no-baseline", no_baseline, "Skip the one-fdatasync-per-append baseline");
  app.add_flag("--json", o.json, "Print JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  o.threads = ParseList(threads);
  o.baseline = !no_baseline;
  return o;
}

int Main(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  if (o.dir.empty()) {
    std::string pattern = "/tmp/wal_bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) Check(Status::IOError("mkdtemp " + pattern));
    o.dir = pattern;
  }
  double encode_per_s = 0;
  const std::vector<Batch> batches = MakeBatches(o, &encode_per_s);
  size_t bytes = 0, readings = 0;
  for (const Batch& b : batches) {
    bytes += kRecordHeaderSize + b.payload.size();
    readings += b.readings;
  }
  std::vector<RunResult> runs;
  std::vector<std::string> modes = {"group_commit"};
  if (o.baseline) modes.push_back("sync_per_append");
  for (const std::string& mode : modes) {
    for (int threads : o.threads) {
      const std::string dir = fmt::format("{}/{}-{}", o.dir, mode, threads);
      runs.push_back(Run(mode, threads, batches, o, dir));
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }
  std::error_code ignored;
  std::filesystem::remove(o.dir, ignored);  // only if empty: a --dir given may hold other files
  const double bytes_per_reading = double(bytes) / readings;
  if (o.json) {
    PrintJson(o, bytes_per_reading, encode_per_s, runs);
  } else {
    PrintTable(o, batches.size(), bytes_per_reading, encode_per_s, runs);
  }
  return 0;
}

}  // namespace
}  // namespace metrify::engine::wal

int main(int argc, char** argv) { return metrify::engine::wal::Main(argc, argv); }
