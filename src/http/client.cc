#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

#include <limits>
#include <optional>

namespace metrify::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// Reads go straight into a buffer this large; with Beast's default growth a
// large answer (the latest reading of a whole fleet is 10 MB) arrives in
// ~1 KiB pieces, several times slower (RECIPES.md).
constexpr size_t kReadBufferBytes = 64 << 10;

struct HttpClient::Connection {
  Connection() { buffer.reserve(kReadBufferBytes); }
  boost::asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
};

Result<std::unique_ptr<HttpClient>> HttpClient::Connect(std::string_view base_url) {
  std::string_view rest = base_url;
  if (!rest.starts_with("http://")) {
    return Status::InvalidArgument(
        fmt::format("server URL must start with http://, got \"{}\"", base_url));
  }
  rest.remove_prefix(7);
  while (rest.ends_with('/')) rest.remove_suffix(1);
  size_t colon = rest.rfind(':');
  std::string host(rest.substr(0, colon));
  std::string port = colon == std::string_view::npos ? "80" : std::string(rest.substr(colon + 1));
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  if (host.empty() || port.empty() || rest.find('/') != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("server URL must look like http://HOST:PORT, got \"{}\"", base_url));
  }
  return std::unique_ptr<HttpClient>(
      new HttpClient(std::string(base_url), std::move(host), std::move(port)));
}

HttpClient::HttpClient(std::string base_url, std::string host, std::string port)
    : base_url_(std::move(base_url)), host_(std::move(host)), port_(std::move(port)) {}

HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::Send(std::string_view method, std::string_view target,
                                        std::string body, std::string_view content_type) {
  // A kept-alive connection may have been closed by the server while idle:
  // one retry on a fresh connection covers that without resending twice in
  // any other case.
  bool reused = connection_ != nullptr;
  Result<ClientResponse> result = Attempt(method, target, body, content_type);
  if (!result.has_value() && reused) {
    connection_.reset();
    result = Attempt(method, target, body, content_type);
  }
  if (!result.has_value()) connection_.reset();
  return result;
}

Result<ClientResponse> HttpClient::Attempt(std::string_view method, std::string_view target,
                                           const std::string& body, std::string_view content_type) {
  beast::error_code ec;
  if (!connection_) {
    auto conn = std::make_unique<Connection>();
    tcp::resolver resolver(conn->io);
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (!ec) {
      conn->stream.expires_after(timeout_);
      conn->stream.connect(endpoints, ec);
    }
    if (ec) {
      return Status::Unavailable(fmt::format("cannot connect to {}: {}", base_url_, ec.message()));
    }
    connection_ = std::move(conn);
  }
  bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
  request.set(bhttp::field::host, host_);
  request.set(bhttp::field::user_agent, "metrify-cli");
  if (!content_type.empty()) request.set(bhttp::field::content_type, content_type);
  request.body() = body;
  request.prepare_payload();
  connection_->stream.expires_after(timeout_);
  bhttp::write(connection_->stream, request, ec);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (!ec) bhttp::read_header(connection_->stream, connection_->buffer, parser, ec);
  // The body string is sized once from Content-Length instead of doubling.
  if (!ec && parser.content_length()) {
    parser.get().body().reserve(static_cast<size_t>(*parser.content_length()));
  }
  if (!ec && !parser.is_done()) bhttp::read(connection_->stream, connection_->buffer, parser, ec);
  if (ec) {
    return Status::Unavailable(fmt::format("request to {} failed: {}", base_url_, ec.message()));
  }
  auto response = parser.release();
  ClientResponse out;
  out.status = static_cast<int>(response.result_int());
  out.content_type = std::string(response[bhttp::field::content_type]);
  out.body = std::move(response.body());
  if (!response.keep_alive()) connection_.reset();
  return out;
}

}  // namespace metrify::http
