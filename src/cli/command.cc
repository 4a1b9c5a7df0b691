#include "cli/command.h"

#include <simdjson.h>

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

namespace metrify::cli {

void Fail(ExitCode code, const std::string& message) {
  std::cerr << "metrify: " << message << "\n";
  throw CLI::RuntimeError(code);
}

void FailIfError(const Status& status) {
  if (!status.ok()) Fail(ExitCodeFor(status), status.message());
}

void AddServerOption(CLI::App& command, std::string* url) {
  const char* env = std::getenv("METRIFY_URL");
  *url = env && *env ? env : "http://127.0.0.1:8000";
  command.add_option("--server", *url, "URL of the Metrify server (env METRIFY_URL)")
      ->capture_default_str();
}

std::unique_ptr<http::HttpClient> ConnectOrFail(const std::string& url) {
  auto client = http::HttpClient::Connect(url);
  if (!client.has_value()) Fail(kExitUsage, client.error().message());
  return std::move(client).value();
}

namespace {
// "message" plus one line per detail, from the API's error body.
std::string DescribeError(const http::ClientResponse& response) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view message;
  if (parser.parse(response.body).get(doc) || doc["error"]["message"].get(message)) {
    return fmt::format("server answered {}: {}", response.status, response.body.substr(0, 200));
  }
  std::string text(message);
  simdjson::dom::array details;
  if (!doc["error"]["details"].get(details)) {
    for (auto detail : details) {
      std::string_view field, detail_message;
      if (detail["message"].get(detail_message)) continue;
      // A single problem is the message itself (Status::InvalidFields): say it once.
      if (details.size() == 1 && detail_message == message) continue;
      if (!detail["field"].get(field) && detail_message.find(field) == std::string_view::npos) {
        text += fmt::format("\n  {}: {}", field, detail_message);
      } else {
        text += fmt::format("\n  {}", detail_message);
      }
    }
  }
  return text;
}
}  // namespace

http::ClientResponse SendOrFail(http::HttpClient& client, std::string_view method,
                                std::string_view target, std::string body,
                                std::string_view content_type) {
  Result<http::ClientResponse> response =
      client.Send(method, target, std::move(body), content_type);
  if (!response.has_value()) {
    Fail(kExitUnavailable, response.error().message() + " (is `metrify serve` running?)");
  }
  if (response->status >= 300) Fail(ExitCodeForHttp(response->status), DescribeError(*response));
  return std::move(response).value();
}

}  // namespace metrify::cli
