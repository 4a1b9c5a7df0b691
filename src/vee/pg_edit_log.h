// PgEditLog: the EditLog of scaled mode (edit_log.h), on the reading_edits
// table of PostgreSQL (migration 2 in store/postgres/pg_migrations.cc),
// shared by every API replica and worker.
//
// Record and History go to the database. The edits in force are kept in
// memory, as in the SQLite log, because VEE asks for them per window; an
// edit recorded through this log is in force here at once, and one recorded
// by another process comes into force when this log next catches up: a
// background thread reads the edits with a seq above the highest it has
// seen every `catch_up_every` (1 s by default). Staleness bound: an edit
// whose Record returned in another process is in force here at most
// catch_up_every plus one catch-up query (normally a millisecond) later.
// While the database cannot be reached, the edits in force stay as they
// were and the log catches up once it is back.
//
// Why "seq above the highest seen" misses nothing: Record takes a
// transaction-scoped advisory lock before it inserts, so edits commit in
// seq order, and a catch-up that sees seq n has seen every edit below n.
// Every writer of reading_edits must therefore go through Record.
//
// Lifecycle: Open() after the schema was migrated; the pool must outlive
// the log. The destructor stops the catch-up thread.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "store/postgres/pg_pool.h"
#include "vee/edit_log.h"

namespace metrify::vee {

struct PgEditLogOptions {
  // How often edits of other processes are read (the staleness bound
  // above). Shorter costs one small query per period and process.
  std::chrono::milliseconds catch_up_every{1000};
};

class PgEditLog final : public EditLog {
 public:
  // Loads the edits in force and starts catching up. Errors: Unavailable
  // (unreachable); the database's (a schema not migrated: Internal naming
  // reading_edits).
  static Result<std::unique_ptr<PgEditLog>> Open(store::PgPool& pool,
                                                 PgEditLogOptions options = {});
  ~PgEditLog() override;

  // Errors also: Unavailable while the database cannot be reached.
  Result<EditRecord> Record(EditRecord edit) override;
  std::map<int64_t, Edit> InForce(uint32_t key, int64_t from_ms, int64_t to_ms) const override;
  Result<std::vector<EditRecord>> History(uint32_t key, int64_t from_ms, int64_t to_ms) override;

  // Puts in force the edits recorded (by any process) since the last
  // catch-up. The background thread calls it every catch_up_every; a caller
  // that must see another process's edit now may call it too. Errors: the
  // database's; the edits in force are then as they were.
  Status CatchUp();

 private:
  PgEditLog(store::PgPool& pool, PgEditLogOptions options) : pool_(pool), options_(options) {}
  void Follow(std::stop_token stop);

  store::PgPool& pool_;
  const PgEditLogOptions options_;
  mutable std::mutex mu_;
  EditsInForce in_force_;   // guarded by mu_
  std::mutex catch_up_mu_;  // one catch-up at a time
  int64_t seen_seq_ = 0;    // every edit up to this seq is in force; guarded by catch_up_mu_
  std::mutex follow_mu_;    // for wake_ only
  std::condition_variable_any wake_;  // only ever woken by a stop request
  std::jthread follower_;             // last: stopped and joined before the rest goes
};

}  // namespace metrify::vee
