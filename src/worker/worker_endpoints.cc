#include "worker/worker_endpoints.h"

#include "common/json_writer.h"

namespace metrify::worker {

namespace {

http::HttpResponse Text(int status, std::string body, std::string type) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(type);
  return r;
}

}  // namespace

WorkerEndpoints::WorkerEndpoints(std::string role, obs::MetricsRegistry& metrics,
                                 std::function<WorkerHealth()> check)
    : role_(std::move(role)), metrics_(metrics), check_(std::move(check)) {}

Status WorkerEndpoints::Start(const std::string& host, uint16_t port) {
  http::HttpServerOptions options;
  options.host = host;
  options.port = port;
  options.threads = 1;  // probes and scrapes only
  options.max_body_bytes = 1 << 10;
  options.shutdown_grace = std::chrono::milliseconds(1000);
  server_ = std::make_unique<http::HttpServer>(options,
                                               [this](http::HttpRequest& r) { return Handle(r); });
  return server_->Start();
}

void WorkerEndpoints::Stop() {
  if (server_) server_->Stop();
}

uint16_t WorkerEndpoints::port() const { return server_ ? server_->port() : 0; }

http::HttpResponse WorkerEndpoints::Handle(http::HttpRequest& request) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  request.route = path;
  if (request.method != "GET") {
    return http::MakeErrorResponse(405, "method_not_allowed", "a worker answers GET only");
  }
  if (path == "/metrics") {
    return Text(200, metrics_.Render(), "text/plain; version=0.0.4; charset=utf-8");
  }
  if (path == "/health/live") return Text(200, R"({"status":"alive"})", "application/json");
  if (path == "/health" || path == "/health/ready") {
    const WorkerHealth health = check_();
    if (path == "/health/ready") {
      if (draining_) return http::MakeErrorResponse(503, "draining", "worker is shutting down");
      if (!health.healthy) return http::MakeErrorResponse(503, "unhealthy", "see /health");
      return Text(200, R"({"status":"ready"})", "application/json");
    }
    JsonWriter w;
    w.BeginObject();
    w.Key("status").String(health.healthy ? "healthy" : "unhealthy");
    w.Key("role").String(role_);
    w.Key("version").String(METRIFY_VERSION);
    w.Key("details").Raw(health.details_json);
    w.EndObject();
    return Text(health.healthy ? 200 : 503, w.Take(), "application/json");
  }
  return http::MakeErrorResponse(404, "not_found", "no such endpoint on a worker: " + path);
}

}  // namespace metrify::worker
