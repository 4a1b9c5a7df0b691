#include "support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/system_error.hpp>

#include "common/strings.h"

namespace metrify::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

namespace {

// Errors that mean the server closed a kept-alive connection before our
// request reached it, so sending it again on a new connection is safe.
bool IsStaleConnection(beast::error_code ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted;
}

TestResponse ToTestResponse(bhttp::response<bhttp::string_body>&& message) {
  TestResponse response;
  response.status = static_cast<int>(message.result_int());
  response.body = std::move(message.body());
  for (const auto& field : message) {
    std::string& value = response.headers[ToLower(field.name_string())];
    if (!value.empty()) value += ", ";
    value += field.value();
  }
  return response;
}

}  // namespace

std::string TestResponse::Header(std::string_view name) const {
  auto it = headers.find(ToLower(name));
  return it == headers.end() ? std::string() : it->second;
}

TestHttpClient::TestHttpClient(std::string host, uint16_t port)
    : host_(std::move(host)), port_(port) {
  buffer_.reserve(64 << 10);
}

TestHttpClient::~TestHttpClient() { Close(); }

TestResponse TestHttpClient::Request(std::string_view method, std::string_view target,
                                     std::string body, const TestHeaders& headers) {
  bool reused = stream_.has_value();
  if (!reused) Connect();
  beast::error_code ec;
  TestResponse response = Exchange(method, target, body, headers, ec);
  if (ec && reused && IsStaleConnection(ec)) {
    Close();
    Connect();
    response = Exchange(method, target, body, headers, ec);
  }
  if (ec) {
    Close();
    throw boost::system::system_error(ec, std::string(method) + " " + std::string(target));
  }
  if (after_request_) after_request_(method, target);
  return response;
}

TestResponse TestHttpClient::Get(std::string_view target, const TestHeaders& headers) {
  return Request("GET", target, "", headers);
}

TestResponse TestHttpClient::Post(std::string_view target, std::string body,
                                  std::string_view content_type) {
  return Request("POST", target, std::move(body), {{"Content-Type", std::string(content_type)}});
}

TestResponse TestHttpClient::Put(std::string_view target, std::string body,
                                 std::string_view content_type) {
  return Request("PUT", target, std::move(body), {{"Content-Type", std::string(content_type)}});
}

TestResponse TestHttpClient::Delete(std::string_view target) { return Request("DELETE", target); }

void TestHttpClient::Close() {
  if (!stream_) return;
  beast::error_code ignored;
  stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_->close();
  stream_.reset();
  buffer_.clear();
}

void TestHttpClient::Connect() {
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(host_, std::to_string(port_));
  stream_.emplace(io_);
  beast::error_code ec;
  stream_->expires_after(timeout_);
  stream_->async_connect(endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
  RunUntilDone();
  if (ec) {
    stream_.reset();
    throw boost::system::system_error(ec, "connect to " + host_ + ":" + std::to_string(port_));
  }
  ++connections_opened_;
}

// One request and its final response on the open connection; closes the
// connection afterwards when the server asked for that.
TestResponse TestHttpClient::Exchange(std::string_view method, std::string_view target,
                                      const std::string& body, const TestHeaders& headers,
                                      beast::error_code& ec) {
  bhttp::request<bhttp::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(bhttp::field::host, host_ + ":" + std::to_string(port_));
  request.set(bhttp::field::user_agent, "metrify-test");
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = body;
  request.prepare_payload();

  stream_->expires_after(timeout_);
  bhttp::async_write(*stream_, request, [&ec](beast::error_code e, size_t) { ec = e; });
  RunUntilDone();
  if (ec) return {};
  for (;;) {  // skip interim responses such as 100 Continue
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    if (method == "HEAD") parser.skip(true);
    bhttp::async_read(*stream_, buffer_, parser, [&ec](beast::error_code e, size_t) { ec = e; });
    RunUntilDone();
    if (ec) return {};
    auto message = parser.release();
    if (message.result_int() / 100 == 1) continue;
    bool keep_alive = message.keep_alive();
    TestResponse response = ToTestResponse(std::move(message));
    if (!keep_alive) Close();
    return response;
  }
}

void TestHttpClient::RunUntilDone() {
  io_.restart();
  io_.run();
}

RawConnection::RawConnection(uint16_t port) : socket_(io_) {
  socket_.connect(tcp::endpoint(net::ip::address_v4::loopback(), port));
}

bool RawConnection::Send(std::string_view bytes) {
  beast::error_code ec;
  net::write(socket_, net::buffer(bytes.data(), bytes.size()), ec);
  return !ec;
}

std::string RawConnection::ReceiveUntil(std::string_view delimiter,
                                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    size_t pos = pending_.find(delimiter);
    if (pos != std::string::npos) {
      std::string head = pending_.substr(0, pos + delimiter.size());
      pending_.erase(0, pos + delimiter.size());
      return head;
    }
    if (closed_ || !ReadSome(deadline)) return std::exchange(pending_, std::string());
  }
}

std::string RawConnection::ReceiveUntilClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_ && ReadSome(deadline)) {
  }
  return std::exchange(pending_, std::string());
}

bool RawConnection::ReadSome(std::chrono::steady_clock::time_point deadline) {
  char chunk[16 << 10];
  bool done = false;
  beast::error_code ec;
  size_t bytes = 0;
  socket_.async_read_some(net::buffer(chunk), [&](beast::error_code e, size_t n) {
    done = true;
    ec = e;
    bytes = n;
  });
  io_.restart();
  io_.run_until(deadline);
  bool in_time = done;
  if (!done) {  // deadline passed: cancel, and let the handler run
    socket_.cancel();
    io_.restart();
    io_.run();
  }
  pending_.append(chunk, bytes);
  if (ec && ec != net::error::operation_aborted) closed_ = true;
  return in_time && !closed_;
}

uint16_t FreeTcpPort() {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

std::string RawExchange(uint16_t port, std::string bytes) {
  RawConnection connection(port);
  connection.Send(bytes);
  return connection.ReceiveUntilClosed(std::chrono::seconds(2));
}

}  // namespace metrify::test
