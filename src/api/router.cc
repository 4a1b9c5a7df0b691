#include "api/router.h"

#include <cassert>

#include "common/strings.h"

namespace metrify::api {

const std::string& PathParams::Get(std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return value;
  }
  assert(false && "route has no such parameter");
  static const std::string kEmpty;
  return kEmpty;
}

void Router::Add(std::string method, std::string pattern, RouteHandler handler) {
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
}

bool Router::Match(std::string_view pattern, std::string_view path, PathParams* params) {
  std::vector<std::string_view> want = Split(pattern, '/');
  std::vector<std::string_view> got = Split(path, '/');
  // Tolerate a trailing slash. The same on both sides, or "/" (two empty
  // parts) would match nothing.
  for (auto* parts : {&want, &got}) {
    if (parts->size() > 1 && parts->back().empty()) parts->pop_back();
  }
  if (want.size() != got.size()) return false;
  PathParams found;
  for (size_t i = 0; i < want.size(); ++i) {
    std::string_view w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (got[i].empty()) return false;
      found.Add(std::string(w.substr(1, w.size() - 2)), std::string(got[i]));
    } else if (w != got[i]) {
      return false;
    }
  }
  if (params) *params = std::move(found);
  return true;
}

std::string_view Router::PatternOf(std::string_view path) const {
  for (const Route& route : routes_) {
    if (Match(route.pattern, path, nullptr)) return route.pattern;
  }
  return {};
}

http::HttpResponse Router::Dispatch(http::HttpRequest& request) const {
  std::string allowed;
  std::string_view method = request.method;
  for (int pass = 0; pass < 2; ++pass) {
    for (const Route& route : routes_) {
      PathParams params;
      if (!Match(route.pattern, request.path, &params)) continue;
      if (route.method == method) {
        request.route = route.pattern;
        return route.handler(request, params);
      }
      if (pass == 0 && allowed.find(route.method) == std::string::npos) {
        allowed += (allowed.empty() ? "" : ", ") + route.method;
      }
    }
    if (request.method != "HEAD") break;
    method = "GET";
  }
  if (allowed.empty()) {
    return http::MakeErrorResponse(404, "not_found", "no such endpoint: " + request.path);
  }
  // A known resource: label metrics by it even though no handler ran.
  for (const Route& route : routes_) {
    if (Match(route.pattern, request.path, nullptr)) {
      request.route = route.pattern;
      break;
    }
  }
  http::HttpResponse response = http::MakeErrorResponse(
      405, "method_not_allowed",
      request.method + " is not allowed on " + request.path + "; allowed: " + allowed);
  response.headers.emplace_back("Allow", allowed);
  return response;
}

}  // namespace metrify::api
