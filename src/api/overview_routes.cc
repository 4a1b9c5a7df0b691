// GET /api/v1/overview (overview_routes.h). The registry has no grouped
// counts, so the meters are read here in pages of 1000 inside the process:
// one request of the dashboard instead of a page walk over HTTP. Open alerts
// come from the alert store (its memory in SQLite, the database in PostgreSQL).
#include "api/overview_routes.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/responses.h"
#include "common/json_writer.h"
#include "common/time.h"
#include "model/enums.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr int64_t kPageSize = 1000;

// Meters counted per value of each grouping; "" is a meter without a city
// or operator.
struct MeterCounts {
  int64_t total = 0;
  std::map<std::string, int64_t> by_status, by_city, by_segment, by_operator;

  void Add(const model::Meter& m) {
    ++total;
    ++by_status[std::string(model::EnumName(m.status))];
    ++by_city[m.city];
    ++by_segment[std::string(model::EnumName(m.segment))];
    ++by_operator[m.grid_operator_id];
  }
};

Result<MeterCounts> CountMeters(registry::Registry& registry) {
  MeterCounts counts;
  for (const auto& [e, name] : model::EnumNames<model::MeterStatus>::kNames) {
    counts.by_status[std::string(name)] = 0;  // every status, zeros too
  }
  store::ListQuery query;
  query.page_size = kPageSize;
  for (;; ++query.page) {
    METRIFY_ASSIGN_OR_RETURN(store::Page<model::Meter> page, registry.List<model::Meter>(query));
    for (const model::Meter& m : page.items) counts.Add(m);
    if (query.page * kPageSize >= page.total_count || page.items.empty()) break;
  }
  return counts;
}

template <typename T>
Result<int64_t> CountOf(registry::Registry& registry) {
  store::ListQuery query;
  query.page_size = 1;
  METRIFY_ASSIGN_OR_RETURN(store::Page<T> page, registry.List<T>(query));
  return page.total_count;
}

void WriteCounts(JsonWriter& w, const std::map<std::string, int64_t>& counts) {
  w.BeginObject();
  for (const auto& [key, n] : counts) w.Key(key).Int(n);
  w.EndObject();
}

// [{"<name>": key or null, "meters": n}], the largest groups first, ties by
// key: what a list on the dashboard shows.
void WriteGroups(JsonWriter& w, std::string_view name,
                 const std::map<std::string, int64_t>& counts) {
  std::vector<std::pair<std::string, int64_t>> rows(counts.begin(), counts.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  w.BeginArray();
  for (const auto& [key, n] : rows) {
    w.BeginObject().Key(name);
    if (key.empty()) {
      w.Null();
    } else {
      w.String(key);
    }
    w.Key("meters").Int(n).EndObject();
  }
  w.EndArray();
}

void WriteMeters(JsonWriter& w, const MeterCounts& counts) {
  w.Key("meters").BeginObject();
  w.Key("total").Int(counts.total);
  w.Key("by_status");
  WriteCounts(w, counts.by_status);
  w.Key("by_segment");
  WriteCounts(w, counts.by_segment);
  w.Key("by_city");
  WriteGroups(w, "city", counts.by_city);
  w.Key("by_operator");
  WriteGroups(w, "operator", counts.by_operator);
  w.EndObject();
}

// Open (OPEN or ACKNOWLEDGED) alerts by severity and state; null when
// alerts are not enabled on this server (`open` null).
void WriteAlerts(JsonWriter& w, const std::vector<alerts::Alert>* open) {
  w.Key("alerts");
  if (!open) {
    w.Null();
    return;
  }
  std::map<std::string, int64_t> severity, state;
  for (auto s : {alerts::Severity::kInfo, alerts::Severity::kWarning, alerts::Severity::kCritical})
    severity[std::string(alerts::SeverityName(s))] = 0;
  for (auto s : {alerts::AlertState::kOpen, alerts::AlertState::kAcknowledged})
    state[std::string(alerts::StateName(s))] = 0;
  for (const alerts::Alert& a : *open) {
    ++severity[std::string(alerts::SeverityName(a.severity))];
    ++state[std::string(alerts::StateName(a.state))];
  }
  w.BeginObject().Key("open").Int(static_cast<int64_t>(open->size()));
  w.Key("by_severity");
  WriteCounts(w, severity);
  w.Key("by_state");
  WriteCounts(w, state);
  w.EndObject();
}

HttpResponse Overview(SeriesBackend& backend, const HttpRequest& request) {
  if (!request.query.empty()) {
    const std::string& name = request.query.front().first;
    return ErrorFromStatus(Status::InvalidFields(
        {{name, "unknown_parameter", "unknown query parameter \"" + name + "\""}}));
  }
  Result<MeterCounts> meters = CountMeters(backend.registry);
  if (!meters.has_value()) return ErrorFromStatus(meters.error());
  Result<int64_t> operators = CountOf<model::GridOperator>(backend.registry);
  if (!operators.has_value()) return ErrorFromStatus(operators.error());
  Result<int64_t> stations = CountOf<model::WeatherStation>(backend.registry);
  if (!stations.has_value()) return ErrorFromStatus(stations.error());
  std::optional<std::vector<alerts::Alert>> open_alerts;
  if (backend.alert_store) {
    Result<std::vector<alerts::Alert>> open = backend.alert_store->OpenAlerts();
    if (!open.has_value()) return ErrorFromStatus(open.error());
    open_alerts = std::move(open).value();
  }

  JsonWriter w;
  w.BeginObject().Key("generated_at").String(FormatRfc3339(NowMillis()));
  WriteMeters(w, *meters);
  w.Key("grid_operators").Int(*operators);
  w.Key("weather_stations").Int(*stations);
  WriteAlerts(w, open_alerts ? &*open_alerts : nullptr);
  w.Key("vee_pending_meters");
  if (backend.validation) {
    w.Int(static_cast<int64_t>(backend.validation->stats().dirty_meters));
  } else {
    w.Null();
  }
  return JsonResponse(200, w.EndObject().Take());
}

}  // namespace

void AddOverviewRoutes(Router& router, SeriesBackend& backend) {
  router.Add("GET", "/api/v1/overview", [&backend](HttpRequest& request, const PathParams&) {
    return Overview(backend, request);
  });
}

}  // namespace metrify::api
