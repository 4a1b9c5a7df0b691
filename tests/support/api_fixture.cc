#include "support/api_fixture.h"

#include <chrono>
#include <cstdlib>
#include <thread>

#include "support/scaled_api_servers.h"

namespace metrify::test {

std::unique_ptr<ServerProcess> ServerTest::server_;

bool ServerTest::scaled() { return ScaledTestMode(); }

void ServerTest::StartServer(ServerOptions options) {
  if (!scaled()) {
    server_ = std::make_unique<ServerProcess>(std::move(options));
    return;
  }
  StopServer();
  ScaledApiServers& servers = ScaledApiServers::Shared();
  try {
    server_ = servers.Start(options);
  } catch (...) {
    servers.Stop();
    throw;
  }
}

void ServerTest::StopServer() {
  server_.reset();
  if (scaled()) ScaledApiServers::Shared().Stop();
}

TestHttpClient& ServerTest::http() {
  if (!http_) {
    http_ = std::make_unique<TestHttpClient>("127.0.0.1", server_->port());
    if (scaled()) {
      http_->set_after_request([](std::string_view method, std::string_view target) {
        if (QueuesIngestWork(method, target)) ScaledApiServers::Shared().WaitUntilStored();
      });
    }
  }
  return *http_;
}

std::string ItemPath(std::string_view base, std::string_view id) {
  return std::string(base) + "/" + std::string(id);
}

namespace {

::testing::AssertionResult CheckDetail(const JsonDoc& doc, size_t i) {
  std::string at = "/error/details/" + std::to_string(i);
  simdjson::dom::object detail;
  if (doc.root().at_pointer(at).get_object().get(detail)) {
    return ::testing::AssertionFailure() << at << " is not an object";
  }
  for (auto [key, value] : detail) {
    if (key != "field" && key != "code" && key != "message") {
      return ::testing::AssertionFailure() << at << " has an unexpected member " << key;
    }
    if (!value.is_string())
      return ::testing::AssertionFailure() << at << "/" << key << " is not a string";
  }
  if (!doc.Has(at + "/code") || !doc.Has(at + "/message")) {
    return ::testing::AssertionFailure() << at << " lacks code or message";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult IsApiError(const TestResponse& response, int status,
                                      std::string_view code) {
  auto failure = [&]() {
    return ::testing::AssertionFailure()
           << "status " << response.status << ", body " << response.body << ": ";
  };
  if (response.status != status) return failure() << "expected status " << status;
  if (!response.Header("Content-Type").starts_with("application/json")) {
    return failure() << "Content-Type is \"" << response.Header("Content-Type") << "\"";
  }
  JsonDoc doc(response.body);
  simdjson::dom::object root, error;
  if (!doc.ok() || doc.root().get_object().get(root) || root.size() != 1 ||
      doc.root()["error"].get_object().get(error)) {
    return failure() << "not an object with exactly one member \"error\"";
  }
  if (error.size() != 3) return failure() << "error must have exactly code, message, details";
  std::string_view got_code, message;
  simdjson::dom::array details;
  if (error["code"].get(got_code) || error["message"].get(message) ||
      error["details"].get(details)) {
    return failure() << "code and message must be strings and details an array";
  }
  if (got_code != code) return failure() << "expected code \"" << code << "\"";
  if (message.empty()) return failure() << "message is empty";
  for (size_t i = 0; i < details.size(); ++i) {
    if (auto ok = CheckDetail(doc, i); !ok) return failure() << ok.message();
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::string> ErrorDetails(const TestResponse& response) {
  JsonDoc doc(response.body);
  std::vector<std::string> out;
  simdjson::dom::array details;
  if (!doc.ok() || doc.root().at_pointer("/error/details").get(details)) return out;
  for (auto detail : details) {
    std::string_view field, code;
    if (detail["field"].get(field)) field = {};  // a detail about the whole body
    if (detail["code"].get(code)) code = {};
    out.push_back(std::string(field) + ":" + std::string(code));
  }
  return out;
}

std::optional<double> MetricValue(std::string_view exposition, std::string_view name,
                                  std::string_view labels) {
  std::string prefix =
      std::string(name) + (labels.empty() ? "" : "{" + std::string(labels) + "}") + " ";
  size_t pos = 0;
  while (pos < exposition.size()) {
    size_t end = exposition.find('\n', pos);
    if (end == std::string_view::npos) end = exposition.size();
    std::string_view line = exposition.substr(pos, end - pos);
    if (line.starts_with(prefix)) {
      return std::strtod(std::string(line.substr(prefix.size())).c_str(), nullptr);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<double> ScrapeUntil(TestHttpClient& client, std::string_view name,
                                  std::string_view labels, double at_least) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<double> value;
  for (;;) {
    value = MetricValue(client.Get("/metrics").body, name, labels);
    if ((value && *value >= at_least) || std::chrono::steady_clock::now() > deadline) return value;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace metrify::test
