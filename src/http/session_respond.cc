// Session, responding side: call the handler, turn its HttpResponse into a
// Beast message, write it, tell the observer, and then either wait for the
// next request or close the connection.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>

#include "common/strings.h"
#include "http/request_id.h"
#include "http/session.h"

namespace metrify::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using net::ip::tcp;

namespace {

constexpr size_t kLingerReadBytes = 64 << 10;
// Upper bound on draining an unread request body after an error response.
constexpr std::chrono::milliseconds kMaxLinger{2000};

// Framing belongs to the server; a handler's copy would contradict it.
bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding") ||
         EqualsIgnoreCase(name, "connection");
}

bool StatusForbidsBody(int status) { return status < 200 || status == 204 || status == 304; }

bhttp::response<bhttp::string_body> ToBeast(const HttpRequest& request, HttpResponse& response,
                                            unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> out;
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers) {
    if (!IsFramingHeader(name)) out.insert(name, value);
  }
  out.set(bhttp::field::server, "metrify");
  if (!response.content_type.empty()) out.set(bhttp::field::content_type, response.content_type);
  out.set("X-Request-ID", request.request_id);
  out.keep_alive(keep_alive);
  if (StatusForbidsBody(response.status)) return out;
  if (request.method == "HEAD") {
    // Same headers as GET, no body (RFC 9110 9.3.2).
    out.content_length(response.body.size());
    return out;
  }
  out.body() = std::move(response.body);  // moved back for the observer after the write
  out.prepare_payload();
  return out;
}

}  // namespace

void Session::HandleRequest() {
  state_ = State::kHandling;
  const auto& message = parser_->get();
  version_ = message.version();
  bool keep_alive = message.keep_alive();
  HttpRequest request = BuildRequest();
  HttpResponse response = CallHandler(request);
  // Checked after the handler: Stop() may have begun while it ran.
  keep_alive = keep_alive && !context_->stopping.load();
  Send(std::move(request), std::move(response), keep_alive, /*request_consumed=*/true);
}

HttpResponse Session::CallHandler(HttpRequest& request) {
  try {
    HttpResponse response = context_->handler(request);
    if (response.status >= 200 && response.status <= 599) return response;
    spdlog::error("http: handler returned status {} for request {} ({} {})", response.status,
                  request.request_id, request.method, request.path);
  } catch (const std::exception& e) {
    spdlog::error("http: handler failed for request {} ({} {}): {}", request.request_id,
                  request.method, request.path, e.what());
  } catch (...) {
    spdlog::error("http: handler failed for request {} ({} {}): unknown exception",
                  request.request_id, request.method, request.path);
  }
  return MakeErrorResponse(500, "internal", "internal error");
}

// The request was not (fully) read, so the connection cannot be reused.
void Session::SendError(int status, std::string_view code, std::string message,
                        bool header_complete) {
  version_ = 11;
  Send(PartialRequest(header_complete), MakeErrorResponse(status, code, message),
       /*keep_alive=*/false,
       /*request_consumed=*/false);
}

void Session::Send(HttpRequest request, HttpResponse response, bool keep_alive,
                   bool request_consumed) {
  state_ = State::kWriting;
  keep_alive_ = keep_alive;
  request_consumed_ = request_consumed;
  request_ = std::move(request);
  response_ = std::move(response);
  beast_response_ = ToBeast(request_, response_, version_, keep_alive);
  stream_.expires_after(context_->options.write_timeout);
  bhttp::async_write(stream_, beast_response_,
                     beast::bind_front_handler(&Session::OnWritten, shared_from_this()));
}

void Session::OnWritten(beast::error_code ec, size_t /*bytes*/) {
  if (ec) {
    LogClosed(ec);
    Close();
    return;
  }
  if (response_.body.empty()) response_.body = std::move(beast_response_.body());
  NotifyObserver();
  // Release the exchange now: bodies can be tens of MB and the connection may
  // idle for a minute.
  request_ = HttpRequest();
  response_ = HttpResponse();
  beast_response_ = BeastResponse();
  if (keep_alive_) {
    WaitForRequest();
  } else if (request_consumed_) {
    Close();
  } else {
    Linger();
  }
}

void Session::NotifyObserver() {
  if (!context_->observer) return;
  double seconds = std::chrono::duration<double>(Clock::now() - request_start_).count();
  try {
    context_->observer(request_, response_, seconds);
  } catch (const std::exception& e) {
    spdlog::error("http: observer failed for request {}: {}", request_.request_id, e.what());
  } catch (...) {
    spdlog::error("http: observer failed for request {}: unknown exception", request_.request_id);
  }
}

// After an error response the client may still be sending the body we
// refused. Closing with unread data makes the kernel send RST, and the client
// can lose our response with it; so half-close and drain until the client
// closes, for a bounded time.
void Session::Linger() {
  state_ = State::kLingering;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(
      std::min<std::chrono::milliseconds>(kMaxLinger, context_->options.read_timeout));
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(kLingerReadBytes),
                          beast::bind_front_handler(&Session::OnLingerRead, shared_from_this()));
}

void Session::OnLingerRead(beast::error_code ec, size_t /*bytes*/) {
  if (ec) {  // the client closed, or the linger time is over
    Close();
    return;
  }
  // Nothing committed: the bytes are dropped. The deadline set in Linger()
  // still holds.
  stream_.async_read_some(buffer_.prepare(kLingerReadBytes),
                          beast::bind_front_handler(&Session::OnLingerRead, shared_from_this()));
}

void Session::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
}

}  // namespace metrify::http
