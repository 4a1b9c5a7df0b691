// EmbeddedSource: an embedded installation opened for `metrify migrate copy`
// to read: its registry (registry.db: meters, grid operators, weather
// stations, the audit log of edits, alerts and dead letters) and its
// readings engine (engine/), as a server start would open them, but with no
// background flushing, so nothing changes while the copy reads.
//
// Opening writes only what a server start writes: registry migrations
// still pending, and a torn WAL tail cut off. The engine is not closed
// (no flush, no compaction): the directory stays as it was for a server.
//
// Not thread-safe; one copy at a time reads it.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "store/engine/readings_engine.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_registry.h"

namespace metrify::store::migrate_copy {

class EmbeddedSource {
 public:
  // Opens the installation in `data_dir`. Errors: InvalidArgument when
  // `data_dir` holds no registry.db (not a data directory); Conflict naming
  // the processes (a server) that have its files open; the registry's and
  // the engine's (IOError, Corruption).
  static Result<std::unique_ptr<EmbeddedSource>> Open(const std::string& data_dir);

  const std::string& data_dir() const { return data_dir_; }
  SqliteRegistry& registry() { return *registry_; }
  // A second connection to registry.db, for the tables outside the
  // registry interface (reading_edits, alerts, alert_dead_letters).
  SqliteDb& db() { return *db_; }
  // Null when the directory has no engine/ (no series were ever stored).
  const engine::ReadingsEngine* engine() const { return engine_.get(); }

 private:
  EmbeddedSource() = default;

  std::string data_dir_;
  std::unique_ptr<SqliteRegistry> registry_;
  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<engine::ReadingsEngine> engine_;
};

}  // namespace metrify::store::migrate_copy
