// GET handlers of one entity's series (series_routes.h).
#include <fmt/format.h>

#include "api/responses.h"
#include "api/series_output.h"
#include "api/series_points.h"
#include "api/series_routes.h"
#include "api/validated_reads.h"
#include "query/calendar.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

// Meters are bucketed in their own time zone unless tz says otherwise;
// operators and stations in UTC.
Result<std::string> DefaultZone(SeriesBackend& backend, model::SeriesKind kind,
                                const std::string& id) {
  if (kind != model::SeriesKind::kReading) return std::string("UTC");
  METRIFY_ASSIGN_OR_RETURN(model::Meter meter, backend.registry.Get<model::Meter>(id));
  return meter.timezone;
}

// version=validated|raw, for meter readings only.
Status ReadVersion(const HttpRequest& request, model::SeriesKind kind, SeriesParams* params) {
  if (kind != model::SeriesKind::kReading) return Status::Ok();
  const std::string_view version = request.QueryParam("version").value_or("validated");
  if (version != "validated" && version != "raw") {
    return Status::InvalidFields(
        {{"version", "invalid_choice",
          fmt::format("version must be validated or raw, got \"{}\"", version)}});
  }
  params->version = std::string(version);
  return Status::Ok();
}

HttpResponse QueryValidated(SeriesBackend& backend, const SeriesSubject& subject,
                            SeriesParams& params, uint32_t key) {
  Result<model::Meter> meter = backend.registry.Get<model::Meter>(std::string(subject.entity_id));
  if (!meter) return ErrorFromStatus(meter.error());
  if (params.interval == query::Interval::kRaw) {
    const int64_t intervals =
        (params.end_ms - params.start_ms) / (int64_t{vee::MeterInfo().interval_s} * 1000);
    if (intervals > static_cast<int64_t>(kMaxRawSamples)) {
      return ErrorFromStatus(Status::InvalidFields(
          {{"end", "too_many_samples",
            fmt::format("the range may hold more than {} intervals; at most {} are returned "
                        "raw: narrow the range or choose an interval",
                        kMaxRawSamples, kMaxRawSamples)}}));
    }
    Result<std::vector<vee::ValidatedPoint>> points =
        ReadValidatedMeter(backend, *meter, key, params.start_ms, params.end_ms);
    if (!points) return ErrorFromStatus(points.error());
    std::vector<query::Point> values;
    for (const vee::ValidatedPoint& p : *points) values.push_back(p.point);
    NarrowToPresent(values, &params);
    return ValidatedRawResponse(subject, params, *points);
  }
  Result<std::vector<int64_t>> edges =
      query::BucketEdges(params.start_ms, params.end_ms, params.interval, params.tz, kMaxBuckets);
  if (!edges) {
    return ErrorFromStatus(
        Status::InvalidFields({{"interval", "too_many_buckets", edges.error().message()}}));
  }
  Result<std::vector<vee::ValidatedPoint>> points =
      ReadValidatedMeter(backend, *meter, key, edges->front(), edges->back() + 1);
  if (!points) return ErrorFromStatus(points.error());
  return ValidatedBucketResponse(subject, params, *points, *edges);
}

HttpResponse QuerySeries(SeriesBackend& backend, const SeriesSubject& subject,
                         HttpRequest& request) {
  const std::string id(subject.entity_id);
  Result<std::optional<uint32_t>> key = backend.keys.Find(subject.kind, id);
  if (!key) return ErrorFromStatus(key.error());
  if (!*key) {
    return http::MakeErrorResponse(
        404, "not_found",
        fmt::format("{} \"{}\" not found", ingest::EntityNounOf(subject.kind), id));
  }
  Result<std::string> zone = DefaultZone(backend, subject.kind, id);
  if (!zone) return ErrorFromStatus(zone.error());
  const bool reading = subject.kind == model::SeriesKind::kReading;
  Result<SeriesParams> params = ReadSeriesParams(
      request, subject.kind, *zone,
      reading ? std::vector<std::string_view>{"version"} : std::vector<std::string_view>{});
  if (!params) return ErrorFromStatus(params.error());
  if (Status s = ReadVersion(request, subject.kind, &*params); !s.ok()) return ErrorFromStatus(s);
  if (params->version == "validated") return QueryValidated(backend, subject, *params, **key);
  const engine::SeriesKey series{subject.kind, **key};
  std::vector<engine::HeadSample> samples;

  if (params->interval == query::Interval::kRaw) {
    Status read = backend.store.ReadLatest(series, params->start_ms, params->end_ms, &samples,
                                           params->fields);
    if (!read.ok()) return ErrorFromStatus(read);
    if (samples.size() > kMaxRawSamples) {
      return ErrorFromStatus(Status::InvalidFields(
          {{"end", "too_many_samples",
            fmt::format("the range holds {} samples; at most {} are returned raw: narrow the "
                        "range or choose an interval",
                        samples.size(), kMaxRawSamples)}}));
    }
    const std::vector<query::Point> points = ToPoints(samples);
    NarrowToPresent(points, &*params);
    return RawResponse(subject, *params, points);
  }
  Result<std::vector<int64_t>> edges = query::BucketEdges(
      params->start_ms, params->end_ms, params->interval, params->tz, kMaxBuckets);
  if (!edges) {
    return ErrorFromStatus(
        Status::InvalidFields({{"interval", "too_many_buckets", edges.error().message()}}));
  }
  // A reading stamped at a bucket's end belongs to that bucket (its
  // interval ends there), hence the extra millisecond.
  Status read =
      backend.store.ReadLatest(series, edges->front(), edges->back() + 1, &samples, params->fields);
  if (!read.ok()) return ErrorFromStatus(read);
  const std::vector<query::Point> points = ToPoints(samples);
  NarrowToPresent(points, &*params);
  return BucketResponse(subject, *params, Bucketize(subject.kind, *params, points, *edges));
}

RouteHandler QueryHandler(SeriesBackend& backend, model::SeriesKind kind,
                          std::string_view list_key) {
  return [&backend, kind, list_key](HttpRequest& request, const PathParams& params) {
    const std::string& id = params.Get("id");
    return QuerySeries(backend, SeriesSubject{kind, id, list_key}, request);
  };
}

}  // namespace

void AddSeriesQueryRoutes(Router& router, SeriesBackend& backend) {
  router.Add("GET", "/api/v1/smart-meters/{id}/readings",
             QueryHandler(backend, model::SeriesKind::kReading, "readings"));
  router.Add("GET", "/api/v1/grid-operators/{id}/status",
             QueryHandler(backend, model::SeriesKind::kGridStatus, "status"));
  router.Add("GET", "/api/v1/weather/stations/{id}/observations",
             QueryHandler(backend, model::SeriesKind::kObservation, "observations"));
}

}  // namespace metrify::api
