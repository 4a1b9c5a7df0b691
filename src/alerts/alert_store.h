// AlertStore: the alerts people are told about and the webhook deliveries
// that gave up (docs/alerts.md). Findings of the detectors are folded into
// alerts: while an alert of a (source_kind, source_id, rule) is open (state
// OPEN or ACKNOWLEDGED) every new finding of that key updates it; once it is
// RESOLVED the key is free and the next finding opens a new alert. Alerts
// are never deleted.
//
// Two implementations behind this interface:
// - SqliteAlertStore (alert_store_sqlite.h, AlertStore::Open): the `alerts`
//   table of registry.db, one process; the open alerts are also held in
//   memory, which makes deduplication a lookup and keeps Raise to one write
//   per alert.
// - PgAlertStore (pg_alert_store.h): PostgreSQL in scaled mode, where
//   several processes raise, acknowledge and resolve at once; every answer
//   comes from the database and every change is atomic across processes.
// Both give the same results, orders, error codes and messages, except
// where a method says otherwise.
//
// Lifecycle: open once at start-up, after the schema has been migrated.
// Thread safety: all methods may be called from any thread.
// Durability: a write method has committed when it returns OK.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.h"
#include "common/result.h"
#include "store/registry_store.h"

namespace metrify::alerts {

// What Raise did to one alert. A caller notifies on created or escalated.
struct RaiseOutcome {
  Alert alert;             // the alert after the call, with its id
  bool created = false;    // opened by this call
  bool escalated = false;  // existed before the call and its severity rose
  // The severity before the call; when created, the first finding's.
  Severity previous_severity = Severity::kInfo;
};

// A filter and page of List. Unset optionals match everything. Every
// member has a default, so designated initializers may name any subset.
struct AlertQuery {
  std::optional<AlertState> state = std::nullopt;
  std::optional<Severity> severity = std::nullopt;  // exact match, not a minimum
  std::optional<SourceKind> source_kind = std::nullopt;
  std::optional<std::string> source_id = std::nullopt;  // exact, case-sensitive
  std::optional<std::string> type = std::nullopt;       // exact
  std::optional<std::string> rule = std::nullopt;       // exact
  std::optional<int64_t> since_ms = std::nullopt;       // last_seen >= since_ms (data time)
  int64_t page = 1;                                     // 1-based
  int64_t page_size = 100;                              // 1..1000
};

// One group of Count.
struct AnomalyCount {
  std::string key;          // the type, the severity name or "meter:SM1"
  int64_t alerts = 0;       // alerts in the group
  int64_t occurrences = 0;  // findings folded into them (sum of count)
  int64_t open = 0;         // of them not RESOLVED
};

class AlertStore {
 public:
  // Opens the alert tables of the registry database at `db_path` (already
  // migrated to version 3 or later by store::SqliteRegistry) and loads the
  // open alerts: a SqliteAlertStore. Errors: the database's (IOError,
  // Corruption, ...).
  static Result<std::unique_ptr<AlertStore>> Open(const std::string& db_path);

  virtual ~AlertStore() = default;

  // Folds `findings` into alerts in ONE transaction: a finding whose key has
  // an open alert updates it (count + 1, first/last_seen widened, severity
  // the highest, message and value the finding's when it is not older than
  // last_seen, updated_at = now_ms); otherwise it opens a new OPEN alert
  // (count 1, created_at = now_ms). Findings of one key in one call fold into
  // one alert. Returns one outcome per alert touched, in the order of the
  // first finding of each; an empty span writes nothing. The state of an
  // ACKNOWLEDGED alert is kept. Errors: InvalidArgument (with a detail per
  // finding) when a finding lacks type, rule or source_id, nothing written;
  // the database's, in which case nothing was written or changed (SQLite
  // reports a broken one-open-alert-per-key index as AlreadyExists,
  // PostgreSQL any broken constraint as Conflict).
  virtual Result<std::vector<RaiseOutcome>> Raise(std::span<const Finding> findings,
                                                  int64_t now_ms) = 0;

  // OPEN -> ACKNOWLEDGED, recording who, the note (may be empty) and when.
  // Returns the updated alert. Errors: InvalidArgument when `who` is empty;
  // NotFound for an unknown id; Conflict naming the current state when the
  // alert is not OPEN; the database's.
  virtual Result<Alert> Acknowledge(int64_t id, std::string_view who, std::string_view note,
                                    int64_t now_ms) = 0;
  // OPEN or ACKNOWLEDGED -> RESOLVED; the key is freed, so the next finding
  // of it opens a new alert. Errors as Acknowledge; Conflict when RESOLVED.
  virtual Result<Alert> Resolve(int64_t id, std::string_view who, std::string_view note,
                                int64_t now_ms) = 0;

  // Resolves the open alerts among `ids` in ONE transaction (`notes[i]`
  // for ids[i]); ids not open (resolved meanwhile, unknown) are passed
  // over, and an id listed again is resolved once, with its first note.
  // Returns the alerts resolved, in the order of `ids`. Errors:
  // InvalidArgument (empty who, notes not one per id); the database's,
  // nothing changed.
  virtual Result<std::vector<Alert>> ResolveMany(std::span<const int64_t> ids, std::string_view who,
                                                 std::span<const std::string> notes,
                                                 int64_t now_ms) = 0;

  // The alert with `id` in any state; nullopt when there is none.
  virtual Result<std::optional<Alert>> Get(int64_t id) = 0;

  // The alerts matching `q`, newest last_seen first, then id descending;
  // total_count counts all pages. Errors: InvalidArgument when page < 1 or
  // page_size is outside 1..1000; the database's.
  virtual Result<store::Page<Alert>> List(const AlertQuery& q) = 0;

  // The alerts whose [first_seen, last_seen] overlaps [start_ms, end_ms),
  // grouped by `group_by`: "type", "severity" or "source" (key
  // "<source_kind>:<source_id>"). Groups with the most alerts come first,
  // ties by key (byte order). Errors: InvalidArgument for another group_by
  // or when start_ms >= end_ms; the database's.
  virtual Result<std::vector<AnomalyCount>> Count(int64_t start_ms, int64_t end_ms,
                                                  std::string_view group_by) = 0;

  // Every open (OPEN or ACKNOWLEDGED) alert, ascending by id. SQLite answers
  // from memory and never fails; PostgreSQL asks the database (so it sees
  // what other processes raised) and returns its errors (Unavailable, ...).
  virtual Result<std::vector<Alert>> OpenAlerts() const = 0;
  // The number of open alerts, without copying them. Errors as OpenAlerts.
  virtual Result<size_t> OpenCount() const = 0;
  // The id of the open alert of the key; nullopt when none is open. Errors
  // as OpenAlerts.
  virtual Result<std::optional<int64_t>> OpenAlertId(SourceKind kind, std::string_view source_id,
                                                     std::string_view rule) const = 0;

  // Appends a webhook delivery given up on (DeadLetter is defined by the
  // notifier, alerts/webhook.h). No secret is stored: `url` loses its user
  // info, query and fragment (where tokens hide), and occurrences of the
  // full url in `last_error` are replaced by that form; `payload` is the
  // alert JSON. Errors: InvalidArgument when event or url is empty or
  // attempts is negative; the database's.
  virtual Status RecordDeadLetter(const DeadLetter& d) = 0;
  // The newest `limit` dead letters, newest failed_at first (then the later
  // recorded first). Errors: InvalidArgument when limit is outside 1..1000;
  // the database's.
  virtual Result<std::vector<DeadLetter>> DeadLetters(int limit) = 0;
};

}  // namespace metrify::alerts
