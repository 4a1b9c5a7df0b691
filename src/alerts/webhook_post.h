// One webhook attempt on the wire: a single HTTP/1.1 POST on a fresh
// connection, bounded by one deadline. WebhookNotifier (alerts/webhook.h)
// decides what the outcome means and whether to retry.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/webhook_url.h"

namespace metrify::alerts {

using WebhookHeaders = std::vector<std::pair<std::string, std::string>>;

struct PostOutcome {
  // The receiver's HTTP status, or 0 when no response arrived.
  int status = 0;
  // Why no response arrived ("cannot connect: Connection refused",
  // "timed out after 5000 ms"); empty when status != 0. Never contains
  // header values or the body, so a secret cannot leak through it.
  std::string error;
};

// POSTs `body` to `url` with `headers` added (Host, User-Agent,
// Content-Length and "Connection: close" are set here). Resolving,
// connecting, sending and reading the response header all share one
// deadline `timeout` from the call; the response body is read best-effort
// (at most 64 KiB) and dropped. Blocks the calling thread. Thread-safe: each
// call owns its own io_context.
PostOutcome PostWebhook(const WebhookUrl& url, const WebhookHeaders& headers, std::string_view body,
                        std::chrono::milliseconds timeout);

}  // namespace metrify::alerts
