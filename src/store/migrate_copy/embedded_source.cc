#include "store/migrate_copy/embedded_source.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "common/file_system.h"
#include "common/open_files.h"

namespace metrify::store::migrate_copy {

namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view kRegistryFile = "registry.db";
constexpr std::string_view kEngineDir = "engine";

// Opening the engine of a running server would replay its WAL while the
// server appends to it; two writers of one SQLite file are safe, but the
// copy would miss what the server writes meanwhile.
Status CheckNotInUse(const std::string& data_dir) {
  const std::vector<std::string> users = ProcessesUsing(
      {JoinPath(data_dir, kRegistryFile), JoinPath(data_dir, std::string(kEngineDir) + "/")});
  if (users.empty()) return Status::Ok();
  return Status::Conflict(fmt::format(
      "{} is in use by {}: stop the server on it before copying (a copy must see every write)",
      data_dir, fmt::join(users, ", ")));
}

Result<std::unique_ptr<engine::ReadingsEngine>> OpenEngine(const std::string& root) {
  engine::EngineOptions options;
  options.background_flush = false;  // ScanRevisions needs the data to hold still
  options.retention_days = 0;        // copy every day that is still there
  return engine::ReadingsEngine::Open(FileSystem::Posix(), root, options);
}

}  // namespace

Result<std::unique_ptr<EmbeddedSource>> EmbeddedSource::Open(const std::string& data_dir) {
  std::error_code ec;
  const stdfs::path canonical = stdfs::weakly_canonical(data_dir, ec);
  const std::string dir = ec ? data_dir : canonical.string();
  if (!stdfs::is_regular_file(JoinPath(dir, kRegistryFile), ec)) {
    return Status::InvalidArgument(
        fmt::format("{} is not the data directory of an embedded installation: it has no {}",
                    data_dir, kRegistryFile));
  }
  METRIFY_RETURN_IF_ERROR(CheckNotInUse(dir));
  std::unique_ptr<EmbeddedSource> source(new EmbeddedSource());
  source->data_dir_ = dir;
  METRIFY_ASSIGN_OR_RETURN(source->registry_, SqliteRegistry::Open(dir));
  METRIFY_ASSIGN_OR_RETURN(source->db_, SqliteDb::Open(source->registry_->path()));
  const std::string engine_root = JoinPath(dir, kEngineDir);
  if (stdfs::is_directory(engine_root, ec)) {
    METRIFY_ASSIGN_OR_RETURN(source->engine_, OpenEngine(engine_root));
  }
  return source;
}

}  // namespace metrify::store::migrate_copy
