// HttpServer over real sockets on 127.0.0.1: request decoding, keep-alive,
// server-made errors, request ids, timeouts, graceful stop and load.
//
// Waits are for conditions with generous deadlines, never fixed sleeps, so
// the tests hold on a loaded 2-core machine.
#include "http/server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <tuple>

#include "common/strings.h"
#include "support/http_client.h"

namespace metrify::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::RawConnection;
using test::RawExchange;
using test::TestHttpClient;
using test::TestResponse;
using Clock = std::chrono::steady_clock;

constexpr seconds kPatience{10};  // upper bound for anything awaited

HttpResponse TextResponse(std::string body) {
  HttpResponse response;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

// Echoes the request body; handy default.
HttpResponse Echo(HttpRequest& request) { return TextResponse(std::move(request.body)); }

bool IsGeneratedId(const std::string& id) {
  return std::regex_match(id, std::regex("[0-9a-f]{16}"));
}

class HttpServerTest : public ::testing::Test {
 protected:
  static HttpServerOptions Options() {
    HttpServerOptions options;
    options.port = 0;
    options.threads = 4;
    return options;
  }

  void Start(HttpServerOptions options, HttpHandler handler, HttpObserver observer = {}) {
    server_ =
        std::make_unique<HttpServer>(std::move(options), std::move(handler), std::move(observer));
    Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  TestHttpClient Client() { return TestHttpClient("127.0.0.1", port_); }

  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(HttpServerTest, GetRoundTripDecodesPathQueryAndHeaders) {
  std::mutex mutex;
  HttpRequest seen;
  ASSERT_NO_FATAL_FAILURE(Start(Options(), [&](HttpRequest& request) {
    std::lock_guard lock(mutex);
    seen = request;
    return TextResponse("hello");
  }));
  TestHttpClient client = Client();
  TestResponse response =
      client.Get("/meters/a%20b+c?x=1&name=hello+world%21&flag", {{"X-Custom", "Value"}});

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello");
  EXPECT_EQ(response.Header("content-type"), "text/plain");
  EXPECT_EQ(response.Header("content-length"), "5");
  EXPECT_EQ(response.Header("server"), "metrify");
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/meters/a%20b+c?x=1&name=hello+world%21&flag");
  EXPECT_EQ(seen.path, "/meters/a b+c");  // '+' is a space only in queries
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(seen.query, (Pairs{{"x", "1"}, {"name", "hello world!"}, {"flag", ""}}));
  EXPECT_EQ(seen.Header("X-CUSTOM").value_or(""), "Value");
  bool names_lower_case = true;
  for (const auto& [name, value] : seen.headers) names_lower_case &= name == ToLower(name);
  EXPECT_TRUE(names_lower_case);
  EXPECT_EQ(seen.remote.rfind("127.0.0.1:", 0), 0u) << seen.remote;
  EXPECT_TRUE(seen.route.empty());
}

TEST_F(HttpServerTest, MethodIsUpperCasedAndBodyDelivered) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), [](HttpRequest& request) {
    return TextResponse(request.method + ":" + request.body);
  }));
  TestHttpClient client = Client();
  EXPECT_EQ(client.Request("patch", "/x", "payload").body, "PATCH:payload");
  EXPECT_EQ(client.Post("/x", "{\"a\":1}").body, "POST:{\"a\":1}");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::mutex mutex;
  std::set<std::string> remotes;
  ASSERT_NO_FATAL_FAILURE(Start(Options(), [&](HttpRequest& request) {
    std::lock_guard lock(mutex);
    remotes.insert(request.remote);
    return TextResponse("ok");
  }));
  TestHttpClient client = Client();
  for (int i = 0; i < 5; ++i) {
    TestResponse response = client.Get("/ping");
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.Header("connection"), "close");
  }
  EXPECT_EQ(client.connections_opened(), 1);
  std::lock_guard lock(mutex);
  EXPECT_EQ(remotes.size(), 1u);  // one peer port: one server-side connection
}

TEST_F(HttpServerTest, ConnectionCloseRequestClosesAfterResponse) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), Echo));
  RawConnection connection(port_);
  connection.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string reply = connection.ReceiveUntilClosed(kPatience);
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_NO_FATAL_FAILURE(
      Start(Options(), [](HttpRequest& request) { return TextResponse("path=" + request.path); }));
  RawConnection connection(port_);
  connection.Send(
      "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string reply = connection.ReceiveUntilClosed(kPatience);
  size_t first = reply.find("path=/first");
  size_t second = reply.find("path=/second");
  ASSERT_NE(first, std::string::npos) << reply;
  ASSERT_NE(second, std::string::npos) << reply;
  EXPECT_LT(first, second);
}

TEST_F(HttpServerTest, HeadGetsGetHeadersWithoutBody) {
  ASSERT_NO_FATAL_FAILURE(
      Start(Options(), [](HttpRequest&) { return TextResponse("twelve bytes"); }));
  TestHttpClient client = Client();
  TestResponse head = client.Request("HEAD", "/doc");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.Header("content-length"), "12");
  EXPECT_EQ(client.Get("/doc").body, "twelve bytes");  // connection still in step
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpServerTest, BodyOverLimitGets413WithJsonErrorAndCloses) {
  HttpServerOptions options = Options();
  options.max_body_bytes = 1024;
  std::atomic<int> handled{0};
  ASSERT_NO_FATAL_FAILURE(Start(options, [&](HttpRequest& request) {
    ++handled;
    return Echo(request);
  }));
  TestHttpClient client = Client();
  EXPECT_EQ(client.Post("/x", std::string(1024, 'a')).status, 200);  // at the limit
  TestResponse response = client.Post("/x", std::string(4096, 'a'));
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(response.Header("connection"), "close");
  EXPECT_NE(response.body.find("\"code\":\"payload_too_large\""), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("1024 bytes"), std::string::npos) << response.body;
  EXPECT_TRUE(IsGeneratedId(response.Header("x-request-id")));
  EXPECT_EQ(handled.load(), 1);
}

TEST_F(HttpServerTest, OversizedBodyWithExpectContinueGets413InsteadOf100) {
  HttpServerOptions options = Options();
  options.max_body_bytes = 1024;
  ASSERT_NO_FATAL_FAILURE(Start(options, Echo));
  RawConnection connection(port_);
  connection.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
      "Expect: 100-continue\r\n\r\n");
  std::string reply = connection.ReceiveUntilClosed(kPatience);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << reply;
  EXPECT_TRUE(connection.closed());
}

TEST_F(HttpServerTest, ExpectContinueGets100ThenTheResponse) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), Echo));
  RawConnection connection(port_);
  connection.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
      "Connection: close\r\n\r\n");
  EXPECT_EQ(connection.ReceiveUntil("\r\n\r\n", kPatience), "HTTP/1.1 100 Continue\r\n\r\n");
  connection.Send("hello");
  std::string reply = connection.ReceiveUntilClosed(kPatience);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_EQ(reply.substr(reply.size() - 5), "hello");
}

TEST_F(HttpServerTest, MalformedRequestGets400AndCloses) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), Echo));
  RawConnection connection(port_);
  connection.Send("THIS IS NOT HTTP\r\n\r\n");
  std::string reply = connection.ReceiveUntilClosed(kPatience);
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"code\":\"bad_request\""), std::string::npos) << reply;
  EXPECT_NE(reply.find("X-Request-ID: "), std::string::npos) << reply;
}

TEST_F(HttpServerTest, OversizedHeadersGet431) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), Echo));
  std::string reply = RawExchange(
      port_, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(40000, 'h') + "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431 ", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("\"code\":\"headers_too_large\""), std::string::npos);
}

TEST_F(HttpServerTest, HandlerExceptionGives500WithoutItsText) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), [](HttpRequest& request) -> HttpResponse {
    if (request.path == "/boom") throw std::runtime_error("secret-db-password");
    return TextResponse("fine");
  }));
  TestHttpClient client = Client();
  TestResponse response = client.Get("/boom");
  EXPECT_EQ(response.status, 500);
  EXPECT_NE(response.body.find("\"code\":\"internal\""), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("\"message\":\"internal error\""), std::string::npos);
  EXPECT_EQ(response.body.find("secret"), std::string::npos) << response.body;
  EXPECT_TRUE(IsGeneratedId(response.Header("x-request-id")));
  EXPECT_EQ(client.Get("/ok").body, "fine");  // the connection survives
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpServerTest, RequestIdIsGeneratedWhenAbsent) {
  std::mutex mutex;
  std::vector<std::string> ids;
  ASSERT_NO_FATAL_FAILURE(Start(Options(), [&](HttpRequest& request) {
    std::lock_guard lock(mutex);
    ids.push_back(request.request_id);
    return TextResponse("");
  }));
  TestHttpClient client = Client();
  std::string first = client.Get("/").Header("x-request-id");
  std::string second = client.Get("/").Header("x-request-id");
  EXPECT_TRUE(IsGeneratedId(first)) << first;
  EXPECT_TRUE(IsGeneratedId(second)) << second;
  EXPECT_NE(first, second);
  std::lock_guard lock(mutex);
  EXPECT_EQ(ids, (std::vector<std::string>{first, second}));
}

TEST_F(HttpServerTest, ValidRequestIdIsEchoed) {
  ASSERT_NO_FATAL_FAILURE(
      Start(Options(), [](HttpRequest& request) { return TextResponse(request.request_id); }));
  TestHttpClient client = Client();
  std::string id = "Client-42.retry:3_x";
  TestResponse response = client.Get("/", {{"X-Request-ID", id}});
  EXPECT_EQ(response.Header("x-request-id"), id);
  EXPECT_EQ(response.body, id);
  std::string longest(64, 'a');
  EXPECT_EQ(client.Get("/", {{"x-request-id", longest}}).Header("x-request-id"), longest);
}

TEST_F(HttpServerTest, InvalidRequestIdIsReplaced) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), Echo));
  TestHttpClient client = Client();
  for (std::string bad : {std::string("has space"), std::string(65, 'a'), std::string("a/b"),
                          std::string("quote\"")}) {
    std::string id = client.Get("/", {{"X-Request-ID", bad}}).Header("x-request-id");
    EXPECT_TRUE(IsGeneratedId(id)) << "sent '" << bad << "', got '" << id << "'";
  }
}

TEST_F(HttpServerTest, ReadTimeoutClosesHalfSentRequestQuietly) {
  HttpServerOptions options = Options();
  options.read_timeout = milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(Start(options, Echo));
  for (std::string half :
       {std::string("GET / HTTP/1.1\r\nHost: x\r\n"),
        std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")}) {
    RawConnection connection(port_);
    auto start = Clock::now();
    connection.Send(half);
    std::string reply = connection.ReceiveUntilClosed(kPatience);
    EXPECT_TRUE(connection.closed()) << half;
    EXPECT_EQ(reply, "") << half;  // no response, just closed
    EXPECT_GE(Clock::now() - start, milliseconds(250)) << half;
  }
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  HttpServerOptions options = Options();
  options.idle_timeout = milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(Start(options, Echo));
  RawConnection connection(port_);
  connection.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string reply = connection.ReceiveUntilClosed(kPatience);
  EXPECT_TRUE(connection.closed());
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_EQ(reply.find("Connection: close"), std::string::npos) << reply;
}

TEST_F(HttpServerTest, ObserverSeesEveryResponseIncludingServerMadeErrors) {
  HttpServerOptions options = Options();
  options.max_body_bytes = 16;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::tuple<int, std::string, std::string>> seen;  // status, route, method
  auto observer = [&](const HttpRequest& request, const HttpResponse& response, double seconds) {
    EXPECT_GE(seconds, 0.0);
    std::lock_guard lock(mutex);
    seen.emplace_back(response.status, request.route, request.method);
    changed.notify_all();
  };
  ASSERT_NO_FATAL_FAILURE(Start(
      options,
      [](HttpRequest& request) {
        request.route = "/r/{id}";
        return TextResponse("ok");
      },
      observer));
  TestHttpClient client = Client();
  EXPECT_EQ(client.Get("/r/1").status, 200);
  EXPECT_EQ(client.Post("/r/1", std::string(100, 'x')).status, 413);
  RawExchange(port_, "NONSENSE\r\n\r\n");

  std::unique_lock lock(mutex);
  ASSERT_TRUE(changed.wait_for(lock, kPatience, [&] { return seen.size() >= 3; }));
  std::sort(seen.begin(), seen.end());
  using Row = std::tuple<int, std::string, std::string>;
  EXPECT_EQ(seen, (std::vector<Row>{{200, "/r/{id}", "GET"}, {400, "", ""}, {413, "", "POST"}}));
}

TEST_F(HttpServerTest, StartFailsWithClearMessageWhenPortIsTaken) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), Echo));
  HttpServerOptions options = Options();
  options.port = port_;
  HttpServer second(options, Echo);
  Status status = second.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kIOError);
  EXPECT_EQ(status.message(),
            "cannot listen on 127.0.0.1:" + std::to_string(port_) + ": Address already in use");
}

TEST_F(HttpServerTest, StopLetsInFlightRequestFinishAndRefusesNewConnections) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_NO_FATAL_FAILURE(Start(Options(), [&](HttpRequest& request) {
    if (request.path == "/slow") {
      entered.set_value();
      // Stands in for a 300 ms handler, but ends when the test says so, so
      // the request is surely in flight while Stop() begins.
      released.wait_for(kPatience);
    }
    return TextResponse("done");
  }));
  TestHttpClient idle_client = Client();
  ASSERT_EQ(idle_client.Get("/warm").status, 200);  // an idle keep-alive connection

  auto slow = std::async(std::launch::async, [this] { return Client().Get("/slow"); });
  ASSERT_EQ(entered.get_future().wait_for(kPatience), std::future_status::ready);
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server_->Stop();
    stopped = true;
  });

  bool refused = false;
  for (auto deadline = Clock::now() + kPatience; !refused && Clock::now() < deadline;) {
    try {
      RawConnection probe(port_);
      std::this_thread::sleep_for(milliseconds(5));  // polling; the condition is the refusal
    } catch (const boost::system::system_error&) {
      refused = true;
    }
  }
  EXPECT_TRUE(refused);
  EXPECT_FALSE(stopped.load());  // still waiting for /slow
  release.set_value();

  TestResponse response = slow.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "done");
  EXPECT_EQ(response.Header("connection"), "close");
  stopper.join();
  EXPECT_TRUE(stopped.load());
  EXPECT_THROW(idle_client.Get("/again"), boost::system::system_error);
}

TEST_F(HttpServerTest, StopIsPromptWithOnlyIdleKeepAliveConnections) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), Echo));  // idle timeout stays 60 s
  std::vector<std::unique_ptr<TestHttpClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<TestHttpClient>("127.0.0.1", port_));
    ASSERT_EQ(clients.back()->Get("/").status, 200);
  }
  RawConnection silent(port_);  // connected, never sent a byte
  auto start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, seconds(1));
  silent.ReceiveUntilClosed(kPatience);
  EXPECT_TRUE(silent.closed());
  server_->Wait();  // returns at once after Stop()
  server_->Stop();  // idempotent
}

TEST_F(HttpServerTest, StopClosesStuckConnectionsAfterGracePeriod) {
  HttpServerOptions options = Options();
  options.read_timeout = seconds(60);
  options.shutdown_grace = milliseconds(200);
  ASSERT_NO_FATAL_FAILURE(Start(options, Echo));
  RawConnection stuck(port_);
  stuck.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n");
  // Once 100 Continue is here, the server is surely mid-request.
  ASSERT_EQ(stuck.ReceiveUntil("\r\n\r\n", kPatience), "HTTP/1.1 100 Continue\r\n\r\n");
  stuck.Send("only part of the body");
  auto start = Clock::now();
  server_->Stop();
  EXPECT_GE(Clock::now() - start, milliseconds(150));  // it did wait for the request
  EXPECT_LT(Clock::now() - start, seconds(5));         // but not for the read timeout
  stuck.ReceiveUntilClosed(kPatience);
  EXPECT_TRUE(stuck.closed());
}

TEST_F(HttpServerTest, ConcurrentClientsAllSucceed) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), Echo));
  constexpr int kThreads = 8;
  constexpr int kRequests = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestHttpClient client("127.0.0.1", port_);
      for (int i = 0; i < kRequests; ++i) {
        std::string body = "client " + std::to_string(t) + " request " + std::to_string(i);
        TestResponse response = client.Post("/echo", body);
        if (response.status == 200 && response.body == body) ++ok;
      }
      EXPECT_EQ(client.connections_opened(), 1);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
}

TEST_F(HttpServerTest, TwentyMegabyteBodyArrivesIntact) {
  ASSERT_NO_FATAL_FAILURE(Start(Options(), Echo));
  std::string body(20 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 31 + i / 4096) % 251);
  TestHttpClient client = Client();
  TestResponse response = client.Post("/upload", body, "application/octet-stream");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body.size(), body.size());
  EXPECT_TRUE(response.body == body);  // not EXPECT_EQ: a 20 MB diff helps nobody
}

}  // namespace
}  // namespace metrify::http
