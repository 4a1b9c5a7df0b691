// Alerts of detection and their counts (series_routes.h; docs/api.md
// "Alerts", docs/alerts.md):
//   GET  /api/v1/alerts                    filtered and paged, newest last_seen first
//   GET  /api/v1/alerts/{id}               one alert
//   POST /api/v1/alerts/{id}/acknowledge   OPEN -> ACKNOWLEDGED  {"by", "note"?}
//   POST /api/v1/alerts/{id}/resolve       OPEN|ACKNOWLEDGED -> RESOLVED
//   GET  /api/v1/analytics/anomalies       alerts per type, severity or source
// Without an alert store (alerts not enabled) every route answers 503.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <span>
#include <string_view>

#include "alerts/alert_json.h"
#include "api/entity_routes.h"
#include "api/json_body.h"
#include "api/responses.h"
#include "api/series_routes.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time.h"
#include "parse/timestamp.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr int64_t kMaxPage = 1'000'000'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kDefaultAnomalyDays = 7;

// The families of Finding.type the detectors report (alerts/alert.h).
constexpr std::array<std::string_view, 6> kTypes = {"meter_rule",  "consumption", "no_data",
                                                    "meter_fault", "grid",        "weather"};
constexpr std::array<std::string_view, 3> kGroupings = {"type", "severity", "source"};

void RefuseUnknown(const HttpRequest& request, std::initializer_list<std::string_view> known,
                   std::vector<StatusDetail>* errors) {
  for (const auto& [name, value] : request.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      errors->push_back(
          {name, "unknown_parameter", fmt::format("unknown query parameter \"{}\"", name)});
    }
  }
}

// An instant: RFC 3339 with an offset, or epoch milliseconds.
std::optional<int64_t> ReadInstant(const HttpRequest& request, std::string_view name,
                                   std::vector<StatusDetail>* errors) {
  const auto text = request.QueryParam(name);
  if (!text) return std::nullopt;
  int64_t ms = 0;
  if (parse::ParseTimestamp(*text, &ms) != parse::TimestampError::kNone) {
    errors->push_back(
        {std::string(name), "invalid_timestamp",
         fmt::format("{} must be RFC 3339 with an offset or epoch milliseconds, got \"{}\"", name,
                     *text)});
    return std::nullopt;
  }
  return ms;
}

void ReadPaging(const HttpRequest& request, alerts::AlertQuery* q,
                std::vector<StatusDetail>* errors) {
  for (std::string_view name : {"page", "page_size"}) {
    const auto text = request.QueryParam(name);
    if (!text) continue;
    const int64_t max = name == "page" ? kMaxPage : kMaxPageSize;
    const std::optional<long long> n = ParseInt(*text);
    if (!n || *n < 1 || *n > max) {
      errors->push_back({std::string(name), "out_of_range",
                         fmt::format("{} must be a whole number from 1 to {}", name, max)});
      continue;
    }
    (name == "page" ? q->page : q->page_size) = *n;
  }
}

// source=meter:SM1, grid_operator:TENNET, weather_station:WS7, or a kind alone.
void ReadSource(std::string_view text, alerts::AlertQuery* q, std::vector<StatusDetail>* errors) {
  const size_t colon = text.find(':');
  const std::string_view kind_text = text.substr(0, colon);
  const std::optional<alerts::SourceKind> kind = alerts::ParseSourceKind(kind_text);
  if (!kind) {
    errors->push_back({"source", "invalid_choice",
                       fmt::format("source must be meter, grid_operator or weather_station, "
                                   "optionally with \":<id>\" (meter:SM000123), got \"{}\"",
                                   text)});
    return;
  }
  q->source_kind = kind;
  if (colon == std::string_view::npos) return;
  const std::string_view id = text.substr(colon + 1);
  if (id.empty()) {
    errors->push_back({"source", "invalid_value",
                       fmt::format("source \"{}\" names no id after the colon; leave out the "
                                   "colon to match every {}",
                                   text, kind_text)});
    return;
  }
  q->source_id = std::string(id);
}

std::string Choices(std::span<const std::string_view> choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == choices.size() ? " or " : ", ");
    out += choices[i];
  }
  return out;
}

Result<alerts::AlertQuery> ReadListQuery(const HttpRequest& request) {
  std::vector<StatusDetail> errors;
  RefuseUnknown(request,
                {"state", "severity", "source", "type", "rule", "since", "page", "page_size"},
                &errors);
  alerts::AlertQuery q;
  if (const auto text = request.QueryParam("state")) {
    q.state = alerts::ParseState(*text);
    if (!q.state) {
      errors.push_back(
          {"state", "invalid_choice",
           fmt::format("state must be OPEN, ACKNOWLEDGED or RESOLVED, got \"{}\"", *text)});
    }
  }
  if (const auto text = request.QueryParam("severity")) {
    q.severity = alerts::ParseSeverity(*text);
    if (!q.severity) {
      errors.push_back(
          {"severity", "invalid_choice",
           fmt::format("severity must be INFO, WARNING or CRITICAL, got \"{}\"", *text)});
    }
  }
  if (const auto text = request.QueryParam("source")) ReadSource(*text, &q, &errors);
  if (const auto text = request.QueryParam("type")) {
    if (std::find(kTypes.begin(), kTypes.end(), *text) == kTypes.end()) {
      errors.push_back({"type", "invalid_choice",
                        fmt::format("type must be {}, got \"{}\"", Choices(kTypes), *text)});
    } else {
      q.type = std::string(*text);
    }
  }
  if (const auto text = request.QueryParam("rule")) {
    if (Trim(*text).empty()) {
      errors.push_back({"rule", "invalid_value", "rule must name a rule (voltage_high, ...)"});
    } else {
      q.rule = std::string(*text);
    }
  }
  q.since_ms = ReadInstant(request, "since", &errors);
  ReadPaging(request, &q, &errors);
  if (!errors.empty()) return Status::InvalidFields(std::move(errors));
  return q;
}

HttpResponse ListAlerts(SeriesBackend& backend, HttpRequest& request, const PathParams&) {
  Result<alerts::AlertQuery> q = ReadListQuery(request);
  if (!q) return ErrorFromStatus(q.error());
  Result<store::Page<alerts::Alert>> page = backend.alert_store->List(*q);
  if (!page) return ErrorFromStatus(page.error());
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const alerts::Alert& a : page->items) alerts::WriteAlert(w, a);
  w.EndArray();
  w.Key("page").Int(q->page).Key("page_size").Int(q->page_size);
  w.Key("total_count").Int(page->total_count);
  w.Key("has_next").Bool(q->page * q->page_size < page->total_count);
  w.EndObject();
  return JsonResponse(200, w.Take());
}

// The {id} of the path: a positive number, else no such alert.
Result<int64_t> AlertId(const PathParams& path) {
  const std::string& text = path.Get("id");
  const std::optional<long long> id = ParseInt(text);
  if (!id || *id < 1) return Status::NotFound(fmt::format("no alert with id \"{}\"", text));
  return static_cast<int64_t>(*id);
}

HttpResponse GetAlert(SeriesBackend& backend, HttpRequest&, const PathParams& path) {
  Result<int64_t> id = AlertId(path);
  if (!id) return ErrorFromStatus(id.error());
  Result<std::optional<alerts::Alert>> alert = backend.alert_store->Get(*id);
  if (!alert) return ErrorFromStatus(alert.error());
  if (!*alert) return ErrorFromStatus(Status::NotFound(fmt::format("no alert with id {}", *id)));
  return JsonResponse(200, alerts::AlertJson(**alert));
}

// The body of acknowledge and resolve: {"by": "...", "note": "..."}.
struct StepBody {
  std::string by, note;
};

Result<StepBody> ReadStepBody(const model::FieldValues& values) {
  StepBody body;
  std::vector<StatusDetail> errors;
  bool by_given = false;
  for (const auto& [name, value] : values) {
    const std::string* text = std::get_if<std::string>(&value);
    if (name == "by") {
      by_given = true;
      if (!text || Trim(*text).empty()) {
        errors.push_back({"by", "required", "by must be a non-empty string: who takes the step"});
      } else {
        body.by = *text;
      }
    } else if (name == "note") {
      if (std::holds_alternative<std::monostate>(value)) continue;  // null: no note
      if (!text) {
        errors.push_back({"note", "wrong_type", "note must be a string"});
      } else {
        body.note = *text;
      }
    } else {
      errors.push_back(
          {name, "unknown_field",
           fmt::format("\"{}\" is not a field of this request; known: by, note", name)});
    }
  }
  if (!by_given) errors.push_back({"by", "required", "by is required: who takes the step"});
  if (!errors.empty()) return Status::InvalidFields(std::move(errors));
  return body;
}

enum class Step { kAcknowledge, kResolve };

HttpResponse TakeStep(SeriesBackend& backend, HttpRequest& request, const PathParams& path,
                      Step step) {
  Result<int64_t> id = AlertId(path);
  if (!id) return ErrorFromStatus(id.error());
  model::FieldValues values;
  // An empty body is an empty object: the answer then names `by`.
  if (!Trim(request.body).empty()) {
    if (auto error = ParseJsonObject(request.body, &values)) return *error;
  }
  Result<StepBody> body = ReadStepBody(values);
  if (!body) return ErrorFromStatus(body.error());
  const bool ack = step == Step::kAcknowledge;
  auto take = [&]() -> Result<alerts::Alert> {
    if (alerts::AlertManager* m = backend.alert_manager) {
      return ack ? m->Acknowledge(*id, body->by, body->note)
                 : m->Resolve(*id, body->by, body->note);
    }
    alerts::AlertStore* s = backend.alert_store;  // without a manager: no webhooks
    return ack ? s->Acknowledge(*id, body->by, body->note, NowMillis())
               : s->Resolve(*id, body->by, body->note, NowMillis());
  };
  Result<alerts::Alert> alert = take();
  if (!alert) return ErrorFromStatus(alert.error());
  return JsonResponse(200, alerts::AlertJson(*alert));
}

HttpResponse Anomalies(SeriesBackend& backend, HttpRequest& request, const PathParams&) {
  std::vector<StatusDetail> errors;
  RefuseUnknown(request, {"start", "end", "group_by"}, &errors);
  const std::optional<int64_t> start = ReadInstant(request, "start", &errors);
  const std::optional<int64_t> end = ReadInstant(request, "end", &errors);
  const std::string group_by(request.QueryParam("group_by").value_or("type"));
  if (std::find(kGroupings.begin(), kGroupings.end(), group_by) == kGroupings.end()) {
    errors.push_back(
        {"group_by", "invalid_choice",
         fmt::format("group_by must be {}, got \"{}\"", Choices(kGroupings), group_by)});
  }
  // Defaults: end now, start 7 days before end.
  const int64_t end_ms = end ? *end : NowMillis();
  const int64_t start_ms = start ? *start : end_ms - kDefaultAnomalyDays * kDayMs;
  if (start && end_ms <= start_ms) {
    errors.push_back({"end", "invalid_range",
                      end ? "end must be after start"
                          : "start must be before end, which is now when not given"});
  }
  if (!errors.empty()) return ErrorFromStatus(Status::InvalidFields(std::move(errors)));
  Result<std::vector<alerts::AnomalyCount>> counts =
      backend.alert_store->Count(start_ms, end_ms, group_by);
  if (!counts) return ErrorFromStatus(counts.error());
  JsonWriter w;
  w.BeginObject();
  w.Key("start").String(FormatRfc3339(start_ms));
  w.Key("end").String(FormatRfc3339(end_ms));
  w.Key("group_by").String(group_by);
  w.Key("groups").BeginArray();
  for (const alerts::AnomalyCount& c : *counts) {
    w.BeginObject();
    w.Key("key").String(c.key);
    w.Key("alerts").Int(c.alerts);
    w.Key("occurrences").Int(c.occurrences);
    w.Key("open").Int(c.open);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

}  // namespace

void AddAlertRoutes(Router& router, SeriesBackend& backend) {
  // Without an alert store (alerts not enabled) the routes exist and say so.
  auto guarded = [&backend](auto handler) {
    return [&backend, handler](HttpRequest& request, const PathParams& path) {
      if (backend.alert_store == nullptr) {
        return http::MakeErrorResponse(503, "unavailable", "alerts are not enabled on this server");
      }
      return handler(backend, request, path);
    };
  };
  router.Add("GET", "/api/v1/alerts", guarded(ListAlerts));
  router.Add("GET", "/api/v1/alerts/{id}", guarded(GetAlert));
  router.Add("POST", "/api/v1/alerts/{id}/acknowledge",
             guarded([](SeriesBackend& b, HttpRequest& r, const PathParams& p) {
               return TakeStep(b, r, p, Step::kAcknowledge);
             }));
  router.Add("POST", "/api/v1/alerts/{id}/resolve",
             guarded([](SeriesBackend& b, HttpRequest& r, const PathParams& p) {
               return TakeStep(b, r, p, Step::kResolve);
             }));
  router.Add("GET", "/api/v1/analytics/anomalies", guarded(Anomalies));
}

}  // namespace metrify::api
