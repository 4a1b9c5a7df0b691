#include "bench/sqlite_baseline.h"

#include <chrono>
#include <filesystem>

#include "parse/sample_parser.h"
#include "store/sqlite/sqlite_db.h"

namespace metrify::bench {

namespace {

struct Row {
  int64_t meter;
  int64_t ts;
  double energy, voltage, frequency, power_factor;
};

// The bodies' readings as rows; meter ids "BM0000042" become 42.
Result<std::vector<std::vector<Row>>> ParseBodies(const std::vector<std::string>& bodies) {
  const int energy = *model::SeriesFieldIndex(model::SeriesKind::kReading, "energy_kwh");
  const int voltage = *model::SeriesFieldIndex(model::SeriesKind::kReading, "voltage_v");
  const int frequency = *model::SeriesFieldIndex(model::SeriesKind::kReading, "frequency_hz");
  const int pf = *model::SeriesFieldIndex(model::SeriesKind::kReading, "power_factor");
  std::vector<std::vector<Row>> batches;
  for (const std::string& body : bodies) {
    METRIFY_ASSIGN_OR_RETURN(
        parse::ParsedBatch parsed,
        parse::ParseSamples(body, parse::BodyFormat::kJsonArray,
                            parse::DefaultOptions(model::SeriesKind::kReading)));
    std::vector<Row>& rows = batches.emplace_back();
    for (const model::Sample& s : parsed.samples) {
      rows.push_back({std::stoll(s.entity_id.substr(2)), s.timestamp_ms, s.values[energy],
                      s.values[voltage], s.values[frequency], s.values[pf]});
    }
  }
  return batches;
}

}  // namespace

Result<BaselineResult> RunSqliteBaseline(const std::string& path,
                                         const std::vector<std::string>& bodies) {
  METRIFY_ASSIGN_OR_RETURN(auto batches, ParseBodies(bodies));
  std::filesystem::remove(path);
  METRIFY_ASSIGN_OR_RETURN(auto db, store::SqliteDb::Open(path));
  METRIFY_RETURN_IF_ERROR(db->Exec(
      "PRAGMA synchronous=FULL;"
      "CREATE TABLE readings (meter INTEGER NOT NULL, ts INTEGER NOT NULL, energy_kwh REAL,"
      " voltage_v REAL, frequency_hz REAL, power_factor REAL, PRIMARY KEY (meter, ts))"
      " WITHOUT ROWID;"));
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement insert,
                           db->Prepare("INSERT INTO readings VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  BaselineResult result;
  const auto start = std::chrono::steady_clock::now();
  for (const std::vector<Row>& rows : batches) {
    METRIFY_RETURN_IF_ERROR(db->Exec("BEGIN"));
    for (const Row& r : rows) {
      insert.Bind(1, r.meter);
      insert.Bind(2, r.ts);
      insert.Bind(3, r.energy);
      insert.Bind(4, r.voltage);
      insert.Bind(5, r.frequency);
      insert.Bind(6, r.power_factor);
      METRIFY_RETURN_IF_ERROR(insert.Run());
      insert.Reset();
    }
    METRIFY_RETURN_IF_ERROR(db->Exec("COMMIT"));
    result.rows += rows.size();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  METRIFY_RETURN_IF_ERROR(db->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  db.reset();
  std::error_code ec;
  result.bytes = std::filesystem::file_size(path, ec);
  return result;
}

}  // namespace metrify::bench
