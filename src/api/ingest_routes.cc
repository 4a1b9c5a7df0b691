// POST handlers of the series resources (series_routes.h).
#include <string>

#include "api/responses.h"
#include "api/series_routes.h"
#include "common/json_writer.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

std::string OutcomeJson(const ingest::IngestOutcome& o) {
  JsonWriter w;
  w.BeginObject();
  w.Key("items").Int(static_cast<int64_t>(o.items));
  w.Key("accepted").Int(static_cast<int64_t>(o.accepted));
  w.Key("rejected").Int(static_cast<int64_t>(o.rejected));
  w.Key("inserted").Int(static_cast<int64_t>(o.inserted));
  w.Key("unchanged").Int(static_cast<int64_t>(o.unchanged));
  w.Key("revised").Int(static_cast<int64_t>(o.revised));
  w.Key("registered").Int(static_cast<int64_t>(o.registered));
  w.Key("queued").Int(static_cast<int64_t>(o.queued));
  w.Key("errors").BeginArray();
  for (const parse::ItemError& e : o.errors) {
    w.BeginObject();
    w.Key("index").Int(static_cast<int64_t>(e.index));
    if (e.line > 0) w.Key("line").Int(static_cast<int64_t>(e.line));
    if (!e.field.empty()) w.Key("field").String(e.field);
    w.Key("code").String(e.code);
    w.Key("message").String(e.message);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

HttpResponse Ingest(SeriesBackend& backend, model::SeriesKind kind, HttpRequest& request,
                    std::string_view path_id) {
  // No Content-Type: a JSON array, the API's default body.
  parse::BodyFormat format = parse::BodyFormat::kJsonArray;
  if (auto type = request.Header("content-type"); type && !type->empty()) {
    Result<parse::BodyFormat> parsed = parse::FormatFromContentType(*type);
    if (!parsed) {
      return http::MakeErrorResponse(415, "unsupported_media_type", parsed.error().message());
    }
    format = *parsed;
  }
  Result<ingest::IngestOutcome> outcome =
      backend.ingest.Ingest(kind, &request.body, format, path_id);
  if (!outcome) {
    const Status& error = outcome.error();
    if (error.code() == StatusCode::kInvalidArgument) {
      return http::MakeErrorResponse(400, "bad_request", error.message());
    }
    if (error.code() == StatusCode::kResourceExhausted) {
      // Back-pressure: nothing was stored; the client retries the same body.
      HttpResponse r = http::MakeErrorResponse(503, "overloaded", error.message());
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    return ErrorFromStatus(error);
  }
  return JsonResponse(200, OutcomeJson(*outcome));
}

RouteHandler IngestHandler(SeriesBackend& backend, model::SeriesKind kind) {
  return [&backend, kind](HttpRequest& request, const PathParams& params) {
    return Ingest(backend, kind, request, params.Get("id"));
  };
}

}  // namespace

void AddIngestRoutes(Router& router, SeriesBackend& backend) {
  router.Add("POST", "/api/v1/readings", [&backend](HttpRequest& request, const PathParams&) {
    return Ingest(backend, model::SeriesKind::kReading, request, "");
  });
  router.Add("POST", "/api/v1/smart-meters/{id}/readings",
             IngestHandler(backend, model::SeriesKind::kReading));
  router.Add("POST", "/api/v1/grid-operators/{id}/status",
             IngestHandler(backend, model::SeriesKind::kGridStatus));
  router.Add("POST", "/api/v1/weather/stations/{id}/observations",
             IngestHandler(backend, model::SeriesKind::kObservation));
}

}  // namespace metrify::api
