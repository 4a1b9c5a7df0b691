// Test-only HTTP clients for exercising HttpServer (and anything built on
// it) over real sockets.
//
// TestHttpClient speaks HTTP/1.1 through Beast on one keep-alive connection.
// RawConnection and RawExchange() send arbitrary bytes, for malformed
// requests, timeouts and Expect: 100-continue. All calls block; every read
// has a timeout so a broken server fails a test instead of hanging it. None
// of these classes is thread-safe: use one per thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace metrify::test {

struct TestResponse {
  int status = 0;
  std::string body;
  // Lower-case names; a repeated header keeps its values joined by ", ".
  std::map<std::string, std::string> headers;

  // The header's value (name matched case-insensitively), or "" when absent.
  std::string Header(std::string_view name) const;
};

using TestHeaders = std::vector<std::pair<std::string, std::string>>;

class TestHttpClient {
 public:
  // Connects lazily, on the first request.
  TestHttpClient(std::string host, uint16_t port);
  ~TestHttpClient();

  TestHttpClient(const TestHttpClient&) = delete;
  TestHttpClient& operator=(const TestHttpClient&) = delete;

  // Sends one request and reads its response, skipping interim 1xx
  // responses. Reuses the open connection; when the server has closed it in
  // the meantime, reconnects once and resends. Adds Host, User-Agent and
  // Content-Length. Throws boost::system::system_error when the exchange
  // fails (connection refused, timeout, reset).
  TestResponse Request(std::string_view method, std::string_view target, std::string body = "",
                       const TestHeaders& headers = {});
  TestResponse Get(std::string_view target, const TestHeaders& headers = {});
  TestResponse Post(std::string_view target, std::string body,
                    std::string_view content_type = "application/json");
  TestResponse Put(std::string_view target, std::string body,
                   std::string_view content_type = "application/json");
  TestResponse Delete(std::string_view target);

  // Closes the connection; the next request opens a new one.
  void Close();
  // Connections opened so far: 1 after any number of keep-alive requests.
  int connections_opened() const { return connections_opened_; }
  // Limit for each connect, write and read. Default 30 s.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  // Called after every exchange Request() completes, with its method and
  // target, before the response is returned (the API fixture waits there
  // for scaled mode's asynchronous ingest).
  void set_after_request(std::function<void(std::string_view, std::string_view)> hook) {
    after_request_ = std::move(hook);
  }

 private:
  void Connect();
  TestResponse Exchange(std::string_view method, std::string_view target, const std::string& body,
                        const TestHeaders& headers, boost::system::error_code& ec);
  void RunUntilDone();

  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_{30000};
  boost::asio::io_context io_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  int connections_opened_ = 0;
  std::function<void(std::string_view, std::string_view)> after_request_;
};

// A plain TCP connection to 127.0.0.1 for hand-written bytes.
class RawConnection {
 public:
  // Connects at once; throws boost::system::system_error when refused.
  explicit RawConnection(uint16_t port);

  // Writes all of `bytes`; false if the connection failed.
  bool Send(std::string_view bytes);
  // Reads until what has arrived contains `delimiter`, the peer closes, or
  // `timeout` passes. Returns the bytes up to and including the delimiter
  // (everything received when it did not appear); keeps the rest for the
  // next call.
  std::string ReceiveUntil(std::string_view delimiter,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until the peer closes or `timeout` passes; returns all bytes.
  std::string ReceiveUntilClosed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True once the peer closed (EOF or reset).
  bool closed() const { return closed_; }

 private:
  // One read of whatever is available; false on timeout.
  bool ReadSome(std::chrono::steady_clock::time_point deadline);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string pending_;
  bool closed_ = false;
};

// An unused TCP port on 127.0.0.1 (bound to port 0, read back, released).
uint16_t FreeTcpPort();

// Connects to 127.0.0.1:port, writes `bytes`, and returns whatever comes back
// until the server closes the connection or 2 s pass.
std::string RawExchange(uint16_t port, std::string bytes);

}  // namespace metrify::test
