// codec_bench: bytes per value and throughput of the column codecs
// (src/store/engine/codec/) on realistic meter data, against plain zstd over
// the raw 8-byte values as the baseline, measured in the same run.
//
//   codec_bench [--meters N] [--days D] [--block-values B] [--zstd-level L]
//               [--repeat R] [--seed S] [--json]
//
// The data: N meters × D days of quarter-hour readings from 2025-01-15 UTC,
// about 0.5% of readings missing (gaps in all fields) and 1 meter in 200 with
// a several-hour outage. Per reading:
//   energy_kwh    BDEW H0-like winter load shape × the meter's annual use
//                 (lognormal around 3,000 kWh) × lognormal noise, plus random
//                 appliance bursts; rounded to 0.001 kWh (meter resolution)
//   voltage_v     mean-reverting random walk around 230 V, rounded to 0.1 V
//   frequency_hz  one grid-wide walk around 50 Hz (±0.05) plus per-meter
//                 measurement noise, rounded to 0.01 Hz
//   power_factor  per-meter base in 0.92-0.99, load-dependent, noisy,
//                 clipped to 0.85-1.0, rounded to 0.001
// Each meter's series is cut into blocks of B values (default 96: one meter
// per day, what a one-day partition holds). This is a program, not a test.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bench/realistic_readings.h"
#include "common/json_writer.h"
#include "store/engine/codec/block.h"
#include "store/engine/codec/compression.h"
#include "store/engine/codec/timestamp_codec.h"
#include "store/engine/codec/value_codec.h"

namespace metrify::engine::codec {
namespace {

using bench::Series;

struct Options {
  int meters = 10000;
  int days = 1;
  size_t block_values = 96;
  int zstd_level = 3;
  int repeat = 3;
  uint64_t seed = 1;
  bool json = false;
};

struct ColumnResult {
  std::string name;
  size_t values = 0;
  size_t blocks = 0;
  size_t codec_bytes = 0;            // codec payloads alone
  size_t block_bytes = 0;            // whole blocks, zstd off
  size_t block_zstd_bytes = 0;       // whole blocks, zstd at the chosen level
  size_t zstd_blocks = 0;            // blocks where zstd won
  size_t raw_zstd_block_bytes = 0;   // baseline: zstd over each block's raw values
  size_t raw_zstd_column_bytes = 0;  // baseline: zstd over the whole column at once
  double encode_per_s = 0;
  double decode_per_s = 0;
  std::map<std::string, size_t> codecs;  // blocks per codec
};

std::string CodecName(Codec c) {
  switch (c) {
    case Codec::kTimestampDeltaOfDelta:
      return "delta_of_delta";
    case Codec::kConstant:
      return "constant";
    case Codec::kScaledInt:
      return "scaled_int";
    case Codec::kGorilla:
      return "gorilla";
    case Codec::kPlain:
      return "plain";
  }
  return "unknown";
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

void Check(const Status& s) {
  if (s.ok()) return;
  fmt::print(stderr, "codec_bench: {}\n", s.ToString());
  std::exit(1);
}

template <typename T>
Status AppendBlock(std::span<const T> block, const BlockOptions& options, std::string* out) {
  if constexpr (std::is_same_v<T, int64_t>) {
    return AppendTimestampBlock(block, options, out);
  } else {
    return AppendValueBlock(block, options, out);
  }
}

template <typename T>
Status DecodeBlock(std::string_view bytes, std::vector<T>* out) {
  if constexpr (std::is_same_v<T, int64_t>) {
    return DecodeTimestampBlock(bytes, out);
  } else {
    return DecodeValueBlock(bytes, out);
  }
}

template <typename T>
Codec EncodePayload(std::span<const T> block, std::string* out) {
  if constexpr (std::is_same_v<T, int64_t>) {
    EncodeTimestamps(block, out);
    return Codec::kTimestampDeltaOfDelta;
  } else {
    return EncodeValues(block, out);
  }
}

size_t ZstdSize(const void* data, size_t bytes, int level) {
  std::string out;
  Check(ZstdCompress(std::string_view(static_cast<const char*>(data), bytes), level, &out));
  return out.size();
}

// Sizes, codec choices and baselines: everything but timing.
template <typename T>
void MeasureSizes(const std::vector<std::span<const T>>& blocks, const Options& o,
                  ColumnResult* r) {
  std::string scratch;
  std::vector<T> all;
  for (const auto& block : blocks) {
    scratch.clear();
    r->codecs[CodecName(EncodePayload(block, &scratch))]++;
    r->codec_bytes += scratch.size();
    scratch.clear();
    Check(AppendBlock(block, {.zstd_level = 0}, &scratch));
    r->block_bytes += scratch.size();
    scratch.clear();
    Check(AppendBlock(block, {.zstd_level = o.zstd_level}, &scratch));
    r->block_zstd_bytes += scratch.size();
    r->zstd_blocks += ReadBlockHeader(scratch)->zstd ? 1 : 0;
    r->raw_zstd_block_bytes += ZstdSize(block.data(), block.size_bytes(), o.zstd_level);
    r->values += block.size();
    all.insert(all.end(), block.begin(), block.end());
  }
  r->blocks = blocks.size();
  r->raw_zstd_column_bytes = ZstdSize(all.data(), all.size() * sizeof(T), o.zstd_level);
}

// Best of o.repeat runs of encoding every block, then decoding every block.
template <typename T>
void MeasureSpeed(const std::vector<std::span<const T>>& blocks, const Options& o,
                  ColumnResult* r) {
  double best_encode = 1e30, best_decode = 1e30;
  std::string encoded;
  std::vector<size_t> offsets;
  std::vector<T> decoded;
  for (int rep = 0; rep < o.repeat; ++rep) {
    encoded.clear();
    offsets.clear();
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& block : blocks) {
      offsets.push_back(encoded.size());
      Check(AppendBlock(block, {.zstd_level = o.zstd_level}, &encoded));
    }
    auto t1 = std::chrono::steady_clock::now();
    size_t checksum = 0;
    for (size_t offset : offsets) {
      Check(DecodeBlock(std::string_view(encoded).substr(offset), &decoded));
      checksum += decoded.size();
    }
    auto t2 = std::chrono::steady_clock::now();
    if (checksum != r->values) Check(Status::Internal("decoded a different number of values"));
    best_encode = std::min(best_encode, Seconds(t1 - t0));
    best_decode = std::min(best_decode, Seconds(t2 - t1));
  }
  r->encode_per_s = r->values / best_encode;
  r->decode_per_s = r->values / best_decode;
}

// Cuts each meter's column into blocks of at most o.block_values.
template <typename T>
std::vector<std::span<const T>> Blocks(const std::vector<Series>& meters,
                                       std::vector<T> Series::*column, const Options& o) {
  std::vector<std::span<const T>> blocks;
  for (const Series& s : meters) {
    const std::vector<T>& v = s.*column;
    for (size_t i = 0; i < v.size(); i += o.block_values) {
      blocks.emplace_back(v.data() + i, std::min(o.block_values, v.size() - i));
    }
  }
  return blocks;
}

template <typename T>
ColumnResult Measure(const char* name, const std::vector<Series>& meters,
                     std::vector<T> Series::*column, const Options& o) {
  ColumnResult r;
  r.name = name;
  const auto blocks = Blocks(meters, column, o);
  MeasureSizes(blocks, o, &r);
  MeasureSpeed(blocks, o, &r);
  return r;
}

double PerValue(size_t bytes, size_t values) { return values ? double(bytes) / values : 0; }
double Rounded(double v, int decimals) {
  return std::round(v * std::pow(10, decimals)) / std::pow(10, decimals);
}

void PrintJson(const Options& o, size_t readings, const std::vector<ColumnResult>& columns) {
  JsonWriter w;
  w.BeginObject().Key("meters").Int(o.meters).Key("days").Int(o.days);
  w.Key("block_values")
      .Int(static_cast<int64_t>(o.block_values))
      .Key("zstd_level")
      .Int(o.zstd_level);
  w.Key("readings").Int(static_cast<int64_t>(readings)).Key("columns").BeginArray();
  size_t total = 0, total_no_zstd = 0, total_raw_block = 0, total_raw_column = 0;
  for (const ColumnResult& c : columns) {
    w.BeginObject().Key("name").String(c.name).Key("values").Int(static_cast<int64_t>(c.values));
    w.Key("blocks").Int(static_cast<int64_t>(c.blocks));
    w.Key("codec_bytes_per_value").Number(Rounded(PerValue(c.codec_bytes, c.values), 3));
    w.Key("block_bytes_per_value").Number(Rounded(PerValue(c.block_bytes, c.values), 3));
    w.Key("block_zstd_bytes_per_value").Number(Rounded(PerValue(c.block_zstd_bytes, c.values), 3));
    w.Key("zstd_blocks").Int(static_cast<int64_t>(c.zstd_blocks));
    w.Key("raw_zstd_block_bytes_per_value")
        .Number(Rounded(PerValue(c.raw_zstd_block_bytes, c.values), 3));
    w.Key("raw_zstd_column_bytes_per_value")
        .Number(Rounded(PerValue(c.raw_zstd_column_bytes, c.values), 3));
    w.Key("encode_values_per_s").Int(static_cast<int64_t>(c.encode_per_s));
    w.Key("decode_values_per_s").Int(static_cast<int64_t>(c.decode_per_s));
    w.Key("codecs").BeginObject();
    for (const auto& [name, n] : c.codecs) w.Key(name).Int(static_cast<int64_t>(n));
    w.EndObject().EndObject();
    total += c.block_zstd_bytes;
    total_no_zstd += c.block_bytes;
    total_raw_block += c.raw_zstd_block_bytes;
    total_raw_column += c.raw_zstd_column_bytes;
  }
  w.EndArray();
  w.Key("bytes_per_reading").Number(Rounded(PerValue(total, readings), 3));
  w.Key("bytes_per_reading_without_zstd").Number(Rounded(PerValue(total_no_zstd, readings), 3));
  w.Key("raw_zstd_block_bytes_per_reading").Number(Rounded(PerValue(total_raw_block, readings), 3));
  w.Key("raw_zstd_column_bytes_per_reading")
      .Number(Rounded(PerValue(total_raw_column, readings), 3));
  w.EndObject();
  fmt::print("{}\n", w.str());
}

void PrintTable(const Options& o, size_t readings, const std::vector<ColumnResult>& columns) {
  fmt::print("{} meters x {} day(s), {} readings, blocks of <= {} values, zstd level {}\n",
             o.meters, o.days, readings, o.block_values, o.zstd_level);
  fmt::print(
      "bytes per value: codec = payload alone; block = with header, stats, CRC32C;\n"
      "raw+zstd = baseline, zstd over the raw 8-byte values per block / per column\n\n");
  fmt::print("{:<14}{:>8}{:>8}{:>10}{:>11}{:>11}{:>12}{:>12}  {}\n", "column", "codec", "block",
             "block+zs", "raw+zs blk", "raw+zs col", "enc M/s", "dec M/s", "codecs");
  size_t total = 0, total_raw_block = 0, total_raw_column = 0;
  for (const ColumnResult& c : columns) {
    std::string codecs;
    for (const auto& [name, n] : c.codecs) codecs += fmt::format("{}:{} ", name, n);
    fmt::print("{:<14}{:>8.3f}{:>8.3f}{:>10.3f}{:>11.3f}{:>11.3f}{:>12.1f}{:>12.1f}  {}\n", c.name,
               PerValue(c.codec_bytes, c.values), PerValue(c.block_bytes, c.values),
               PerValue(c.block_zstd_bytes, c.values), PerValue(c.raw_zstd_block_bytes, c.values),
               PerValue(c.raw_zstd_column_bytes, c.values), c.encode_per_s / 1e6,
               c.decode_per_s / 1e6, codecs);
    total += c.block_zstd_bytes;
    total_raw_block += c.raw_zstd_block_bytes;
    total_raw_column += c.raw_zstd_column_bytes;
  }
  fmt::print(
      "\nper reading: {:.3f} bytes (baseline raw+zstd: {:.3f} per block, {:.3f} per column)\n",
      PerValue(total, readings), PerValue(total_raw_block, readings),
      PerValue(total_raw_column, readings));
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Bytes per value and encode/decode speed of the engine's column blocks on "
      "realistic readings, against zstd over raw doubles."};
  app.add_option("--meters", o.meters, "Meters")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--days", o.days, "Days of quarter-hour readings")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--block-values", o.block_values, "Values per block")
      ->check(CLI::Range(size_t{1}, static_cast<size_t>(kMaxBlockValues)))
      ->capture_default_str();
  app.add_option("--zstd-level", o.zstd_level, "zstd level, 0 = off")->capture_default_str();
  app.add_option("--repeat", o.repeat, "Best of this many runs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Generator seed")->capture_default_str();
  app.add_flag("--json", o.json, "Print JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return o;
}

int Run(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const std::vector<Series> meters = bench::Generate(o.meters, o.days, o.seed);
  size_t readings = 0;
  for (const Series& s : meters) readings += s.timestamps.size();
  const std::vector<ColumnResult> columns = {
      Measure("timestamp", meters, &Series::timestamps, o),
      Measure("energy_kwh", meters, &Series::energy, o),
      Measure("voltage_v", meters, &Series::voltage, o),
      Measure("frequency_hz", meters, &Series::frequency, o),
      Measure("power_factor", meters, &Series::power_factor, o)};
  if (o.json) {
    PrintJson(o, readings, columns);
  } else {
    PrintTable(o, readings, columns);
  }
  return 0;
}

}  // namespace
}  // namespace metrify::engine::codec

int main(int argc, char** argv) { return metrify::engine::codec::Run(argc, argv); }
