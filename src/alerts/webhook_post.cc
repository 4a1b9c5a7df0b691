#include "alerts/webhook_post.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace metrify::alerts {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr uint64_t kResponseBodyLimit = 64 << 10;

// Beast's tcp_stream applies expires_at() to asynchronous operations only,
// so each step is started asynchronously and the io_context run until it
// completes: a blocking call that still honours the deadline.
template <typename Start>
beast::error_code RunToCompletion(asio::io_context& io, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

std::string Describe(std::string_view step, beast::error_code ec,
                     std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout) return fmt::format("timed out after {} ms", timeout.count());
  return fmt::format("{}: {}", step, ec.message());
}

bhttp::request<bhttp::string_body> BuildRequest(const WebhookUrl& url,
                                                const WebhookHeaders& headers,
                                                std::string_view body) {
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, url.target, 11};
  request.set(bhttp::field::host, url.host_header);
  request.set(bhttp::field::user_agent, "metrify-webhook/" METRIFY_VERSION);
  // A connection per attempt: alerts are rare, and a fresh connection never
  // meets a keep-alive socket the receiver has half-closed meanwhile.
  request.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::string(body);
  request.prepare_payload();
  return request;
}

}  // namespace

PostOutcome PostWebhook(const WebhookUrl& url, const WebhookHeaders& headers, std::string_view body,
                        std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::resolver::results_type endpoints;
  bool resolved = false;
  beast::error_code ec;
  resolver.async_resolve(url.host, url.port,
                         [&](beast::error_code e, tcp::resolver::results_type results) {
                           ec = e;
                           endpoints = std::move(results);
                           resolved = true;
                         });
  io.run_until(deadline);
  if (!resolved) {
    resolver.cancel();
    return {0, fmt::format("timed out after {} ms resolving {}", timeout.count(), url.host)};
  }
  if (ec) return {0, Describe("cannot resolve host", ec, timeout)};

  beast::tcp_stream stream(io);
  stream.expires_at(deadline);
  ec = RunToCompletion(io, [&](auto handler) { stream.async_connect(endpoints, handler); });
  if (ec) return {0, Describe("cannot connect", ec, timeout)};

  auto request = BuildRequest(url, headers, body);
  ec = RunToCompletion(io, [&](auto handler) { bhttp::async_write(stream, request, handler); });
  if (ec) return {0, Describe("sending failed", ec, timeout)};

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  ec = RunToCompletion(
      io, [&](auto handler) { bhttp::async_read_header(stream, buffer, parser, handler); });
  if (ec) return {0, Describe("no response", ec, timeout)};
  PostOutcome outcome{static_cast<int>(parser.get().result_int()), ""};
  // The status decides; the body is read only so that closing does not reset
  // a receiver still writing it. Its errors (too large, slow) do not matter.
  if (!parser.is_done()) {
    RunToCompletion(io, [&](auto handler) { bhttp::async_read(stream, buffer, parser, handler); });
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return outcome;
}

}  // namespace metrify::alerts
