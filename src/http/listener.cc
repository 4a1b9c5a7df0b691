#include "http/listener.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <future>

namespace metrify::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using net::ip::tcp;

namespace {
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
}  // namespace

Listener::Listener(net::io_context& io, std::shared_ptr<ServerContext> context)
    : io_(io),
      context_(std::move(context)),
      acceptor_(net::make_strand(io)),
      retry_timer_(acceptor_.get_executor()) {}

Status Listener::Open(const std::string& host, uint16_t port) {
  beast::error_code ec;
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return Status::InvalidArgument("cannot resolve host '" + host + "': " + ec.message());
  ec = net::error::host_not_found;  // stays when the name has no address
  for (const auto& entry : endpoints) {
    ec = Bind(entry.endpoint());
    if (!ec) break;
  }
  if (ec) {
    return Status::IOError("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                           ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return Status::Ok();
}

beast::error_code Listener::Bind(const tcp::endpoint& endpoint) {
  beast::error_code ec;
  if (acceptor_.is_open()) acceptor_.close(ec);
  acceptor_.open(endpoint.protocol(), ec);
  // SO_REUSEADDR lets a restarted server bind while old connections sit in
  // TIME_WAIT; it does not let two servers share the port on Linux.
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
  }
  return ec;
}

void Listener::Run() {
  net::dispatch(acceptor_.get_executor(),
                beast::bind_front_handler(&Listener::Accept, shared_from_this()));
}

void Listener::Close() {
  std::promise<void> closed;
  net::dispatch(acceptor_.get_executor(), [this, &closed] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
}

void Listener::Accept() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept(net::make_strand(io_),
                         beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
}

void Listener::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    spdlog::debug("http: accept failed: {}", ec.message());
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait(beast::bind_front_handler(&Listener::OnRetryTimer, shared_from_this()));
    return;
  }
  auto session = std::make_shared<Session>(std::move(socket), context_);
  // Add() fails once Stop() has begun; the session's destructor then closes
  // the socket.
  if (context_->connections.Add(session)) session->Run();
  Accept();
}

void Listener::OnRetryTimer(beast::error_code ec) {
  if (ec) return;  // cancelled by Close()
  Accept();
}

}  // namespace metrify::http
