// Router: maps (method, path) to a handler by route templates such as
// "/api/v1/smart-meters/{id}". It records the matched template on the
// request so metrics and logs are labelled by template, never by raw path.
//
// Routes are added before serving starts; Dispatch is then thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"

namespace metrify::api {

// Values of the {placeholders} of the matched template, percent-decoded.
class PathParams {
 public:
  void Add(std::string name, std::string value) {
    values_.emplace_back(std::move(name), std::move(value));
  }
  // REQUIRES: the template has {name}.
  const std::string& Get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

using RouteHandler = std::function<http::HttpResponse(http::HttpRequest&, const PathParams&)>;

struct Route {
  std::string method;
  std::string pattern;
  RouteHandler handler;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, RouteHandler handler);

  // Runs the handler of the first matching route. No template matches: 404.
  // A template matches but not the method: 405 with an Allow header. HEAD
  // falls back to the GET route (the server drops the body).
  http::HttpResponse Dispatch(http::HttpRequest& request) const;

  const std::vector<Route>& routes() const { return routes_; }
  // The first template matching `path` whatever the method; empty when none.
  // For labelling metrics of requests answered before dispatch (429).
  std::string_view PatternOf(std::string_view path) const;

 private:
  static bool Match(std::string_view pattern, std::string_view path, PathParams* params);
  std::vector<Route> routes_;
};

}  // namespace metrify::api
