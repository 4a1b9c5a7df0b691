// Listener: the accepting socket of HttpServer. Each accepted connection gets
// a strand of its own and a Session.
//
// Internal to http/. Open() runs before the I/O threads start; Run() and the
// accept loop then live on the acceptor's strand; Close() may be called from
// any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/session.h"

namespace metrify::http {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, std::shared_ptr<ServerContext> context);

  // Resolves host:port and binds the first address that works. Returns
  // InvalidArgument when the host does not resolve and IOError naming
  // host:port when nothing could be bound.
  Status Open(const std::string& host, uint16_t port);
  // The bound port. REQUIRES: Open() succeeded.
  uint16_t port() const { return port_; }
  // Starts accepting.
  void Run();
  // Closes the accepting socket; returns once it is closed, so connections
  // attempted afterwards are refused.
  void Close();

 private:
  boost::beast::error_code Bind(const boost::asio::ip::tcp::endpoint& endpoint);
  void Accept();
  void OnAccept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
  void OnRetryTimer(boost::beast::error_code ec);

  boost::asio::io_context& io_;
  std::shared_ptr<ServerContext> context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // Paces retries after accept errors such as EMFILE, which would otherwise
  // fail again at once in a busy loop.
  boost::asio::steady_timer retry_timer_;
  uint16_t port_ = 0;
};

}  // namespace metrify::http
