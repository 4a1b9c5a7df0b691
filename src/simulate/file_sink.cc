// FileSink and the faults.csv writer (sink.h).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "common/time.h"
#include "simulate/entity_csv.h"
#include "simulate/sink.h"

namespace metrify::simulate {

namespace fs = std::filesystem;

std::string FaultsCsv(const Fleet& fleet, const std::vector<Fault>& faults) {
  std::string out = "kind,source_kind,source_id,start,end,magnitude\n";
  for (const Fault& f : faults) {
    const bool grid = f.kind == FaultKind::kFrequencyExcursion;
    out += fmt::format(
        "{},{},{},{},{},{}\n", FaultKindName(f.kind), grid ? "grid_operator" : "meter",
        grid ? fleet.operators[f.source].id : fleet.meters[f.source].meter.id,
        FormatRfc3339(f.start_ms), FormatRfc3339(f.end_ms), fmt::format("{:.3f}", f.magnitude));
  }
  return out;
}

namespace {

std::string_view KindDir(model::SeriesKind kind) {
  switch (kind) {
    case model::SeriesKind::kReading:
      return "readings";
    case model::SeriesKind::kGridStatus:
      return "grid-status";
    default:
      return "observations";
  }
}

class FileSink : public Sink {
 public:
  FileSink(fs::path dir, RowFormat format) : dir_(std::move(dir)), format_(format) {}

  Status Begin(const Fleet& fleet) override {
    METRIFY_RETURN_IF_ERROR(Write("meters.csv", EntitiesCsv(model::MeterFields(), Meters(fleet))));
    METRIFY_RETURN_IF_ERROR(
        Write("operators.csv", EntitiesCsv(model::GridOperatorFields(), fleet.operators)));
    return Write("stations.csv", EntitiesCsv(model::WeatherStationFields(), fleet.stations));
  }

  Status Rows(model::SeriesKind kind, std::string_view entity, int64_t day,
              std::string_view text) override {
    std::string name = std::string(entity);
    if (kind == model::SeriesKind::kReading) name = FormatRfc3339(day * 86'400'000).substr(0, 10);
    const fs::path path = dir_ / KindDir(kind) / (name + Extension());
    auto [it, opened] = files_.try_emplace(path.string());
    if (opened) {
      std::error_code ec;
      fs::create_directories(path.parent_path(), ec);
      it->second.open(path, std::ios::binary | std::ios::trunc);
      if (!it->second) return Status::IOError(fmt::format("cannot create {}", path.string()));
      if (format_ == RowFormat::kCsv) it->second << CsvHeader(kind);
    }
    it->second.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!it->second) return Status::IOError(fmt::format("cannot write {}", path.string()));
    return Status::Ok();
  }

  Status Flush() override {
    for (auto& [path, file] : files_) {
      if (!file.flush()) return Status::IOError(fmt::format("cannot write {}", path));
    }
    return Status::Ok();
  }

  Status Finish(const Fleet& fleet, const std::vector<Fault>& faults) override {
    for (auto& [path, file] : files_) {
      file.close();
      if (!file) return Status::IOError(fmt::format("cannot write {}", path));
    }
    return Write("faults.csv", FaultsCsv(fleet, faults));
  }

 private:
  static std::vector<model::Meter> Meters(const Fleet& fleet) {
    std::vector<model::Meter> out;
    for (const SimMeter& m : fleet.meters) out.push_back(m.meter);
    return out;
  }
  std::string Extension() const { return format_ == RowFormat::kCsv ? ".csv" : ".ndjson"; }
  Status Write(const std::string& name, const std::string& text) {
    std::ofstream out(dir_ / name, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Status::IOError(fmt::format("cannot write {}", (dir_ / name).string()));
    return Status::Ok();
  }

  fs::path dir_;
  RowFormat format_;
  std::map<std::string, std::ofstream> files_;
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenFileSink(const std::string& dir, RowFormat format) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Status::InvalidArgument(fmt::format(
        "--out {}: the directory is not empty (a simulation never mixes with other files)", dir));
  }
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(fmt::format("cannot create {}: {}", dir, ec.message()));
  return std::unique_ptr<Sink>(new FileSink(dir, format));
}

}  // namespace metrify::simulate
