// HttpRequest and HttpResponse: the transport-neutral shape of one exchange.
// The server (http/server.h) fills requests from Boost.Beast and writes
// responses back; everything above it (api/) sees only these types, so
// handlers can be tested without a socket.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace metrify::http {

struct HttpRequest {
  std::string method;  // upper case: "GET", "POST", ...
  std::string target;  // as received: "/api/v1/smart-meters?page=2"
  std::string path;    // percent-decoded path without the query: "/api/v1/smart-meters"
  // Percent-decoded query parameters in order of appearance ('+' is a space).
  std::vector<std::pair<std::string, std::string>> query;
  // Header names are lower-cased by the server.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string request_id;  // echoed in X-Request-ID and in every log line
  std::string remote;      // "ip:port" of the peer
  // Set by the router when a route matched, e.g. "/api/v1/smart-meters/{id}".
  // Metrics are labelled by this template, never by the raw path.
  std::string route;

  // First value of a query parameter, or nullopt.
  std::optional<std::string_view> QueryParam(std::string_view name) const;
  // First value of a header (name matched case-insensitively), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers; the server adds Content-Type, Content-Length, X-Request-ID.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Splits "a=1&b=x%20y" into decoded pairs. Malformed escapes are kept as text.
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query);
// Decodes %XX escapes; when `plus_is_space`, '+' becomes ' '.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// The one error body of the whole API:
// {"error": {"code": "...", "message": "...", "details": [{"field","code","message"}]}}
HttpResponse MakeErrorResponse(int status, std::string_view code, std::string_view message,
                               const std::vector<StatusDetail>& details = {});

}  // namespace metrify::http
