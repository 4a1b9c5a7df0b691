#include "api/entity_routes.h"

#include <fmt/format.h>

#include "api/entity_json.h"
#include "api/json_body.h"
#include "common/strings.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

template <typename T>
HttpResponse EntityResponse(int status, const Result<T>& result) {
  if (!result.has_value()) return ErrorFromStatus(result.error());
  return JsonResponse(status, EntityJson(*result));
}

// Pages beyond this are refused so page * page_size cannot overflow.
constexpr int64_t kMaxPage = 1'000'000'000;

std::optional<int64_t> ParsePositive(std::string_view text, int64_t max) {
  auto n = ParseInt(text);
  if (!n || *n < 1 || *n > max) return std::nullopt;
  return *n;
}

// Turns query parameters into a ListQuery. Filter values go through the
// field's own setter, so "status=active" is checked and canonicalised to
// "ACTIVE" exactly as in a body. Unknown parameters are refused: a typo such
// as ?stauts=ACTIVE must not silently list everything.
template <typename T>
Result<store::ListQuery> ReadListQuery(const HttpRequest& request) {
  store::ListQuery query;
  query.page_size = kDefaultPageSize;
  std::vector<StatusDetail> errors;
  for (const auto& [name, text] : request.query) {
    if (name == "page" || name == "page_size") {
      int64_t max = name == "page" ? kMaxPage : kMaxPageSize;
      auto n = ParsePositive(text, max);
      if (!n) {
        errors.push_back({name, "out_of_range",
                          fmt::format("{} must be a whole number from 1 to {}", name, max)});
      } else {
        (name == "page" ? query.page : query.page_size) = *n;
      }
      continue;
    }
    const model::FieldSpec<T>* field = nullptr;
    for (const auto& f : model::EntityTraits<T>::Fields()) {
      if (!f.filter_param.empty() && f.filter_param == name) field = &f;
    }
    if (!field) {
      errors.push_back(
          {name, "unknown_parameter", fmt::format("unknown query parameter \"{}\"", name)});
      continue;
    }
    T scratch;
    if (auto error = field->set(scratch, model::FieldValue(std::string(text)))) {
      errors.push_back({name, error->code, error->message});
      continue;
    }
    query.filters.emplace_back(field->name, field->get(scratch));
  }
  if (!errors.empty()) return Status::InvalidFields(std::move(errors));
  return query;
}

template <typename T>
HttpResponse HandleCreate(registry::Registry& registry, const std::string& base,
                          HttpRequest& request) {
  model::FieldValues values;
  if (auto error = ParseJsonObject(request.body, &values)) return *error;
  Result<T> created = registry.Create<T>(values);
  HttpResponse response = EntityResponse(201, created);
  if (created.has_value()) response.headers.emplace_back("Location", base + "/" + created->id);
  return response;
}

template <typename T>
HttpResponse HandleList(registry::Registry& registry, HttpRequest& request) {
  Result<store::ListQuery> query = ReadListQuery<T>(request);
  if (!query.has_value()) return ErrorFromStatus(query.error());
  Result<store::Page<T>> page = registry.List<T>(*query);
  if (!page.has_value()) return ErrorFromStatus(page.error());
  return JsonResponse(200, PageJson(*page, *query));
}

template <typename T>
HttpResponse HandleImport(registry::Registry& registry, HttpRequest& request) {
  registry::ImportOptions options;
  auto upsert = request.QueryParam("upsert");
  if (upsert && *upsert != "true" && *upsert != "false") {
    return http::MakeErrorResponse(422, "validation_failed", "upsert must be true or false",
                                   {{"upsert", "invalid_choice", "upsert must be true or false"}});
  }
  options.upsert = upsert && *upsert == "true";
  Result<registry::ImportReport> report = registry::ImportCsv<T>(registry, request.body, options);
  if (!report.has_value()) return ErrorFromStatus(report.error());
  return JsonResponse(200, ImportReportJson(*report));
}

// PUT and PATCH differ only in the registry call.
template <typename T, typename Write>
RouteHandler UpdateHandler(Write write) {
  return [write](HttpRequest& request, const PathParams& params) {
    model::FieldValues values;
    if (auto error = ParseJsonObject(request.body, &values)) return *error;
    return EntityResponse(200, write(params.Get("id"), values));
  };
}

}  // namespace

template <typename T>
void AddEntityRoutes(Router& router, registry::Registry& registry, const std::string& base) {
  registry::Registry* r = &registry;
  const std::string item = base + "/{id}";
  router.Add("POST", base, [r, base](HttpRequest& req, const PathParams&) {
    return HandleCreate<T>(*r, base, req);
  });
  router.Add("GET", base,
             [r](HttpRequest& req, const PathParams&) { return HandleList<T>(*r, req); });
  router.Add("POST", base + "/import",
             [r](HttpRequest& req, const PathParams&) { return HandleImport<T>(*r, req); });
  router.Add("GET", item, [r](HttpRequest&, const PathParams& p) {
    return EntityResponse(200, r->Get<T>(p.Get("id")));
  });
  router.Add("PUT", item, UpdateHandler<T>([r](const std::string& id, const model::FieldValues& v) {
               return r->Replace<T>(id, v);
             }));
  router.Add("PATCH", item,
             UpdateHandler<T>([r](const std::string& id, const model::FieldValues& v) {
               return r->Patch<T>(id, v);
             }));
  router.Add("DELETE", item, [r](HttpRequest&, const PathParams& p) {
    Status status = r->Delete<T>(p.Get("id"));
    if (!status.ok()) return ErrorFromStatus(status);
    HttpResponse response;
    response.status = 204;
    response.content_type.clear();
    return response;
  });
}

template void AddEntityRoutes<model::Meter>(Router&, registry::Registry&, const std::string&);
template void AddEntityRoutes<model::GridOperator>(Router&, registry::Registry&,
                                                   const std::string&);
template void AddEntityRoutes<model::WeatherStation>(Router&, registry::Registry&,
                                                     const std::string&);

}  // namespace metrify::api
