// Session: one accepted connection of HttpServer, serving its requests one
// after another (HTTP/1.1 keep-alive, pipelined requests in order).
//
// Internal to http/. All member functions except the constructor and
// destructor run on the connection's strand; Shutdown() and ForceClose() are
// posted there by the server. A session keeps itself alive through the
// shared_ptr bound into its pending operations and removes itself from the
// registry when the last one completes.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/connection_registry.h"
#include "http/message.h"
#include "http/server.h"

namespace metrify::http {

// What every session of one server shares. Outlives the io_context, because
// sessions destroyed while it shuts down still remove themselves from
// `connections`.
struct ServerContext {
  HttpServerOptions options;
  HttpHandler handler;
  HttpObserver observer;
  ConnectionRegistry connections;
  // Set first thing in Stop(): responses then carry Connection: close and no
  // session waits for another request.
  std::atomic<bool> stopping{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `socket` must use a strand executor of its own.
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context);
  ~Session();

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts serving; safe to call from any thread.
  void Run();
  // Graceful stop: closes the connection now if it is between requests,
  // otherwise lets the current request finish (the response says close).
  void Shutdown();
  // Closes the connection whatever it is doing.
  void ForceClose();

  // The connection's strand; immutable, so readable from any thread.
  const boost::asio::any_io_executor& strand() const { return strand_; }

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kLingering, kClosed };
  using Clock = std::chrono::steady_clock;
  using BeastRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

  // Reading (session.cc).
  void WaitForRequest();
  void OnFirstBytes(boost::beast::error_code ec, size_t bytes);
  void BeginRequest();
  void OnHeader(boost::beast::error_code ec, size_t bytes);
  void OnContinueWritten(boost::beast::error_code ec, size_t bytes);
  void ReadBody();
  void OnBody(boost::beast::error_code ec, size_t bytes);
  void OnReadError(boost::beast::error_code ec);
  void LogClosed(boost::beast::error_code ec) const;
  HttpRequest BuildRequest();
  HttpRequest PartialRequest(bool header_complete);

  // Responding (session_respond.cc).
  void HandleRequest();
  HttpResponse CallHandler(HttpRequest& request);
  void SendError(int status, std::string_view code, std::string message, bool header_complete);
  void Send(HttpRequest request, HttpResponse response, bool keep_alive, bool request_consumed);
  void OnWritten(boost::beast::error_code ec, size_t bytes);
  void NotifyObserver();
  void Linger();
  void OnLingerRead(boost::beast::error_code ec, size_t bytes);
  void Close();

  const std::shared_ptr<ServerContext> context_;
  const boost::asio::any_io_executor strand_;
  const std::string remote_;  // "ip:port", or "[ipv6]:port"; read before the socket moves
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;

  State state_ = State::kIdle;
  bool first_request_ = true;
  unsigned version_ = 11;  // HTTP version of the request being answered: 10 or 11
  Clock::time_point request_start_;
  std::optional<BeastRequestParser> parser_;
  boost::beast::http::response<boost::beast::http::empty_body> continue_;

  // The exchange being written, kept for the observer.
  HttpRequest request_;
  HttpResponse response_;
  BeastResponse beast_response_;
  bool keep_alive_ = false;
  bool request_consumed_ = false;
};

}  // namespace metrify::http
