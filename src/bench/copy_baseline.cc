#include "bench/copy_baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <optional>

#include "bench/realistic_readings.h"
#include "model/series.h"
#include "store/postgres/pg_copy_writer.h"

namespace metrify::bench {

namespace {

// The columns the benchmark's readings carry; the others stay NULL, as
// they do when the pipeline stores them.
constexpr std::string_view kCopySql =
    "COPY readings (meter_key, ts, revision, interval_s, energy_kwh, voltage_v, frequency_hz, "
    "power_factor) FROM STDIN (FORMAT binary)";
constexpr int16_t kCopyColumns = 8;

}  // namespace

namespace {

// Calls visit(meter, ts, series, index) for every reading of `spec` in
// `order`. The generator leaves gaps (missing readings, outages), which
// are skipped.
template <typename Visit>
void ForEachReading(const LoadSpec& spec, ReadingOrder order, Visit visit) {
  const int days = (spec.slots + kSlotsPerDay - 1) / kSlotsPerDay;
  const std::vector<Series> fleet = Generate(spec.meters, days, spec.seed);
  auto one = [&](int m, int slot) {
    const Series& s = fleet[static_cast<size_t>(m)];
    const int64_t want = kStartMs + int64_t{slot} * kQuarterHourMs;
    const auto it = std::lower_bound(s.timestamps.begin(), s.timestamps.end(), want);
    if (it == s.timestamps.end() || *it != want) return;
    visit(m, spec.start_ms + int64_t{slot} * kQuarterHourMs, s,
          static_cast<size_t>(it - s.timestamps.begin()));
  };
  if (order == ReadingOrder::kTime) {
    for (int slot = 0; slot < spec.slots; ++slot) {
      for (int m = 0; m < spec.meters; ++m) one(m, slot);
    }
  } else {
    for (int m = 0; m < spec.meters; ++m) {
      for (int slot = 0; slot < spec.slots; ++slot) one(m, slot);
    }
  }
}

}  // namespace

std::vector<std::string> BuildOrderedBatches(const LoadSpec& spec, ReadingOrder order,
                                             size_t* readings) {
  if (order == ReadingOrder::kTime) return BuildBatches(spec, readings);
  std::vector<std::string> ids;
  for (int m = 0; m < spec.meters; ++m) ids.push_back(BenchMeterId(spec.first_meter + m));
  std::vector<std::string> bodies;
  std::string body;
  int in_body = 0;
  *readings = 0;
  ForEachReading(spec, order, [&](int m, int64_t ts, const Series& s, size_t i) {
    body += in_body == 0 ? '[' : ',';
    // The format of BuildBatches.
    fmt::format_to(std::back_inserter(body),
                   R"({{"meter_id":"{}","timestamp":{},"energy_kwh":{},"voltage_v":{},)"
                   R"("frequency_hz":{},"power_factor":{}}})",
                   ids[static_cast<size_t>(m)], ts, s.energy[i], s.voltage[i], s.frequency[i],
                   s.power_factor[i]);
    ++*readings;
    if (++in_body == spec.batch) {
      body += ']';
      bodies.push_back(std::move(body));
      body.clear();
      in_body = 0;
    }
  });
  if (in_body > 0) bodies.push_back(std::move(body) + ']');
  return bodies;
}

CopyChunks BuildReadingCopyChunks(const LoadSpec& spec, ReadingOrder order,
                                  const std::vector<int64_t>& meter_keys, size_t rows_per_chunk) {
  CopyChunks out;
  std::optional<store::PgCopyWriter> writer;
  size_t in_chunk = 0;
  ForEachReading(spec, order, [&](int m, int64_t ts, const Series& s, size_t i) {
    if (!writer) writer.emplace();
    writer->BeginRow(kCopyColumns);
    writer->Int64(meter_keys[static_cast<size_t>(m)]);
    writer->Int64(ts);
    writer->Int32(0);
    writer->Int32(model::kDefaultIntervalSeconds);
    writer->Float64(s.energy[i]);
    writer->Float64(s.voltage[i]);
    writer->Float64(s.frequency[i]);
    writer->Float64(s.power_factor[i]);
    ++out.rows;
    if (++in_chunk == rows_per_chunk) {
      out.chunks.push_back(writer->Finish());
      writer.reset();
      in_chunk = 0;
    }
  });
  if (writer) out.chunks.push_back(writer->Finish());
  return out;
}

Result<double> RunCopyBaseline(store::PgConnection& db, const CopyChunks& rows) {
  const auto started = std::chrono::steady_clock::now();
  METRIFY_RETURN_IF_ERROR(db.InTransaction([&] {
    for (const std::string& chunk : rows.chunks) {
      METRIFY_RETURN_IF_ERROR(db.CopyIn(kCopySql, chunk));
    }
    return Status::Ok();
  }));
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

Result<TableDigest> ReadingsDigest(store::PgConnection& db) {
  METRIFY_ASSIGN_OR_RETURN(
      store::PgRows rows,
      db.Query("SELECT count(*), coalesce(sum(hashtext(r::text)::bigint), 0) FROM readings r"));
  return TableDigest{.rows = rows.Int(0, 0), .hash_sum = rows.Int(0, 1)};
}

}  // namespace metrify::bench
