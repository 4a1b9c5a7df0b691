// Session, reading side: wait for a request, read its header, answer
// "Expect: 100-continue", read its body, and turn read errors into the
// server-made error responses. The responding side is in session_respond.cc.
#include "http/session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "common/strings.h"
#include "http/request_id.h"

namespace metrify::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

namespace {

// Reads go straight into a buffer this large; with Beast's default growth a
// body arrives in ~1 KiB pieces, which is 8x slower (RECIPES.md).
constexpr size_t kReadBufferBytes = 64 << 10;
// Beast's default (8 KiB) is tight for long bearer tokens.
constexpr uint32_t kHeaderLimitBytes = 16 << 10;

std::string RemoteOf(const tcp::socket& socket) {
  beast::error_code ec;
  tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  net::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

// True for errors that mean the bytes are not HTTP, as opposed to the peer
// going away or a limit being hit.
bool IsMalformed(beast::error_code ec) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return false;
  return ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
         ec != bhttp::error::short_read && ec != bhttp::error::body_limit &&
         ec != bhttp::error::header_limit;
}

void FillFromHeader(const bhttp::request_header<>& header, HttpRequest& request) {
  request.method = ToUpper(header.method_string());
  request.target = std::string(header.target());
  std::string_view target = request.target;
  size_t question = target.find('?');
  request.path = PercentDecode(target.substr(0, question), /*plus_is_space=*/false);
  if (question != std::string_view::npos) {
    request.query = ParseQueryString(target.substr(question + 1));
  }
  for (const auto& field : header) {
    request.headers.emplace_back(ToLower(field.name_string()), std::string(field.value()));
  }
  request.request_id = ChooseRequestId(header["X-Request-ID"]);
}

}  // namespace

Session::Session(tcp::socket socket, std::shared_ptr<ServerContext> context)
    : context_(std::move(context)),
      strand_(socket.get_executor()),
      remote_(RemoteOf(socket)),
      stream_(std::move(socket)),
      continue_(bhttp::status::continue_, 11) {
  buffer_.reserve(kReadBufferBytes);
}

Session::~Session() { context_->connections.Remove(this); }

void Session::Run() {
  net::dispatch(strand_, beast::bind_front_handler(&Session::WaitForRequest, shared_from_this()));
}

void Session::Shutdown() {
  // Only a connection between requests is closed here; one mid-request sees
  // `stopping` when it builds its response and closes after writing it.
  if (state_ == State::kIdle) Close();
}

void Session::ForceClose() { Close(); }

// Waits for the first byte of the next request under the idle timeout (the
// read timeout for a new connection); the read timeout starts with that byte.
void Session::WaitForRequest() {
  if (context_->stopping.load()) {
    Close();
    return;
  }
  if (buffer_.size() > 0) {  // pipelined request already buffered
    BeginRequest();
    return;
  }
  state_ = State::kIdle;
  const HttpServerOptions& options = context_->options;
  stream_.expires_after(first_request_ ? options.read_timeout : options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadBufferBytes),
                          beast::bind_front_handler(&Session::OnFirstBytes, shared_from_this()));
}

void Session::OnFirstBytes(beast::error_code ec, size_t bytes) {
  if (ec) {
    LogClosed(ec);
    Close();
    return;
  }
  buffer_.commit(bytes);
  BeginRequest();
}

void Session::BeginRequest() {
  state_ = State::kReading;
  first_request_ = false;
  request_start_ = Clock::now();
  // One deadline for the whole request: Beast keeps the expiry across the
  // header read, the 100 Continue write and the body read.
  stream_.expires_after(context_->options.read_timeout);
  parser_.emplace();
  parser_->body_limit(context_->options.max_body_bytes);
  parser_->header_limit(kHeaderLimitBytes);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
}

void Session::OnHeader(beast::error_code ec, size_t /*bytes*/) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  const auto& header = parser_->get();
  bool expects_continue = header.version() >= 11 &&
                          EqualsIgnoreCase(Trim(header[bhttp::field::expect]), "100-continue");
  if (expects_continue && !parser_->is_done()) {
    // The client waits for this before it sends the body (curl does for
    // bodies over 1 KiB). A body over the limit never gets here: the parser
    // rejects its Content-Length with the header, and the 413 goes instead.
    bhttp::async_write(stream_, continue_,
                       beast::bind_front_handler(&Session::OnContinueWritten, shared_from_this()));
    return;
  }
  ReadBody();
}

void Session::OnContinueWritten(beast::error_code ec, size_t /*bytes*/) {
  if (ec) {
    LogClosed(ec);
    Close();
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  if (parser_->is_done()) {
    HandleRequest();
    return;
  }
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::OnBody, shared_from_this()));
}

void Session::OnBody(beast::error_code ec, size_t /*bytes*/) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  HandleRequest();
}

void Session::OnReadError(beast::error_code ec) {
  const HttpServerOptions& options = context_->options;
  if (ec == bhttp::error::body_limit) {
    // The parser checks Content-Length only after the last header field, so
    // the header is all there.
    SendError(
        413, "payload_too_large",
        "request body exceeds the limit of " + std::to_string(options.max_body_bytes) + " bytes",
        /*header_complete=*/true);
  } else if (ec == bhttp::error::header_limit) {
    SendError(431, "headers_too_large",
              "request headers exceed the limit of " + std::to_string(kHeaderLimitBytes) + " bytes",
              /*header_complete=*/false);
  } else if (IsMalformed(ec)) {
    SendError(400, "bad_request", "malformed HTTP request: " + ec.message(),
              /*header_complete=*/parser_->is_header_done());
  } else {
    LogClosed(ec);  // peer went away, or the read timed out: close quietly
    Close();
  }
}

// Moves the parsed message, body included, into the transport-neutral form.
HttpRequest Session::BuildRequest() {
  HttpRequest request;
  FillFromHeader(parser_->get().base(), request);
  request.body = std::move(parser_->get().body());
  request.remote = remote_;
  return request;
}

// For server-made errors: the header when it was read completely, else only
// what identifies the connection.
HttpRequest Session::PartialRequest(bool header_complete) {
  HttpRequest request;
  if (header_complete) FillFromHeader(parser_->get().base(), request);
  if (request.request_id.empty()) request.request_id = NewRequestId();
  request.remote = remote_;
  return request;
}

void Session::LogClosed(beast::error_code ec) const {
  if (ec == net::error::operation_aborted) return;  // we closed it ourselves
  spdlog::debug("http: connection {} closed: {}", remote_, ec.message());
}

}  // namespace metrify::http
