// Internal to the alert stores (alert_store.h): what SqliteAlertStore and
// PgAlertStore share so that both fold findings, refuse arguments and word
// their errors exactly alike. Nothing here touches a database.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/alert.h"
#include "alerts/alert_store.h"
#include "common/result.h"
#include "model/field.h"

namespace metrify::alerts::detail {

// Every column of the `alerts` table (the same names in SQLite and
// PostgreSQL), in the order the stores' row readers read them.
inline constexpr std::string_view kColumns =
    "id, type, rule, severity, source_kind, source_id, message, first_seen, last_seen, count, "
    "value, state, created_at, updated_at, acknowledged_by, acknowledge_note, acknowledged_at, "
    "resolved_by, resolve_note, resolved_at";

// The key of an open alert. Length-prefixed, so no choice of ids makes two
// keys collide.
std::string KeyOf(SourceKind kind, std::string_view source_id, std::string_view rule);
inline std::string KeyOf(const Alert& a) { return KeyOf(a.source_kind, a.source_id, a.rule); }
inline std::string KeyOf(const Finding& f) { return KeyOf(f.source_kind, f.source_id, f.rule); }

// A detail per finding that lacks type, rule or source_id; empty when all
// are complete.
std::vector<StatusDetail> CheckFindings(std::span<const Finding> findings);

// The index of the first finding of each key, in the order of first
// appearance: what Raise touches and in which order.
std::vector<size_t> FirstOfEachKey(std::span<const Finding> findings);

// An alert being changed by Raise.
struct StagedAlert {
  Alert alert;
  bool created = false;
  Severity before = Severity::kInfo;
};

// The open alert of a key, or null when the key has none.
using OpenLookup = std::function<const Alert*(const std::string& key)>;

// Folds the findings into copies of the open alerts `open` knows and into
// new alerts, one per key, in the order of each key's first finding (as
// FirstOfEachKey). New alerts have id 0.
std::vector<StagedAlert> Fold(std::span<const Finding> findings, int64_t now_ms,
                              const OpenLookup& open);
// The outcomes of the staged alerts once written (with their ids).
std::vector<RaiseOutcome> OutcomesOf(std::vector<StagedAlert> staged);

// InvalidArgument unless `who` is set ("acknowledging"/"resolving").
Status CheckWho(std::string_view who, std::string_view doing);
// Conflict naming the state when an alert in `state` may not be `action`ed
// ("acknowledged": only OPEN; "resolved": OPEN or ACKNOWLEDGED); OK when it
// may.
Status CheckTransition(int64_t id, AlertState state, std::string_view action);
// The Conflict of CheckTransition, whatever the state.
Status Refused(int64_t id, AlertState state, std::string_view action);
Status NoSuchAlert(int64_t id);  // NotFound
// The alert after the step, stamped with who, the note and now_ms.
Alert Acknowledged(Alert a, std::string_view who, std::string_view note, int64_t now_ms);
Alert Resolved(Alert a, std::string_view who, std::string_view note, int64_t now_ms);
// InvalidArgument for ResolveMany's arguments, OK when fit.
Status CheckResolveMany(std::span<const int64_t> ids, std::string_view who,
                        std::span<const std::string> notes);

// The filter of List as (column and operator, value) pairs, e.g.
// ("last_seen >=", 3000); a store adds its own placeholders.
std::vector<std::pair<std::string_view, model::FieldValue>> FilterTerms(const AlertQuery& q);
Status CheckPage(const AlertQuery& q);
// The SQL expression of each group of Count (the same in SQLite and
// PostgreSQL); InvalidArgument for an unknown group_by.
Result<std::string_view> GroupExpression(std::string_view group_by);
Status CheckWindow(int64_t start_ms, int64_t end_ms);

// `d` as it is stored: InvalidArgument when incomplete; otherwise its url
// without user info, query and fragment, and last_error without the full
// url.
Result<DeadLetter> StorableDeadLetter(const DeadLetter& d);
Status CheckDeadLetterLimit(int limit);

}  // namespace metrify::alerts::detail
