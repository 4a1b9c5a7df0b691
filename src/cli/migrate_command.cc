// `metrify migrate up|status|copy`: the PostgreSQL schema of scaled mode
// (store/postgres/pg_migrations.h), and the copy of an embedded installation
// into it (migrate_copy_command.h). The database is postgres.url from the
// configuration (file, METRIFY_POSTGRES_URL, or --postgres-url; --to for copy).
#include <fmt/format.h>

#include <iostream>

#include "cli/command.h"
#include "cli/config_options.h"
#include "cli/migrate_copy_command.h"
#include "common/json_writer.h"
#include "store/postgres/pg_migrations.h"

namespace metrify::cli {

namespace {

constexpr std::chrono::seconds kConnectTimeout{10};

struct MigrateOptions {
  ConfigOptions config;
  bool json = false;
};

std::unique_ptr<store::PgConnection> ConnectOrFail(const ConfigOptions& options) {
  const config::Config config = LoadConfigOrFail(options).config;
  if (config.postgres.url.empty()) {
    Fail(kExitUsage,
         "postgres.url is not set: give --postgres-url, METRIFY_POSTGRES_URL or postgres.url in "
         "the configuration file");
  }
  Result<std::unique_ptr<store::PgConnection>> db =
      store::PgConnection::Connect(config.postgres.url, kConnectTimeout);
  FailIfError(db.status());
  return std::move(db).value();
}

void PrintStatus(const store::PgMigrationState& state, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject().Key("version").Int(state.version).Key("applied").BeginArray();
    for (const auto& a : state.applied) {
      w.BeginObject().Key("version").Int(a.version).Key("description").String(a.description);
      w.Key("applied_at").String(a.applied_at).EndObject();
    }
    w.EndArray().Key("pending").BeginArray();
    for (const store::PgMigration* m : state.pending) {
      w.BeginObject().Key("version").Int(m->version).Key("description").String(m->description);
      w.EndObject();
    }
    w.EndArray().EndObject();
    std::cout << w.Take() << "\n";
    return;
  }
  std::cout << fmt::format("schema version {}; {} applied, {} pending\n", state.version,
                           state.applied.size(), state.pending.size());
  for (const auto& a : state.applied) {
    std::cout << fmt::format("  {:>3}  applied {}  {}\n", a.version, a.applied_at, a.description);
  }
  for (const store::PgMigration* m : state.pending) {
    std::cout << fmt::format("  {:>3}  pending               {}\n", m->version, m->description);
  }
}

void RunStatus(const MigrateOptions& o) {
  auto db = ConnectOrFail(o.config);
  Result<store::PgMigrationState> state = store::PgMigrationStatus(*db, store::PgMigrations());
  FailIfError(state.status());
  PrintStatus(*state, o.json);
}

void RunUp(const MigrateOptions& o) {
  auto db = ConnectOrFail(o.config);
  Result<store::PgMigrationState> before = store::PgMigrationStatus(*db, store::PgMigrations());
  FailIfError(before.status());
  Result<int> version = store::ApplyPgMigrations(*db, store::PgMigrations());
  FailIfError(version.status());
  Result<store::PgMigrationState> after = store::PgMigrationStatus(*db, store::PgMigrations());
  FailIfError(after.status());
  if (!o.json) {
    std::cout << fmt::format("migrated {} from version {} to {}\n", db->where(), before->version,
                             *version);
  }
  PrintStatus(*after, o.json);
}

void AddCommon(CLI::App& command, MigrateOptions* o) {
  AddConfigFlags(command, &o->config);
  AddOverrideFlag(command, &o->config, "--postgres-url", "postgres.url",
                  "PostgreSQL URL, postgres://user@host:5432/db (overrides postgres.url)");
  command.add_flag("--json", o->json, "Print the schema state as JSON");
}

}  // namespace

void AddMigrateCommand(CLI::App& app) {
  CLI::App* migrate = app.add_subcommand(
      "migrate",
      "The PostgreSQL schema of scaled mode: apply migrations, show their state, copy an "
      "embedded installation into it");
  migrate->require_subcommand(1);
  auto options = std::make_shared<MigrateOptions>();
  CLI::App* up = migrate->add_subcommand(
      "up", "Apply every pending migration (safe to run from several processes at once)");
  AddCommon(*up, options.get());
  up->callback([options] { RunUp(*options); });
  CLI::App* status =
      migrate->add_subcommand("status", "Show the applied and the pending migrations");
  AddCommon(*status, options.get());
  status->callback([options] { RunStatus(*options); });
  AddMigrateCopyCommand(*migrate);
}

}  // namespace metrify::cli
