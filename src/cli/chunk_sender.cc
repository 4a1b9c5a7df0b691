#include "cli/chunk_sender.h"

#include <simdjson.h>

#include <algorithm>
#include <thread>

#include <fmt/format.h>

namespace metrify::cli {

namespace {

constexpr std::chrono::milliseconds kFirstWait{1000};
constexpr std::chrono::milliseconds kLongestWait{8000};

}  // namespace

bool IsOverloaded(const http::ClientResponse& response) {
  if (response.status != 503) return false;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view code;
  return !parser.parse(response.body).get(doc) && !doc["error"]["code"].get(code) &&
         code == "overloaded";
}

Result<http::ClientResponse> ChunkSender::Post(const std::string& body) {
  const auto deadline = std::chrono::steady_clock::now() + retry_for_;
  std::chrono::milliseconds wait = kFirstWait;
  while (true) {
    Result<http::ClientResponse> response = client_.Send("POST", target_, body, content_type_);
    if (!response.has_value() || !IsOverloaded(*response)) return response;
    if (std::chrono::steady_clock::now() + wait > deadline) {
      return Status::ResourceExhausted(fmt::format(
          "the server is still overloaded (503) after {} s of retries (--retry-for); nothing of "
          "this batch was stored",
          std::chrono::duration_cast<std::chrono::seconds>(retry_for_).count()));
    }
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, kLongestWait);
    ++retries_;
  }
}

}  // namespace metrify::cli
