// HttpClient: a small blocking HTTP/1.1 client for the CLI (and later the
// simulator's --to) to talk to a Metrify server. One keep-alive connection,
// reopened when the server has closed it. Failures come back as Status:
// Unavailable when the server cannot be reached, so the CLI can say so.
//
// Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace metrify::http {

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class HttpClient {
 public:
  // `base_url` is "http://HOST:PORT" (a path prefix is not supported; https
  // is not supported yet). Errors: InvalidArgument naming the URL.
  static Result<std::unique_ptr<HttpClient>> Connect(std::string_view base_url);
  ~HttpClient();

  // Sends one request; `target` starts with '/'. Errors: Unavailable when
  // the connection fails or times out.
  Result<ClientResponse> Send(std::string_view method, std::string_view target,
                              std::string body = "", std::string_view content_type = "");

  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  const std::string& base_url() const { return base_url_; }

 private:
  struct Connection;
  HttpClient(std::string base_url, std::string host, std::string port);
  Result<ClientResponse> Attempt(std::string_view method, std::string_view target,
                                 const std::string& body, std::string_view content_type);

  std::string base_url_;
  std::string host_;
  std::string port_;
  std::chrono::milliseconds timeout_{std::chrono::minutes(5)};
  std::unique_ptr<Connection> connection_;
};

}  // namespace metrify::http
