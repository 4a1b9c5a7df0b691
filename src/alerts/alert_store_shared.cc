// What both alert stores share (alert_store_shared.h): the folding of
// findings, the checks of arguments and the wording of their errors, so
// the SQLite and PostgreSQL stores cannot drift apart.
#include "alerts/alert_store_shared.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

namespace metrify::alerts::detail {

namespace {

constexpr int64_t kMaxPageSize = 1000;
// Pages beyond this are refused so page * page_size cannot overflow.
constexpr int64_t kMaxPage = 1'000'000'000;
constexpr int kMaxDeadLetters = 1000;

Alert NewAlert(const Finding& f, int64_t now_ms) {
  Alert a;
  a.type = f.type;
  a.rule = f.rule;
  a.severity = f.severity;
  a.source_kind = f.source_kind;
  a.source_id = f.source_id;
  a.message = f.message;
  a.first_seen_ms = a.last_seen_ms = f.at_ms;
  a.count = 1;
  a.value = f.value;
  a.created_at_ms = a.updated_at_ms = now_ms;
  return a;
}

// Findings may arrive out of data-time order (a backfill): the message and
// value are the newest finding's, not the last one folded.
void FoldInto(Alert& a, const Finding& f, int64_t now_ms) {
  a.count += 1;
  a.first_seen_ms = std::min(a.first_seen_ms, f.at_ms);
  if (f.at_ms >= a.last_seen_ms) {
    a.last_seen_ms = f.at_ms;
    a.message = f.message;
    a.value = f.value;
  }
  a.severity = std::max(a.severity, f.severity);
  a.updated_at_ms = now_ms;
}

// Removes user info, query and fragment from `url`: where webhook URLs
// carry credentials and tokens.
std::string RedactUrl(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t authority_end = std::min(url.find_first_of("/?#", start), url.size());
  std::string_view authority = url.substr(start, authority_end - start);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view path = url.substr(authority_end);
  path = path.substr(0, path.find_first_of("?#"));
  return fmt::format("{}{}{}", url.substr(0, start), authority, path);
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

}  // namespace

std::string KeyOf(SourceKind kind, std::string_view source_id, std::string_view rule) {
  return fmt::format("{}:{}:{}{}", static_cast<int>(kind), source_id.size(), source_id, rule);
}

std::vector<StatusDetail> CheckFindings(std::span<const Finding> findings) {
  std::vector<StatusDetail> details;
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    for (auto [field, text] : {std::pair<std::string_view, std::string_view>{"type", f.type},
                               {"rule", f.rule},
                               {"source_id", f.source_id}}) {
      if (!text.empty()) continue;
      details.push_back({fmt::format("[{}].{}", i, field), "missing",
                         fmt::format("finding [{}] has no {}", i, field)});
    }
  }
  return details;
}

std::vector<size_t> FirstOfEachKey(std::span<const Finding> findings) {
  std::vector<size_t> first;
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < findings.size(); ++i) {
    if (seen.try_emplace(KeyOf(findings[i]), i).second) first.push_back(i);
  }
  return first;
}

std::vector<StagedAlert> Fold(std::span<const Finding> findings, int64_t now_ms,
                              const OpenLookup& open) {
  std::vector<StagedAlert> staged;
  std::unordered_map<std::string, size_t> index;  // key -> position in staged
  for (const Finding& f : findings) {
    auto [it, first] = index.try_emplace(KeyOf(f), staged.size());
    if (first) {
      const Alert* current = open(it->first);
      if (current == nullptr) {
        staged.push_back({NewAlert(f, now_ms), true, f.severity});
        continue;
      }
      staged.push_back({*current, false, current->severity});
    }
    FoldInto(staged[it->second].alert, f, now_ms);
  }
  return staged;
}

std::vector<RaiseOutcome> OutcomesOf(std::vector<StagedAlert> staged) {
  std::vector<RaiseOutcome> outcomes;
  outcomes.reserve(staged.size());
  for (StagedAlert& s : staged) {
    const bool escalated = !s.created && s.alert.severity > s.before;
    outcomes.push_back({std::move(s.alert), s.created, escalated, s.before});
  }
  return outcomes;
}

Status CheckWho(std::string_view who, std::string_view doing) {
  if (!who.empty()) return Status::Ok();
  return Status::InvalidArgument(fmt::format("{} an alert needs who", doing));
}

Status CheckTransition(int64_t id, AlertState state, std::string_view action) {
  const bool allowed =
      state == AlertState::kOpen || (state == AlertState::kAcknowledged && action == "resolved");
  return allowed ? Status::Ok() : Refused(id, state, action);
}

Status Refused(int64_t id, AlertState state, std::string_view action) {
  return Status::Conflict(
      fmt::format("alert {} is {}, so it cannot be {}", id, StateName(state), action));
}

Status NoSuchAlert(int64_t id) { return Status::NotFound(fmt::format("no alert with id {}", id)); }

Alert Acknowledged(Alert a, std::string_view who, std::string_view note, int64_t now_ms) {
  a.state = AlertState::kAcknowledged;
  a.acknowledged_by = who;
  a.acknowledge_note = note;
  a.acknowledged_at_ms = a.updated_at_ms = now_ms;
  return a;
}

Alert Resolved(Alert a, std::string_view who, std::string_view note, int64_t now_ms) {
  a.state = AlertState::kResolved;
  a.resolved_by = who;
  a.resolve_note = note;
  a.resolved_at_ms = a.updated_at_ms = now_ms;
  return a;
}

Status CheckResolveMany(std::span<const int64_t> ids, std::string_view who,
                        std::span<const std::string> notes) {
  METRIFY_RETURN_IF_ERROR(CheckWho(who, "resolving"));
  if (notes.size() != ids.size()) return Status::InvalidArgument("one note per alert");
  return Status::Ok();
}

std::vector<std::pair<std::string_view, model::FieldValue>> FilterTerms(const AlertQuery& q) {
  std::vector<std::pair<std::string_view, model::FieldValue>> terms;
  if (q.state) terms.emplace_back("state =", std::string(StateName(*q.state)));
  if (q.severity) terms.emplace_back("severity =", std::string(SeverityName(*q.severity)));
  if (q.source_kind) {
    terms.emplace_back("source_kind =", std::string(SourceKindName(*q.source_kind)));
  }
  if (q.source_id) terms.emplace_back("source_id =", *q.source_id);
  if (q.type) terms.emplace_back("type =", *q.type);
  if (q.rule) terms.emplace_back("rule =", *q.rule);
  if (q.since_ms) terms.emplace_back("last_seen >=", *q.since_ms);
  return terms;
}

Status CheckPage(const AlertQuery& q) {
  if (q.page < 1 || q.page > kMaxPage) {
    return Status::InvalidArgument(fmt::format("page must be 1..{}, not {}", kMaxPage, q.page));
  }
  if (q.page_size < 1 || q.page_size > kMaxPageSize) {
    return Status::InvalidArgument(
        fmt::format("page_size must be 1..{}, not {}", kMaxPageSize, q.page_size));
  }
  return Status::Ok();
}

Result<std::string_view> GroupExpression(std::string_view group_by) {
  if (group_by == "type") return std::string_view("type");
  if (group_by == "severity") return std::string_view("severity");
  if (group_by == "source") return std::string_view("source_kind || ':' || source_id");
  return Status::InvalidArgument(
      fmt::format("group_by must be type, severity or source, not '{}'", group_by));
}

Status CheckWindow(int64_t start_ms, int64_t end_ms) {
  if (start_ms >= end_ms) return Status::InvalidArgument("the start must be before the end");
  return Status::Ok();
}

Result<DeadLetter> StorableDeadLetter(const DeadLetter& d) {
  if (d.event.empty()) return Status::InvalidArgument("a dead letter needs its event");
  if (d.url.empty()) return Status::InvalidArgument("a dead letter needs its url");
  if (d.attempts < 0) return Status::InvalidArgument("attempts cannot be negative");
  DeadLetter out = d;
  out.url = RedactUrl(d.url);
  out.last_error = ReplaceAll(d.last_error, d.url, out.url);
  return out;
}

Status CheckDeadLetterLimit(int limit) {
  if (limit >= 1 && limit <= kMaxDeadLetters) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("limit must be 1..{}, not {}", kMaxDeadLetters, limit));
}

}  // namespace metrify::alerts::detail
