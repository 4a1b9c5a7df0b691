// `metrify backup DIR`: asks a running server for a consistent online backup
// (POST /api/v1/admin/backup) into DIR on the server's machine.
//
// `metrify restore DIR --data-dir D [--force]`: offline, with no server on D.
// Copies the backup into a staging directory inside D, verifies the copy
// (every segment opened and every block read, the WAL replayed, SQLite's
// integrity check, the counts of the manifest), and only then moves it into
// place, so a damaged backup leaves D as it was.
#include <dirent.h>
#include <simdjson.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>

#include "api/admin_routes.h"
#include "cli/command.h"
#include "common/file_system.h"
#include "common/json_writer.h"
#include "common/open_files.h"
#include "common/time.h"
#include "model/series.h"
#include "store/engine/segment/segment_files.h"
#include "store/engine/segment/segment_reader.h"
#include "store/engine/wal/sample_batch.h"
#include "store/engine/wal/wal_format.h"
#include "store/engine/wal/wal_reader.h"
#include "store/sqlite/sqlite_db.h"

namespace metrify::cli {

namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view kStagingName = ".restore-staging";
constexpr size_t kCopyChunk = 4u << 20;
constexpr auto& kKinds = model::kAllSeriesKinds;

std::string Absolute(const std::string& path) {
  std::error_code ec;
  stdfs::path absolute = stdfs::absolute(path, ec);
  if (ec) Fail(kExitUsage, fmt::format("{}: {}", path, ec.message()));
  std::string text = absolute.lexically_normal().string();
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

std::string Mib(uint64_t bytes) { return fmt::format("{:.1f} MiB", bytes / 1048576.0); }

// ---- metrify backup -----------------------------------------------------------

struct BackupOptions {
  std::string dir;
  std::string server;
  bool json = false;
};

void RunBackup(const BackupOptions& o) {
  const std::string dir = Absolute(o.dir);
  JsonWriter body;
  body.BeginObject().Key("dir").String(dir).EndObject();
  auto client = ConnectOrFail(o.server);
  client->set_timeout(std::chrono::hours(1));  // linking is quick; copying across devices is not
  http::ClientResponse response =
      SendOrFail(*client, "POST", "/api/v1/admin/backup", body.Take(), "application/json");
  if (o.json) {
    std::cout << response.body << "\n";
    return;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element m;
  if (parser.parse(response.body).get(m)) Fail(kExitInternal, "server sent invalid JSON");
  std::cout << fmt::format(
      "backup written to {} on the server: {} segments, {} WAL files, registry {}, {} "
      "(created {})\n",
      dir, m["segments"].get_int64().value_unsafe(), m["wal_files"].get_int64().value_unsafe(),
      std::string_view(m["registry"].get_string().value_unsafe()),
      Mib(static_cast<uint64_t>(m["bytes"].get_int64().value_unsafe())),
      std::string_view(m["created_at"].get_string().value_unsafe()));
}

// ---- metrify restore ----------------------------------------------------------

struct RestoreOptions {
  std::string backup;
  std::string data_dir;
  bool force = false;
  bool json = false;
};

struct Manifest {
  std::string created_at;
  std::string version;
  std::string registry;
  int64_t segments = 0;
  int64_t wal_files = 0;
};

// What the verification found.
struct Restored {
  uint64_t segments = 0;
  uint64_t segment_bytes = 0;
  uint64_t series = 0;
  uint64_t segment_samples = 0;  // rows, every revision counted
  uint64_t wal_files = 0;
  uint64_t wal_records = 0;
  uint64_t wal_samples = 0;
  int64_t schema_version = 0;
  int64_t meters = 0;
  int64_t grid_operators = 0;
  int64_t weather_stations = 0;
};

Manifest ReadManifest(const std::string& backup) {
  const std::string path = JoinPath(backup, api::kBackupManifest);
  Result<std::string> text = FileSystem::Posix().ReadFile(path);
  if (!text) {
    Fail(kExitUsage, fmt::format("{} is not a Metrify backup (or an unfinished one): {} is "
                                 "missing or unreadable",
                                 backup, api::kBackupManifest));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  Manifest m;
  int64_t format = 0;
  std::string_view created_at, version, registry;
  if (parser.parse(*text).get(doc) || doc["format"].get(format) ||
      doc["created_at"].get(created_at) || doc["metrify_version"].get(version) ||
      doc["registry"].get(registry) || doc["segments"].get(m.segments) ||
      doc["wal_files"].get(m.wal_files)) {
    Fail(kExitUsage, path + " is not a backup manifest");
  }
  if (format != api::kBackupFormat) {
    Fail(kExitUsage, fmt::format("{} has backup format {}; this metrify reads format {}", path,
                                 format, api::kBackupFormat));
  }
  if (registry.empty() || registry.find('/') != std::string_view::npos || registry[0] == '.') {
    Fail(kExitUsage, fmt::format("{} names a bad registry file \"{}\"", path, registry));
  }
  m.created_at = created_at;
  m.version = version;
  m.registry = registry;
  return m;
}

// The data directory's own entries a restore replaces.
std::vector<std::string> DataEntries(const std::string& data_dir, const std::string& registry) {
  std::vector<std::string> present;
  for (std::string name : {registry, registry + "-wal", registry + "-shm", registry + "-journal",
                           std::string("engine")}) {
    std::error_code ec;
    if (stdfs::exists(JoinPath(data_dir, name), ec)) present.push_back(name);
  }
  return present;
}

// Copies regular file `from` to the new file `to` and syncs it.
Status CopyFile(const std::string& from, const std::string& to) {
  FileSystem& fs = FileSystem::Posix();
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs.OpenForAppend(to));
  for (uint64_t offset = 0;;) {
    METRIFY_ASSIGN_OR_RETURN(std::string chunk, fs.ReadAt(from, offset, kCopyChunk));
    if (chunk.empty()) break;
    METRIFY_RETURN_IF_ERROR(out->Append(chunk));
    offset += chunk.size();
  }
  METRIFY_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

// Copies the tree `from` into the new directory `to`: directories and
// regular files, each file synced, then each directory.
Status CopyTree(const std::string& from, const std::string& to) {
  FileSystem& fs = FileSystem::Posix();
  METRIFY_RETURN_IF_ERROR(fs.CreateDirs(to));
  for (const std::string& name : DirectoryNames(from)) {
    const std::string source = JoinPath(from, name);
    std::error_code ec;
    const stdfs::file_status status = stdfs::symlink_status(source, ec);
    if (stdfs::is_directory(status)) {
      METRIFY_RETURN_IF_ERROR(CopyTree(source, JoinPath(to, name)));
    } else if (stdfs::is_regular_file(status)) {
      METRIFY_RETURN_IF_ERROR(CopyFile(source, JoinPath(to, name)));
    } else {
      return Status::InvalidArgument(source + " is neither a file nor a directory");
    }
  }
  return fs.SyncDir(to);
}

// Opens every segment under `engine` and reads every block group of every
// series: each block's CRC is checked, not only the index's.
Status VerifySegments(const std::string& engine, Restored* r) {
  FileSystem& fs = FileSystem::Posix();
  std::set<std::string> kinds;
  for (model::SeriesKind kind : kKinds) kinds.insert(std::string(model::SeriesKindName(kind)));
  for (const std::string& name : DirectoryNames(engine)) {
    if (name == "wal") continue;
    if (!kinds.count(name)) {
      return Status::Corruption(fmt::format("{}: unknown entry \"{}\"", engine, name));
    }
  }
  for (model::SeriesKind kind : kKinds) {
    const std::string kind_dir = JoinPath(engine, model::SeriesKindName(kind));
    for (const std::string& date : DirectoryNames(kind_dir)) {
      const std::optional<int64_t> day = ParseCivilDate(date);
      const std::string dir = JoinPath(kind_dir, date);
      if (!day) return Status::Corruption(dir + ": not a partition (yyyy-mm-dd)");
      METRIFY_ASSIGN_OR_RETURN(std::vector<uint32_t> seqs, engine::segment::ListSegments(&fs, dir));
      if (seqs.size() != DirectoryNames(dir).size()) {
        return Status::Corruption(dir + ": holds files that are not segments");
      }
      for (uint32_t seq : seqs) {
        const std::string path = JoinPath(dir, engine::segment::SegmentFileName(seq));
        METRIFY_ASSIGN_OR_RETURN(auto reader, engine::segment::SegmentReader::Open(&fs, path));
        if (reader->kind() != kind || reader->day() != *day) {
          return Status::Corruption(path + ": holds another kind or day than its directory says");
        }
        std::vector<engine::HeadSample> rows;
        for (const engine::segment::SeriesEntry& series : reader->series()) {
          for (const engine::segment::BlockGroup& group : series.groups) {
            METRIFY_RETURN_IF_ERROR(reader->ReadGroup(group, &rows));
            r->segment_samples += rows.size();
          }
          ++r->series;
        }
        ++r->segments;
        r->segment_bytes += reader->file_bytes();
      }
    }
  }
  return Status::Ok();
}

// Replays the WAL copy as the server's start would, counting what it holds.
Status VerifyWal(const std::string& wal_dir, Restored* r, std::vector<std::string>* notes) {
  model::SeriesKind kind{};
  std::vector<engine::wal::WalSample> samples;
  engine::wal::ReplayReport report;
  METRIFY_RETURN_IF_ERROR(engine::wal::ReplayWal(
      FileSystem::Posix(), wal_dir,
      [&](uint64_t, uint64_t, uint8_t type, std::string_view payload) -> Status {
        ++r->wal_records;
        if (type != engine::wal::kSampleBatch) return Status::Ok();
        METRIFY_RETURN_IF_ERROR(engine::wal::DecodeSampleBatch(payload, &kind, &samples));
        r->wal_samples += samples.size();
        return Status::Ok();
      },
      &report));
  r->wal_files = report.files;
  if (report.truncation) {
    notes->push_back(fmt::format("cut a torn record off {} at offset {} ({} bytes): {}",
                                 report.truncation->file, report.truncation->offset,
                                 report.truncation->bytes_dropped, report.truncation->reason));
  }
  for (const std::string& note : report.notes) notes->push_back(note);
  return Status::Ok();
}

Result<int64_t> CountRows(store::SqliteDb& db, std::string_view sql) {
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement stmt, db.Prepare(sql));
  METRIFY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : 0;
}

Status VerifyRegistry(const std::string& path, Restored* r) {
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDb> db, store::SqliteDb::Open(path));
  METRIFY_ASSIGN_OR_RETURN(store::SqliteStatement check, db->Prepare("PRAGMA integrity_check"));
  METRIFY_ASSIGN_OR_RETURN(bool row, check.Step());
  const model::FieldValue first = row ? check.Column(0) : model::FieldValue{};
  const std::string* verdict = std::get_if<std::string>(&first);
  if (verdict == nullptr || *verdict != "ok") {
    return Status::Corruption(
        fmt::format("{}: SQLite integrity check failed: {}", path, verdict ? *verdict : "?"));
  }
  METRIFY_ASSIGN_OR_RETURN(r->schema_version,
                           CountRows(*db, "SELECT max(version) FROM schema_migrations"));
  METRIFY_ASSIGN_OR_RETURN(r->meters, CountRows(*db, "SELECT count(*) FROM meters"));
  METRIFY_ASSIGN_OR_RETURN(r->grid_operators,
                           CountRows(*db, "SELECT count(*) FROM grid_operators"));
  METRIFY_ASSIGN_OR_RETURN(r->weather_stations,
                           CountRows(*db, "SELECT count(*) FROM weather_stations"));
  return Status::Ok();
}

// Removes the staging directory however the restore ends, and the data
// directory too when the restore created it and failed (it is empty then).
struct Staging {
  std::string path;
  std::string created_data_dir;
  ~Staging() {
    std::error_code ec;
    stdfs::remove_all(path, ec);
    if (!created_data_dir.empty()) stdfs::remove(created_data_dir, ec);
  }
};

// True when `a` and `b` are the same directory or one lies inside the other.
bool Overlap(const std::string& a, const std::string& b) {
  std::error_code ec_a, ec_b;
  const stdfs::path x = stdfs::weakly_canonical(a, ec_a), y = stdfs::weakly_canonical(b, ec_b);
  if (ec_a || ec_b) return false;
  const size_t n = std::min(std::distance(x.begin(), x.end()), std::distance(y.begin(), y.end()));
  return std::equal(x.begin(), std::next(x.begin(), static_cast<std::ptrdiff_t>(n)), y.begin());
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

void PrintRestored(const RestoreOptions& o, const std::string& backup, const std::string& data_dir,
                   const Manifest& m, const Restored& r, const std::vector<std::string>& notes) {
  if (o.json) {
    JsonWriter w;
    w.BeginObject();
    w.Key("backup").String(backup);
    w.Key("data_dir").String(data_dir);
    w.Key("created_at").String(m.created_at);
    w.Key("metrify_version").String(m.version);
    w.Key("segments").Int(static_cast<int64_t>(r.segments));
    w.Key("segment_bytes").Int(static_cast<int64_t>(r.segment_bytes));
    w.Key("series").Int(static_cast<int64_t>(r.series));
    w.Key("segment_samples").Int(static_cast<int64_t>(r.segment_samples));
    w.Key("wal_files").Int(static_cast<int64_t>(r.wal_files));
    w.Key("wal_records").Int(static_cast<int64_t>(r.wal_records));
    w.Key("wal_samples").Int(static_cast<int64_t>(r.wal_samples));
    w.Key("registry").String(m.registry);
    w.Key("schema_version").Int(r.schema_version);
    w.Key("meters").Int(r.meters);
    w.Key("grid_operators").Int(r.grid_operators);
    w.Key("weather_stations").Int(r.weather_stations);
    w.Key("notes").BeginArray();
    for (const std::string& note : notes) w.String(note);
    w.EndArray().EndObject();
    std::cout << w.str() << "\n";
    return;
  }
  for (const std::string& note : notes) std::cerr << "metrify: note: " << note << "\n";
  std::cout << fmt::format(
      "restored backup {} (created {} by metrify {}) into {}, verified:\n"
      "  segments: {} files, {}, {} series, {} samples\n"
      "  WAL:      {} files, {} records, {} samples\n"
      "  registry: {} (schema version {}): {} meters, {} grid operators, {} weather stations\n",
      backup, m.created_at, m.version, data_dir, r.segments, Mib(r.segment_bytes), r.series,
      r.segment_samples, r.wal_files, r.wal_records, r.wal_samples, m.registry, r.schema_version,
      r.meters, r.grid_operators, r.weather_stations);
}

void RunRestore(const RestoreOptions& o) {
  const std::string backup = Absolute(o.backup);
  const std::string data_dir = Absolute(o.data_dir);
  const Manifest m = ReadManifest(backup);
  const std::string backup_engine = JoinPath(backup, "engine");
  const std::string backup_registry = JoinPath(backup, m.registry);
  std::error_code ec;
  if (!stdfs::is_directory(backup_engine, ec) || !stdfs::is_regular_file(backup_registry, ec)) {
    Fail(kExitFailure, fmt::format("backup {} is incomplete: {} or {} is missing; nothing was "
                                   "restored",
                                   backup, backup_engine, backup_registry));
  }
  if (Overlap(backup, data_dir)) {
    Fail(kExitUsage, fmt::format("the backup {} and the data directory {} overlap: restore into "
                                 "another directory",
                                 backup, data_dir));
  }
  if (stdfs::exists(data_dir, ec) && !stdfs::is_directory(data_dir, ec)) {
    Fail(kExitUsage, data_dir + " is not a directory");
  }
  if (stdfs::exists(data_dir, ec)) {
    const std::string canonical = stdfs::canonical(data_dir, ec).string();
    const std::vector<std::string> users =
        ProcessesUsing({JoinPath(canonical, "engine/"), JoinPath(canonical, m.registry)});
    if (!users.empty()) {
      std::string list;
      for (const std::string& u : users) list += (list.empty() ? "" : ", ") + u;
      Fail(kExitConflict, fmt::format("{} is in use by process {}: stop the server before "
                                      "restoring",
                                      data_dir, list));
    }
  }
  const std::vector<std::string> existing = DataEntries(data_dir, m.registry);
  if (!existing.empty() && !o.force) {
    std::string list;
    for (const std::string& e : existing) list += (list.empty() ? "" : ", ") + e;
    Fail(kExitConflict, fmt::format("{} holds data ({}): restoring replaces it; stop any server "
                                    "on it and run again with --force",
                                    data_dir, list));
  }

  // Copy into a staging directory beside the data, verify, then move.
  FileSystem& fs = FileSystem::Posix();
  const bool created = !stdfs::exists(data_dir, ec);
  FailIfError(fs.CreateDirs(data_dir));
  Staging staging{JoinPath(data_dir, kStagingName), created ? data_dir : ""};
  stdfs::remove_all(staging.path, ec);  // left by an interrupted restore
  FailIfError(fs.CreateDirs(staging.path));
  const std::string staged_engine = JoinPath(staging.path, "engine");
  const std::string staged_registry = JoinPath(staging.path, m.registry);
  if (Status copied = CopyTree(backup_engine, staged_engine); !copied.ok()) {
    Fail(copied.code() == StatusCode::kInvalidArgument ? kExitFailure : ExitCodeFor(copied),
         "cannot copy the backup: " + copied.message() + "; nothing was restored");
  }
  FailIfError(CopyFile(backup_registry, staged_registry));
  FailIfError(fs.SyncDir(staging.path));

  Restored r;
  std::vector<std::string> notes;
  Status verified = VerifySegments(staged_engine, &r);
  if (verified.ok()) verified = VerifyWal(JoinPath(staged_engine, "wal"), &r, &notes);
  if (verified.ok()) verified = VerifyRegistry(staged_registry, &r);
  if (verified.ok() && (static_cast<int64_t>(r.segments) != m.segments ||
                        static_cast<int64_t>(r.wal_files) != m.wal_files)) {
    verified = Status::Corruption(
        fmt::format("the manifest lists {} segments and {} WAL files, the backup holds {} and {}",
                    m.segments, m.wal_files, r.segments, r.wal_files));
  }
  if (!verified.ok()) {
    // Name the backup's files, not their staged copies.
    std::string message = Replace(verified.message(), staged_engine, backup_engine);
    message = Replace(message, staged_registry, backup_registry);
    Fail(kExitFailure,
         fmt::format("backup {} is damaged: {}; nothing was restored", backup, message));
  }

  for (const std::string& e : existing) {
    stdfs::remove_all(JoinPath(data_dir, e), ec);
    if (ec)
      Fail(kExitInternal, fmt::format("cannot remove {}: {}", JoinPath(data_dir, e), ec.message()));
  }
  FailIfError(fs.Rename(staged_registry, JoinPath(data_dir, m.registry)));
  FailIfError(fs.Rename(staged_engine, JoinPath(data_dir, "engine")));
  FailIfError(fs.SyncDir(data_dir));
  PrintRestored(o, backup, data_dir, m, r, notes);
}

}  // namespace

void AddBackupCommands(CLI::App& app) {
  auto b = std::make_shared<BackupOptions>();
  CLI::App* backup = app.add_subcommand(
      "backup",
      "Write a consistent backup of a running server's registry and readings into DIR, "
      "while ingest goes on");
  backup
      ->add_option("DIR", b->dir,
                   "A new or empty directory ON THE SERVER'S MACHINE: the server writes the "
                   "backup there (a relative path is made absolute here, against this "
                   "shell's directory). On the data directory's file system segments are "
                   "hard links and the backup takes almost no space, but shares the disk's "
                   "fate: copy it elsewhere too")
      ->required();
  AddServerOption(*backup, &b->server);
  backup->add_flag("--json", b->json, "Print the server's JSON manifest instead of text");
  backup->callback([b] { RunBackup(*b); });

  auto r = std::make_shared<RestoreOptions>();
  CLI::App* restore = app.add_subcommand(
      "restore",
      "Restore a backup into a data directory (offline: no server may run on it); the copy "
      "is verified before it replaces anything");
  restore->add_option("DIR", r->backup, "The backup directory (written by `metrify backup`)")
      ->required();
  restore->add_option("--data-dir", r->data_dir, "The data directory to restore into")->required();
  restore->add_flag("--force", r->force,
                    "Replace the data directory's registry and readings when it holds some");
  restore->add_flag("--json", r->json, "Print what was restored as JSON");
  restore->callback([r] { RunRestore(*r); });
}

}  // namespace metrify::cli
