// Fleet-wide reads (series_routes.h): the newest reading of many meters, and
// energy of many meters per calendar bucket, grouped.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "api/responses.h"
#include "api/series_output.h"
#include "api/series_points.h"
#include "api/series_routes.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time.h"
#include "model/enums.h"
#include "query/calendar.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;
constexpr auto kReading = model::SeriesKind::kReading;

Status UnknownParameters(const HttpRequest& request, std::vector<std::string_view> known) {
  std::vector<StatusDetail> errors;
  for (const auto& [name, value] : request.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      errors.push_back(
          {name, "unknown_parameter", fmt::format("unknown query parameter \"{}\"", name)});
    }
  }
  return errors.empty() ? Status::Ok() : Status::InvalidFields(std::move(errors));
}

// The meters a fleet read covers: meter_ids=a,b,c, or every registered meter.
std::vector<std::string> RequestedMeters(SeriesBackend& backend, const HttpRequest& request) {
  std::vector<std::string> ids;
  if (auto list = request.QueryParam("meter_ids")) {
    for (std::string_view id : Split(*list, ',')) {
      if (!Trim(id).empty()) ids.emplace_back(Trim(id));
    }
    return ids;
  }
  for (auto& [id, key] : backend.keys.All(kReading)) ids.push_back(std::move(id));
  std::sort(ids.begin(), ids.end());
  return ids;
}

HttpResponse Latest(SeriesBackend& backend, HttpRequest& request) {
  if (Status s = UnknownParameters(request, {"meter_ids", "fields"}); !s.ok()) {
    return ErrorFromStatus(s);
  }
  uint16_t fields = static_cast<uint16_t>((1u << model::SeriesFields(kReading).size()) - 1);
  if (auto text = request.QueryParam("fields"); text && !text->empty()) {
    fields = 0;
    for (std::string_view name : Split(*text, ',')) {
      std::optional<int> f = model::SeriesFieldIndex(kReading, Trim(name));
      if (!f) {
        return ErrorFromStatus(
            Status::InvalidFields({{"fields", "unknown_field",
                                    fmt::format("\"{}\" is not a field of reading", Trim(name))}}));
      }
      fields |= static_cast<uint16_t>(1u << *f);
    }
  }
  std::vector<std::string> missing, unknown;
  JsonWriter w;
  w.BeginObject();
  w.Key("readings").BeginArray();
  size_t count = 0;
  for (const std::string& id : RequestedMeters(backend, request)) {
    Result<std::optional<uint32_t>> key = backend.keys.Find(kReading, id);
    if (!key) return ErrorFromStatus(key.error());
    if (!*key) {
      unknown.push_back(id);
      continue;
    }
    std::optional<engine::HeadSample> latest =
        backend.engine.Latest(engine::SeriesKey{kReading, **key});
    if (!latest) {
      missing.push_back(id);
      continue;
    }
    const query::Point p = ToPoint(*latest);
    w.BeginObject();
    w.Key("meter_id").String(id);
    w.Key("timestamp").String(FormatRfc3339(p.timestamp_ms));
    w.Key("interval_s").Int(p.interval_s);
    for (int f = 0; f < static_cast<int>(model::SeriesFields(kReading).size()); ++f) {
      if (((p.present & fields) >> f) & 1u) {
        w.Key(model::SeriesFields(kReading)[f].name).Number(p.values[f]);
      }
    }
    w.EndObject();
    ++count;
  }
  w.EndArray();
  w.Key("count").Int(static_cast<int64_t>(count));
  w.Key("missing").BeginArray();
  for (const std::string& id : missing) w.String(id);
  w.EndArray();
  w.Key("unknown").BeginArray();
  for (const std::string& id : unknown) w.String(id);
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

// The group a meter's energy counts towards.
std::string GroupOf(const model::Meter& m, std::string_view group_by) {
  if (group_by == "operator") return m.grid_operator_id;
  if (group_by == "city") return m.city;
  if (group_by == "segment") return std::string(model::EnumName(m.segment));
  if (group_by == "meter") return m.id;
  return "all";
}

Result<std::vector<model::Meter>> AllMeters(registry::Registry& registry) {
  std::vector<model::Meter> meters;
  store::ListQuery query;
  query.page_size = 1000;
  for (query.page = 1;; ++query.page) {
    METRIFY_ASSIGN_OR_RETURN(store::Page<model::Meter> page, registry.List<model::Meter>(query));
    for (auto& m : page.items) meters.push_back(std::move(m));
    if (static_cast<int64_t>(meters.size()) >= page.total_count || page.items.empty()) break;
  }
  return meters;
}

HttpResponse Consumption(SeriesBackend& backend, HttpRequest& request) {
  const auto group_by = request.QueryParam("group_by").value_or("none");
  if (group_by != "none" && group_by != "operator" && group_by != "city" && group_by != "segment" &&
      group_by != "meter") {
    return ErrorFromStatus(
        Status::InvalidFields({{"group_by", "invalid_choice",
                                "group_by must be none, operator, city, segment or meter"}}));
  }
  Result<SeriesParams> params = ReadSeriesParams(request, kReading, "Europe/Berlin", {"group_by"});
  if (!params) return ErrorFromStatus(params.error());
  if (params->interval == query::Interval::kRaw) params->interval = query::Interval::k1d;
  params->fields = 1u << *model::SeriesFieldIndex(kReading, "energy_kwh");
  params->agg = query::Agg::kSum;
  Result<std::vector<int64_t>> edges = query::BucketEdges(
      params->start_ms, params->end_ms, params->interval, params->tz, kMaxBuckets);
  if (!edges) {
    return ErrorFromStatus(
        Status::InvalidFields({{"interval", "too_many_buckets", edges.error().message()}}));
  }
  Result<std::vector<model::Meter>> meters = AllMeters(backend.registry);
  if (!meters) return ErrorFromStatus(meters.error());

  struct Group {
    size_t meters = 0;
    std::vector<query::BucketValue> buckets;
  };
  std::map<std::string, Group> groups;
  std::vector<engine::HeadSample> samples;
  for (const model::Meter& meter : *meters) {
    Result<std::optional<uint32_t>> key = backend.keys.Find(kReading, meter.id);
    if (!key) return ErrorFromStatus(key.error());
    if (!*key) continue;
    samples.clear();
    Status read = backend.engine.ReadLatest(engine::SeriesKey{kReading, **key}, edges->front(),
                                            edges->back() + 1, &samples);
    if (!read.ok()) return ErrorFromStatus(read);
    const std::vector<query::Point> points = ToPoints(samples);
    std::vector<query::BucketValue> buckets =
        query::Aggregate(points, *edges, query::Agg::kSum, params->fields);
    Group& group = groups[GroupOf(meter, group_by)];
    ++group.meters;
    if (group.buckets.empty()) {
      group.buckets = std::move(buckets);
      continue;
    }
    for (size_t i = 0; i < buckets.size(); ++i) {
      query::AddInto(group.buckets[i], buckets[i], query::Agg::kSum);
    }
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("start").String(FormatRfc3339(params->start_ms));
  w.Key("end").String(FormatRfc3339(params->end_ms));
  w.Key("interval").String(query::IntervalName(params->interval));
  w.Key("tz").String(params->tz_name);
  w.Key("group_by").String(group_by);
  w.Key("groups").BeginArray();
  const int energy = *model::SeriesFieldIndex(kReading, "energy_kwh");
  for (const auto& [name, group] : groups) {
    w.BeginObject();
    if (name.empty()) {
      w.Key("group").Null();  // meters without an operator, city...
    } else {
      w.Key("group").String(name);
    }
    w.Key("meters").Int(static_cast<int64_t>(group.meters));
    w.Key("buckets").BeginArray();
    for (const query::BucketValue& b : group.buckets) {
      w.BeginObject();
      w.Key("start").String(FormatRfc3339(b.start_ms));
      w.Key("end").String(FormatRfc3339(b.end_ms));
      w.Key("count").Int(b.count);
      w.Key("expected").Int(b.expected);
      w.Key("energy_kwh").Number(RoundForDisplay(b.values[energy]));
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

}  // namespace

void AddFleetRoutes(Router& router, SeriesBackend& backend) {
  router.Add("GET", "/api/v1/readings/latest", [&backend](HttpRequest& request, const PathParams&) {
    return Latest(backend, request);
  });
  router.Add("GET", "/api/v1/analytics/consumption",
             [&backend](HttpRequest& request, const PathParams&) {
               return Consumption(backend, request);
             });
}

}  // namespace metrify::api
