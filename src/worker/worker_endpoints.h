// The HTTP side of a worker process (`metrify worker <role> --listen`):
// /health (JSON, 503 when unhealthy), /health/live, /health/ready (503
// while draining or unhealthy) and /metrics (Prometheus text), for the
// orchestrator's probes and Prometheus. Nothing else is served.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/server.h"
#include "obs/metrics.h"

namespace metrify::worker {

// What /health reports: healthy or not, and a JSON object of details.
struct WorkerHealth {
  bool healthy = true;
  std::string details_json = "{}";
};

class WorkerEndpoints {
 public:
  // `metrics` must outlive this; `check` is called per /health request.
  WorkerEndpoints(std::string role, obs::MetricsRegistry& metrics,
                  std::function<WorkerHealth()> check);
  // Binds host:port (port 0: any). Errors: the address cannot be bound.
  Status Start(const std::string& host, uint16_t port);
  void SetDraining() { draining_ = true; }
  void Stop();
  uint16_t port() const;

 private:
  http::HttpResponse Handle(http::HttpRequest& request);

  const std::string role_;
  obs::MetricsRegistry& metrics_;
  std::function<WorkerHealth()> check_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace metrify::worker
