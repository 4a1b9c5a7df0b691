// parse_bench: readings per second of the ingest parsers (src/parse/) on one
// thread, per body format, against baselines measured in the same run on the
// same bodies: simdjson merely iterating the documents (counting numbers)
// and the CSV scanner merely splitting the CSV into cells.
//
//   parse_bench [--batches N] [--repeat R] [--seed S] [--only NAME] [--json]
//
// The data: N batches (default 200) of 1,000 readings, each batch 100 meters
// × 10 consecutive quarter hours; per reading meter_id ("SM000042"), an RFC
// 3339 interval end with +01:00 ("2026-01-15T00:15:00+01:00"), energy_kwh at
// 0.001 kWh, voltage_v at 0.1 V, frequency_hz at 0.01 Hz, power_factor at
// 0.001. The same readings as a JSON array, as NDJSON and as CSV. Each
// measurement parses every batch once per round, R rounds (default 5), and
// reports the fastest round. This is a program, not a test.
#include <simdjson.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "parse/csv_scanner.h"
#include "parse/sample_parser.h"

namespace metrify::parse {
namespace {

constexpr int kMeters = 100;
constexpr int kSlotsPerBatch = 10;  // quarter hours per meter per batch
constexpr int kReadingsPerBatch = kMeters * kSlotsPerBatch;
constexpr int64_t kStartSeconds = 1768431600;  // 2026-01-14T23:00:00Z = 2026-01-15 00:00 +01:00

struct Options {
  int batches = 200;
  int repeat = 5;
  uint64_t seed = 1;
  std::string only;  // run only this measurement
  bool json = false;
};

struct Reading {
  int meter;
  int64_t local_seconds;  // wall clock at +01:00, as seconds since the epoch
  double energy_kwh, voltage_v, frequency_hz, power_factor;
};

struct Bodies {
  std::vector<std::string> json, ndjson, csv;
  size_t bytes_json = 0, bytes_ndjson = 0, bytes_csv = 0;
};

struct Measurement {
  std::string name;
  double seconds = 0;  // fastest round
  size_t bytes = 0;    // per round
};

[[noreturn]] void Fail(std::string_view message) {
  fmt::print(stderr, "parse_bench: {}\n", message);
  std::exit(1);
}

double Round(double value, double step) { return std::round(value / step) * step; }

std::string LocalTimestamp(int64_t local_seconds) {
  int64_t days = local_seconds / 86400, rest = local_seconds % 86400;
  // civil_from_days (Howard Hinnant), for dates after 1970.
  int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+01:00", y, m, d, rest / 3600,
                     rest / 60 % 60, rest % 60);
}

std::vector<Reading> GenerateBatch(int batch, std::mt19937_64& rng) {
  std::normal_distribution<double> noise(0, 1);
  std::vector<Reading> readings;
  readings.reserve(kReadingsPerBatch);
  for (int meter = 0; meter < kMeters; ++meter) {
    for (int slot = 0; slot < kSlotsPerBatch; ++slot) {
      int64_t quarter = int64_t{batch} * kSlotsPerBatch + slot + 1;  // interval end
      double hour = std::fmod(quarter / 4.0, 24.0);
      double load =
          0.08 + 0.06 * std::sin((hour - 6) / 24 * 2 * M_PI) + 0.02 * std::abs(noise(rng));
      readings.push_back({meter, kStartSeconds + 3600 + quarter * 900, Round(load, 0.001),
                          Round(230 + 3 * noise(rng), 0.1), Round(50 + 0.02 * noise(rng), 0.01),
                          Round(std::min(1.0, 0.95 + 0.02 * noise(rng)), 0.001)});
    }
  }
  return readings;
}

std::string JsonItem(const Reading& r) {
  return fmt::format(
      R"({{"meter_id":"SM{:06}","timestamp":"{}","energy_kwh":{:.3f},"voltage_v":{:.1f},)"
      R"("frequency_hz":{:.2f},"power_factor":{:.3f}}})",
      r.meter, LocalTimestamp(r.local_seconds), r.energy_kwh, r.voltage_v, r.frequency_hz,
      r.power_factor);
}

// Bodies get SIMDJSON_PADDING spare capacity, as the HTTP layer should
// reserve when it reads a request.
std::string Padded(std::string body) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  return body;
}

Bodies GenerateBodies(const Options& o) {
  std::mt19937_64 rng(o.seed);
  Bodies bodies;
  for (int batch = 0; batch < o.batches; ++batch) {
    std::string json = "[", ndjson,
                csv = "meter_id,timestamp,energy_kwh,voltage_v,frequency_hz,power_factor\n";
    for (const Reading& r : GenerateBatch(batch, rng)) {
      std::string item = JsonItem(r);
      json += (json.size() > 1 ? ",\n" : "") + item;
      ndjson += item + "\n";
      csv += fmt::format("SM{:06},{},{:.3f},{:.1f},{:.2f},{:.3f}\n", r.meter,
                         LocalTimestamp(r.local_seconds), r.energy_kwh, r.voltage_v, r.frequency_hz,
                         r.power_factor);
    }
    json += "]";
    bodies.bytes_json += json.size();
    bodies.bytes_ndjson += ndjson.size();
    bodies.bytes_csv += csv.size();
    bodies.json.push_back(Padded(std::move(json)));
    bodies.ndjson.push_back(Padded(std::move(ndjson)));
    bodies.csv.push_back(std::move(csv));
  }
  return bodies;
}

// Runs `round` (which parses every batch once) o.repeat times; keeps the fastest.
Measurement Measure(std::string name, size_t bytes, const Options& o,
                    const std::function<size_t()>& round) {
  Measurement m{std::move(name), 1e300, bytes};
  if (!o.only.empty() && o.only != m.name) return m;
  const size_t expected = size_t(o.batches) * kReadingsPerBatch;
  for (int r = 0; r < o.repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    size_t readings = round();
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (readings != expected) {
      Fail(fmt::format("{}: {} readings instead of {}", m.name, readings, expected));
    }
    m.seconds = std::min(m.seconds, elapsed.count());
  }
  return m;
}

size_t ParseAll(std::vector<std::string>& bodies, BodyFormat format, bool in_place) {
  const SampleParseOptions options = DefaultOptions(model::SeriesKind::kReading);
  size_t samples = 0;
  for (std::string& body : bodies) {
    Result<ParsedBatch> batch = in_place ? ParseSamples(&body, format, options)
                                         : ParseSamples(std::string_view(body), format, options);
    if (!batch.has_value()) Fail(batch.error().ToString());
    if (!batch->errors.empty()) Fail(batch->errors[0].message);
    samples += batch->samples.size();
  }
  return samples;
}

// The floor for JSON: On-Demand walks every object and reads every number;
// a reading is an object with at least one number.
size_t CountNumbers(simdjson::ondemand::object object, size_t* numbers) {
  size_t found = 0;
  for (auto field : object) {
    double value;
    if (field.value().get_double().get(value) == simdjson::SUCCESS) ++found;
  }
  *numbers += found;
  return found > 0;
}

size_t IterateJson(const std::vector<std::string>& bodies, size_t* numbers) {
  simdjson::ondemand::parser parser;
  size_t objects = 0;
  for (const std::string& body : bodies) {
    simdjson::ondemand::document doc;
    if (parser.iterate(body.data(), body.size(), body.capacity()).get(doc)) Fail("iterate");
    for (auto element : doc.get_array()) objects += CountNumbers(element.get_object(), numbers);
  }
  return objects;
}

size_t IterateManyNdjson(const std::vector<std::string>& bodies, size_t* numbers) {
  simdjson::ondemand::parser parser;
  size_t objects = 0;
  for (const std::string& body : bodies) {
    simdjson::ondemand::document_stream stream;
    if (parser.iterate_many(body.data(), body.size(), simdjson::dom::DEFAULT_BATCH_SIZE)
            .get(stream))
      Fail("iterate_many");
    for (auto doc : stream) objects += CountNumbers(doc.get_object(), numbers);
  }
  return objects;
}

size_t SplitCsv(const std::vector<std::string>& bodies, size_t* cells) {
  size_t rows = 0;
  std::vector<std::string_view> fields;
  for (const std::string& body : bodies) {
    CsvScanner scanner(body);
    if (!scanner.Next(&fields)) Fail("empty CSV");
    while (scanner.Next(&fields)) {
      *cells += fields.size();
      ++rows;
    }
  }
  return rows;
}

double PerSecond(const Measurement& m, const Options& o) {
  return double(o.batches) * kReadingsPerBatch / m.seconds;
}

void PrintJson(const Options& o, const std::vector<Measurement>& parsers,
               const std::vector<Measurement>& baselines) {
  JsonWriter w;
  w.BeginObject().Key("readings").Int(int64_t{o.batches} * kReadingsPerBatch);
  w.Key("readings_per_batch").Int(kReadingsPerBatch).Key("repeat").Int(o.repeat);
  w.Key("simdjson_implementation").String(simdjson::get_active_implementation()->name());
  for (const auto* group : {&parsers, &baselines}) {
    w.Key(group == &parsers ? "formats" : "baselines").BeginObject();
    for (const Measurement& m : *group) {
      w.Key(m.name).BeginObject();
      w.Key("readings_per_s").Number(std::round(PerSecond(m, o)));
      w.Key("mb_per_s").Number(std::round(m.bytes / m.seconds / 1e5) / 10);
      w.Key("bytes_per_reading")
          .Number(std::round(10.0 * m.bytes / (o.batches * kReadingsPerBatch)) / 10);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  fmt::print("{}\n", w.str());
}

void PrintTable(const Options& o, const std::vector<Measurement>& parsers,
                const std::vector<Measurement>& baselines) {
  fmt::print("{} readings in batches of {}, fastest of {} rounds, one thread, simdjson {} ({})\n\n",
             o.batches * kReadingsPerBatch, kReadingsPerBatch, o.repeat,
             SIMDJSON_STRINGIFY(SIMDJSON_VERSION), simdjson::get_active_implementation()->name());
  fmt::print("{:<28} {:>14} {:>10} {:>14}\n", "", "readings/s", "MB/s", "bytes/reading");
  for (const auto* group : {&parsers, &baselines}) {
    for (const Measurement& m : *group) {
      fmt::print("{:<28} {:>14.0f} {:>10.1f} {:>14.1f}\n", m.name, PerSecond(m, o),
                 m.bytes / m.seconds / 1e6, double(m.bytes) / (o.batches * kReadingsPerBatch));
    }
    fmt::print("\n");
  }
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Readings per second of the ingest parsers per format, and simdjson and "
      "CSV-splitting baselines."};
  app.add_option("--batches", o.batches, "Batches of 1,000 readings")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--repeat", o.repeat, "Fastest of this many rounds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Generator seed")->capture_default_str();
  app.add_option("--only", o.only,
                 "Run one measurement (json, ndjson, csv, simdjson_iterate_json, ...), for "
                 "profiling");
  app.add_flag("--json", o.json, "Print JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return o;
}

int Run(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  Bodies b = GenerateBodies(o);
  size_t sink = 0;
  std::vector<Measurement> parsers = {
      Measure("json", b.bytes_json, o,
              [&] { return ParseAll(b.json, BodyFormat::kJsonArray, true); }),
      Measure("json_copied", b.bytes_json, o,
              [&] { return ParseAll(b.json, BodyFormat::kJsonArray, false); }),
      Measure("ndjson", b.bytes_ndjson, o,
              [&] { return ParseAll(b.ndjson, BodyFormat::kNdjson, true); }),
      Measure("csv", b.bytes_csv, o, [&] { return ParseAll(b.csv, BodyFormat::kCsv, true); }),
  };
  std::vector<Measurement> baselines = {
      Measure("simdjson_iterate_json", b.bytes_json, o, [&] { return IterateJson(b.json, &sink); }),
      Measure("simdjson_iterate_many_ndjson", b.bytes_ndjson, o,
              [&] { return IterateManyNdjson(b.ndjson, &sink); }),
      Measure("csv_split", b.bytes_csv, o, [&] { return SplitCsv(b.csv, &sink); }),
  };
  if (sink == 0 && o.only.empty()) Fail("no numbers counted");
  auto skipped = [](const Measurement& m) { return m.seconds > 1e299; };
  std::erase_if(parsers, skipped);
  std::erase_if(baselines, skipped);
  if (o.json) {
    PrintJson(o, parsers, baselines);
  } else {
    PrintTable(o, parsers, baselines);
  }
  return 0;
}

}  // namespace
}  // namespace metrify::parse

int main(int argc, char** argv) { return metrify::parse::Run(argc, argv); }
