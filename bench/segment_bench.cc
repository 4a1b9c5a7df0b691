// segment_bench: size and throughput of segment files
// (src/store/engine/segment/) on realistic meter data: one partition of N
// meters × 1 day of 4-field quarter-hour readings (src/bench/realistic_readings.h,
// the data codec_bench measures), written the way a flush writes it.
//
//   segment_bench [--meters N] [--zstd-level L] [--repeat R] [--seed S] [--dir D]
//
// Reports bytes per reading of the whole file (header, blocks, index,
// footer), write throughput (encode + write + fsync + rename + fsync dir),
// open time (index read and verified), full read throughput (every
// meter's latest revisions decoded) and an aggregate answered from the
// index's block statistics alone. Best of R runs. A program, not a test.
#include <fmt/format.h>
#include <stdlib.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/realistic_readings.h"
#include "store/engine/segment/segment_reader.h"
#include "store/engine/segment/segment_writer.h"

namespace metrify::engine::segment {
namespace {

struct Options {
  int meters = 10000;
  int zstd_level = 3;
  int repeat = 3;
  uint64_t seed = 1;
  std::string dir;  // default: a fresh directory under the temp directory
};

void Check(const Status& s) {
  if (s.ok()) return;
  fmt::print(stderr, "segment_bench: {}\n", s.ToString());
  std::exit(1);
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  CLI::App app{"Size, write and read speed of one segment of realistic readings."};
  app.add_option("--meters", o.meters, "Meters (one day each)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--zstd-level", o.zstd_level, "zstd level, 0 = off")->capture_default_str();
  app.add_option("--repeat", o.repeat, "Best of this many runs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Generator seed")->capture_default_str();
  app.add_option("--dir", o.dir, "Directory for the segment (default: a new one in /tmp)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return o;
}

// One meter-day as the head drains it: energy_kwh, voltage_v, power_factor
// and frequency_hz (fields 0, 3, 5, 6 of model::SeriesKind::kReading).
std::vector<HeadSample> ToHeadSamples(const bench::Series& s) {
  std::vector<HeadSample> out(s.timestamps.size());
  for (size_t i = 0; i < out.size(); ++i) {
    HeadSample& h = out[i];
    h.timestamp_ms = s.timestamps[i];
    h.interval_s = 900;
    h.values.fill(std::nan(""));
    h.values[0] = s.energy[i];
    h.values[3] = s.voltage[i];
    h.values[5] = s.power_factor[i];
    h.values[6] = s.frequency[i];
    h.present = 0b1101001;
  }
  return out;
}

struct Figures {
  double write_s = 1e9, open_s = 1e9, read_s = 1e9, stats_s = 1e9;
  uint64_t bytes = 0, readings = 0, block_bytes = 0;
  double energy_sum = 0;
};

void RunOnce(const std::vector<std::vector<HeadSample>>& meters, const std::string& path,
             const Options& o, Figures* f) {
  using Clock = std::chrono::steady_clock;
  FileSystem* fs = &FileSystem::Posix();
  SegmentWriterOptions wo;
  wo.block.zstd_level = o.zstd_level;
  const int32_t day = PartitionOf(bench::kStartMs);
  auto t0 = Clock::now();
  auto w = SegmentWriter::Create(fs, path, model::SeriesKind::kReading, day, wo);
  Check(w.status());
  for (size_t m = 0; m < meters.size(); ++m) {
    Check((*w)->Add({model::SeriesKind::kReading, static_cast<uint32_t>(m)}, meters[m]));
  }
  auto info = (*w)->Finish();
  Check(info.status());
  auto t1 = Clock::now();
  auto r = SegmentReader::Open(fs, path);
  Check(r.status());
  auto t2 = Clock::now();
  std::vector<HeadSample> out;
  for (const SeriesEntry& e : (*r)->series()) {
    out.clear();
    Check((*r)->ReadLatest(e.key.entity_key, INT64_MIN, INT64_MAX, &out));
  }
  auto t3 = Clock::now();
  double sum = 0;  // total energy of the partition, from block statistics only
  for (const SeriesEntry& e : (*r)->series()) {
    for (const BlockGroup& g : e.groups) sum += g.Find(0)->stats.sum;
  }
  auto t4 = Clock::now();
  f->block_bytes = 0;
  for (const SeriesEntry& e : (*r)->series()) {
    for (const BlockGroup& g : e.groups) {
      for (const ColumnRef& c : g.columns) f->block_bytes += c.length;
    }
  }
  f->write_s = std::min(f->write_s, Seconds(t1 - t0));
  f->open_s = std::min(f->open_s, Seconds(t2 - t1));
  f->read_s = std::min(f->read_s, Seconds(t3 - t2));
  f->stats_s = std::min(f->stats_s, Seconds(t4 - t3));
  f->bytes = info->file_bytes;
  f->readings = info->samples;
  f->energy_sum = sum;
}

int Run(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  bool own_dir = false;
  if (o.dir.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "segment_bench.XXXXXX").string();
    if (!mkdtemp(pattern.data())) Check(Status::IOError("mkdtemp failed"));
    o.dir = pattern;
    own_dir = true;
  }
  std::vector<std::vector<HeadSample>> meters;
  for (const bench::Series& s : bench::Generate(o.meters, 1, o.seed)) {
    meters.push_back(ToHeadSamples(s));
  }
  Figures f;
  for (int i = 0; i < o.repeat; ++i) RunOnce(meters, o.dir + "/00000001.seg", o, &f);
  const double n = static_cast<double>(f.readings);
  fmt::print("segment_bench: {} meters x 1 day, {} readings (4 fields), zstd level {}\n", o.meters,
             f.readings, o.zstd_level);
  fmt::print(
      "  file                {:>12} bytes  {:.2f} bytes/reading  ({:.1f}x smaller than "
      "40 raw bytes)\n",
      f.bytes, f.bytes / n, 40 * n / f.bytes);
  fmt::print("    column blocks     {:>12} bytes  {:.2f} bytes/reading\n", f.block_bytes,
             f.block_bytes / n);
  fmt::print("    index + framing   {:>12} bytes  {:.2f} bytes/reading\n", f.bytes - f.block_bytes,
             (f.bytes - f.block_bytes) / n);
  fmt::print("  write+fsync+rename  {:>9.1f} ms  {:>6.2f} M readings/s\n", f.write_s * 1e3,
             n / f.write_s / 1e6);
  fmt::print("  open (index)        {:>9.1f} ms\n", f.open_s * 1e3);
  fmt::print("  read all (latest)   {:>9.1f} ms  {:>6.2f} M readings/s\n", f.read_s * 1e3,
             n / f.read_s / 1e6);
  fmt::print("  energy sum (stats)  {:>9.3f} ms  {:.3f} kWh, no block decoded\n", f.stats_s * 1e3,
             f.energy_sum);
  if (own_dir) std::filesystem::remove_all(o.dir);
  return 0;
}

}  // namespace
}  // namespace metrify::engine::segment

int main(int argc, char** argv) { return metrify::engine::segment::Run(argc, argv); }
