// PgDatabases: one PostgreSQL server for a test suite and a fresh database
// per test, copied from a template migrated once (CREATE DATABASE ...
// TEMPLATE takes milliseconds; migrating every test's database would not).
// Used by the registry's tests (pg_registry_test.cc,
// registry_parity_test.cc).
//
// Thread safety: none; call from the test's thread.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_migrations.h"
#include "support/postgres_server.h"

namespace metrify::test {

class PgDatabases {
 public:
  // Starts the server and migrates the template. Throws (as PostgresServer)
  // when the server does not start.
  PgDatabases() {
    std::unique_ptr<store::PgConnection> admin = Connect("postgres");
    Run(*admin, "CREATE DATABASE metrify_template " + std::string(kLinguistic));
    std::unique_ptr<store::PgConnection> db = Connect("metrify_template");
    auto migrated = store::ApplyPgMigrations(*db, store::PgMigrations());
    if (!migrated.has_value()) throw std::runtime_error(migrated.error().ToString());
  }

  // Creates database `name`: migrated, or empty (as `metrify migrate up`
  // finds a new one). Returns its URL.
  std::string Create(const std::string& name, bool migrated = true) {
    std::unique_ptr<store::PgConnection> admin = Connect("postgres");
    Run(*admin, "CREATE DATABASE " + name + " " +
                    (migrated ? "TEMPLATE metrify_template" : std::string(kLinguistic)));
    return Url(name);
  }
  // A migrated database with a name of its own.
  std::string Fresh() { return Create("t_" + std::to_string(++count_)); }

  // The URL of database `name`, with `password` in it when not empty
  // (trust authentication ignores it).
  std::string Url(const std::string& name, const std::string& password = "") const {
    return "postgres://postgres" + (password.empty() ? "" : ":" + password) +
           "@127.0.0.1:" + std::to_string(server_.port()) + "/" + name;
  }
  std::unique_ptr<store::PgConnection> Connect(const std::string& name) const {
    auto db = store::PgConnection::Connect(Url(name), std::chrono::seconds(10));
    if (!db.has_value()) throw std::runtime_error(db.error().ToString());
    return std::move(db).value();
  }
  PostgresServer& server() { return server_; }

 private:
  // A linguistic collation, as production databases often have, rather
  // than the cluster's C.UTF-8 (code point order, like SQLite's): order by
  // id and lower() then differ from the embedded store's unless the store
  // pins them, which the tests check; also on databases migrated by a test.
  static constexpr std::string_view kLinguistic =
      "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'";

  static void Run(store::PgConnection& db, const std::string& sql) {
    Status status = db.Exec(sql);
    if (!status.ok()) throw std::runtime_error(status.ToString());
  }

  PostgresServer server_;
  int count_ = 0;
};

}  // namespace metrify::test
