// ChunkSender: posts ingest bodies to one target and rides out the server's
// back-pressure. A 503 whose error code is "overloaded" means nothing was
// stored and the same body should come again (docs/api.md): the sender waits
// (1 s, then doubling up to 8 s; the server's Retry-After is 1 s) and resends,
// until the body is taken or `retry_for` has passed.
//
// Not thread-safe; uses the caller's client.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/client.h"

namespace metrify::cli {

class ChunkSender {
 public:
  // `client` must outlive the sender.
  ChunkSender(http::HttpClient& client, std::string target, std::string_view content_type,
              std::chrono::milliseconds retry_for)
      : client_(client),
        target_(std::move(target)),
        content_type_(content_type),
        retry_for_(retry_for) {}

  // The server's answer to `body` (any status but 503 overloaded).
  // Errors: Unavailable when the server cannot be reached;
  // ResourceExhausted when it was still overloaded when retry_for ran out.
  Result<http::ClientResponse> Post(const std::string& body);

  // Resends so far, over all bodies.
  int retries() const { return retries_; }

 private:
  http::HttpClient& client_;
  std::string target_;
  std::string content_type_;
  std::chrono::milliseconds retry_for_;
  int retries_ = 0;
};

// True for the API's back-pressure answer: 503 with error code "overloaded".
bool IsOverloaded(const http::ClientResponse& response);

}  // namespace metrify::cli
