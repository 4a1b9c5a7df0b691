// Administrative operations of a running server:
//   POST /api/v1/admin/backup   {"dir": "/absolute/path"}
// writes a consistent online backup of the registry and the readings engine
// into a new or empty directory on the server's machine (docs/api.md,
// "Backup"; docs/operations.md, "Backup and restore"):
//
//   DIR/engine/...      engine.Backup: segments (hard links) and the WAL
//   DIR/registry.db     SqliteRegistry::BackupTo
//   DIR/BACKUP          the manifest, written last: a directory without it
//                       is an unfinished backup
//
// The engine is copied first, the registry second: every reading in the
// copy then belongs to a meter the registry copy knows (unless the meter was
// deleted in between, which leaves its readings unreachable, as deleting it
// does anyway). One backup runs at a time; a second request meanwhile gets
// 409.
#pragma once

#include <string_view>

#include "api/router.h"
#include "registry/registry.h"
#include "store/engine/readings_engine.h"

namespace metrify::api {

// The manifest's file name and format version (docs/format/data-dir.md,
// "Backups").
inline constexpr std::string_view kBackupManifest = "BACKUP";
inline constexpr int kBackupFormat = 1;

// Adds the routes above. `registry` and `engine` must outlive the router.
// Backups need the embedded SQLite registry; with another store the route
// answers 500.
void AddAdminRoutes(Router& router, registry::Registry& registry, engine::ReadingsEngine* engine);

}  // namespace metrify::api
