#include "api/series_params.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/strings.h"
#include "common/time.h"
#include "parse/timestamp.h"
#include "query/calendar.h"

namespace metrify::api {

namespace {

constexpr int64_t kDayMs = 86'400'000;

std::optional<int64_t> ReadInstant(const http::HttpRequest& request, std::string_view name,
                                   std::vector<StatusDetail>* errors) {
  auto text = request.QueryParam(name);
  if (!text) return std::nullopt;
  int64_t ms = 0;
  if (parse::ParseTimestamp(*text, &ms) != parse::TimestampError::kNone) {
    errors->push_back({std::string(name), "invalid_timestamp",
                       fmt::format("{} must be RFC 3339 with an offset or epoch milliseconds, "
                                   "got \"{}\"",
                                   name, *text)});
    return std::nullopt;
  }
  return ms;
}

uint16_t ReadFields(std::string_view text, model::SeriesKind kind,
                    std::vector<StatusDetail>* errors) {
  uint16_t mask = 0;
  for (std::string_view name : Split(text, ',')) {
    name = Trim(name);
    std::optional<int> index = model::SeriesFieldIndex(kind, name);
    if (!index) {
      errors->push_back(
          {"fields", "unknown_field",
           fmt::format("\"{}\" is not a field of {}", name, model::SeriesKindName(kind))});
      continue;
    }
    mask |= static_cast<uint16_t>(1u << *index);
  }
  return mask;
}

}  // namespace

Result<SeriesParams> ReadSeriesParams(const http::HttpRequest& request, model::SeriesKind kind,
                                      std::string_view default_tz,
                                      const std::vector<std::string_view>& extra) {
  std::vector<StatusDetail> errors;
  SeriesParams p;
  static constexpr std::string_view kKnown[] = {"start",  "end", "interval", "agg",
                                                "fields", "tz",  "format"};
  for (const auto& [name, value] : request.query) {
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown) &&
        std::find(extra.begin(), extra.end(), name) == extra.end()) {
      errors.push_back(
          {name, "unknown_parameter", fmt::format("unknown query parameter \"{}\"", name)});
    }
  }
  std::optional<int64_t> end = ReadInstant(request, "end", &errors);
  std::optional<int64_t> start = ReadInstant(request, "start", &errors);
  p.end_ms = end.value_or(NowMillis());
  p.start_ms = start.value_or(p.end_ms - kDayMs);
  if (p.end_ms <= p.start_ms && (start || end)) {
    errors.push_back({"end", "invalid_range", "end must be after start"});
  }
  if (auto text = request.QueryParam("interval")) {
    Result<query::Interval> interval = query::ParseInterval(*text);
    if (interval) p.interval = *interval;
    if (!interval) errors.push_back({"interval", "invalid_choice", interval.error().message()});
  }
  if (auto text = request.QueryParam("agg")) {
    Result<query::Agg> agg = query::ParseAgg(*text);
    if (agg) p.agg = *agg;
    if (!agg) errors.push_back({"agg", "invalid_choice", agg.error().message()});
  }
  const uint16_t all = static_cast<uint16_t>((1u << model::SeriesFields(kind).size()) - 1);
  p.fields = all;
  if (auto text = request.QueryParam("fields"); text && !text->empty()) {
    p.fields = ReadFields(*text, kind, &errors);
    p.fields_given = true;
  }
  p.tz_name = std::string(request.QueryParam("tz").value_or(default_tz));
  Result<const date::time_zone*> tz = query::FindZone(p.tz_name);
  if (tz) p.tz = *tz;
  if (!tz) errors.push_back({"tz", "invalid_time_zone", tz.error().message()});
  if (auto format = request.QueryParam("format")) {
    if (*format != "json" && *format != "csv") {
      errors.push_back({"format", "invalid_choice", "format must be json or csv"});
    }
    p.csv = *format == "csv";
  }
  if (!errors.empty()) return Status::InvalidFields(std::move(errors));
  return p;
}

void NarrowToPresent(std::span<const query::Point> points, SeriesParams* params) {
  if (params->fields_given) return;
  uint16_t present = 0;
  for (const query::Point& p : points) present |= p.present;
  if (present != 0) params->fields &= present;
}

query::Agg FieldAgg(model::SeriesKind kind, int field) {
  const std::string_view name = model::SeriesFields(kind)[field].name;
  if (name == "energy_kwh" || name == "energy_export_kwh" || name == "precipitation_mm") {
    return query::Agg::kSum;
  }
  return name == "register_kwh" ? query::Agg::kLast : query::Agg::kAvg;
}

std::vector<query::BucketValue> Bucketize(model::SeriesKind kind, const SeriesParams& params,
                                          std::span<const query::Point> points,
                                          std::span<const int64_t> edges) {
  if (params.agg) return query::Aggregate(points, edges, *params.agg, params.fields);
  // One pass per statistic in use, each over its fields, merged per bucket.
  std::vector<query::BucketValue> out;
  for (query::Agg agg : {query::Agg::kSum, query::Agg::kAvg, query::Agg::kLast}) {
    uint16_t mask = 0;
    for (int f = 0; f < static_cast<int>(model::SeriesFields(kind).size()); ++f) {
      if (FieldAgg(kind, f) == agg) mask |= static_cast<uint16_t>(1u << f);
    }
    mask &= params.fields;
    if (mask == 0 && !out.empty()) continue;
    std::vector<query::BucketValue> part = query::Aggregate(points, edges, agg, mask);
    if (out.empty()) {
      out = std::move(part);
      continue;
    }
    for (size_t i = 0; i < out.size(); ++i) {
      for (int f = 0; f < model::kMaxSeriesFields; ++f) {
        if ((mask >> f) & 1u) out[i].values[f] = part[i].values[f];
      }
      out[i].present |= part[i].present;
    }
  }
  return out;
}

}  // namespace metrify::api
