#include "api/admin_routes.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>

#include "api/json_body.h"
#include "api/responses.h"
#include "common/file_system.h"
#include "common/json_writer.h"
#include "common/time.h"
#include "obs/log.h"
#include "store/sqlite/sqlite_registry.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr std::string_view kEngineDir = "engine";

HttpResponse Invalid(std::string code, std::string message) {
  std::vector<StatusDetail> details = {{"dir", std::move(code), message}};
  return http::MakeErrorResponse(422, "validation_failed", message, details);
}

// The "dir" of the body, checked: absolute, and a new or empty directory.
// Sets *dir or returns the 4xx answer.
std::optional<HttpResponse> TargetDir(const std::string& body, std::string* dir) {
  model::FieldValues fields;
  if (auto error = ParseJsonObject(body, &fields)) return error;
  const std::string* text = nullptr;
  for (const auto& [name, value] : fields) {
    if (name != "dir") {
      std::string message = fmt::format("unknown field \"{}\": the body has only \"dir\"", name);
      return http::MakeErrorResponse(422, "validation_failed", message,
                                     {{name, "unknown_field", message}});
    }
    text = std::get_if<std::string>(&value);
    if (text == nullptr) return Invalid("invalid_type", "dir must be a string");
  }
  if (text == nullptr || text->empty()) return Invalid("required", "dir is required");
  const std::filesystem::path path(*text);
  if (!path.is_absolute()) {
    return Invalid("not_absolute",
                   fmt::format("dir must be an absolute path on the server, got \"{}\"", *text));
  }
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::exists(status)) {
    if (!std::filesystem::is_directory(status)) {
      return Invalid("not_directory", fmt::format("dir {} exists and is not a directory", *text));
    }
    if (!std::filesystem::is_empty(path, ec) || ec) {
      return Invalid("not_empty", fmt::format("dir {} is not empty: a backup goes into a new "
                                              "or empty directory",
                                              *text));
    }
  }
  *dir = path.lexically_normal().string();
  if (dir->size() > 1 && dir->back() == '/') dir->pop_back();
  return std::nullopt;
}

// Writes `content` to dir/name through a temporary file: synced, renamed,
// directory synced.
Status WriteFileDurably(const std::string& dir, std::string_view name, std::string_view content) {
  FileSystem& fs = FileSystem::Posix();
  const std::string path = JoinPath(dir, name);
  const std::string tmp = path + ".tmp";
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs.OpenForAppend(tmp));
  METRIFY_RETURN_IF_ERROR(file->Append(content));
  METRIFY_RETURN_IF_ERROR(file->Sync());
  METRIFY_RETURN_IF_ERROR(file->Close());
  METRIFY_RETURN_IF_ERROR(fs.Rename(tmp, path));
  return fs.SyncDir(dir);
}

struct Backup {
  std::string created_at;
  std::string registry_file;
  int schema_version = 0;
  engine::BackupReport engine;
  uint64_t registry_bytes = 0;
};

std::string ManifestJson(const Backup& b) {
  JsonWriter w;
  w.BeginObject();
  w.Key("format").Int(kBackupFormat);
  w.Key("created_at").String(b.created_at);
  w.Key("metrify_version").String(METRIFY_VERSION);
  w.Key("registry").String(b.registry_file);
  w.Key("schema_version").Int(b.schema_version);
  w.Key("engine").String(kEngineDir);
  w.Key("segments").Int(static_cast<int64_t>(b.engine.segments));
  w.Key("wal_files").Int(static_cast<int64_t>(b.engine.wal_files));
  w.Key("bytes").Int(static_cast<int64_t>(b.engine.bytes + b.registry_bytes));
  w.EndObject();
  return w.Take();
}

// Engine, registry, manifest, in this order (admin_routes.h says why).
Result<std::string> WriteBackup(store::SqliteRegistry& registry, engine::ReadingsEngine& engine,
                                const std::string& dir) {
  Backup b;
  b.created_at = FormatRfc3339(NowMillis());
  b.registry_file = std::filesystem::path(registry.path()).filename().string();
  b.schema_version = registry.SchemaVersion();
  METRIFY_RETURN_IF_ERROR(FileSystem::Posix().CreateDirs(dir));
  METRIFY_ASSIGN_OR_RETURN(b.engine, engine.Backup(JoinPath(dir, kEngineDir)));
  const std::string registry_copy = JoinPath(dir, b.registry_file);
  METRIFY_RETURN_IF_ERROR(registry.BackupTo(registry_copy));
  METRIFY_ASSIGN_OR_RETURN(b.registry_bytes, FileSystem::Posix().FileSize(registry_copy));
  std::string manifest = ManifestJson(b);
  METRIFY_RETURN_IF_ERROR(WriteFileDurably(dir, kBackupManifest, manifest + "\n"));
  METRIFY_RETURN_IF_ERROR(FileSystem::Posix().SyncDir(DirName(dir)));
  return manifest;
}

// Takes away what a failed backup left in `dir`, which was new or empty.
void RemoveUnfinished(const std::string& dir, bool created) {
  std::error_code ec;
  if (created) {
    std::filesystem::remove_all(dir, ec);
    return;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::filesystem::remove_all(entry.path(), ec);
  }
}

HttpResponse RunBackup(registry::Registry& registry, engine::ReadingsEngine& engine,
                       HttpRequest& request) {
  static std::mutex running;
  std::string dir;
  if (auto refused = TargetDir(request.body, &dir)) return *refused;
  auto* sqlite = dynamic_cast<store::SqliteRegistry*>(&registry.store());
  if (sqlite == nullptr) {
    return ErrorFromStatus(Status::Internal("backup needs the embedded SQLite registry"));
  }
  std::unique_lock lock(running, std::try_to_lock);
  if (!lock.owns_lock()) {
    return http::MakeErrorResponse(409, "conflict",
                                   "a backup is running already; try again when it has finished");
  }
  std::error_code ec;
  const bool created = !std::filesystem::exists(dir, ec);
  const auto start = std::chrono::steady_clock::now();
  Result<std::string> manifest = WriteBackup(*sqlite, engine, dir);
  if (!manifest) {
    RemoveUnfinished(dir, created);
    if (manifest.error().code() == StatusCode::kInvalidArgument) {
      return Invalid("invalid", manifest.error().message());
    }
    return ErrorFromStatus(manifest.error());
  }
  obs::LogInfo("backup written", {{"dir", dir},
                                  {"duration_ms", std::chrono::duration<double, std::milli>(
                                                      std::chrono::steady_clock::now() - start)
                                                      .count()}});
  return JsonResponse(200, std::move(manifest).value());
}

}  // namespace

void AddAdminRoutes(Router& router, registry::Registry& registry, engine::ReadingsEngine* engine) {
  router.Add("POST", "/api/v1/admin/backup",
             [&registry, engine](HttpRequest& request, const PathParams&) {
               if (engine == nullptr) {
                 return ErrorFromStatus(Status::Conflict(
                     "backups of scaled mode are PostgreSQL's (pg_dump, base backups) and the "
                     "broker's; POST /api/v1/admin/backup copies the embedded store only"));
               }
               return RunBackup(registry, *engine, request);
             });
}

}  // namespace metrify::api
