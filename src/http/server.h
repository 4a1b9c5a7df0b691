// HttpServer: the HTTP/1.1 front door of Metrify, on Boost.Beast and Asio.
//
// The server owns an io_context run by a pool of threads. Each accepted
// connection is a session on its own strand: it reads a request, calls the
// handler on that strand, writes the response and, when keep-alive allows,
// waits for the next request. Everything above this layer (api/) sees only
// HttpRequest and HttpResponse (http/message.h).
//
// Lifecycle: construct -> Start() -> ... -> Stop() (or the destructor).
// A server is started at most once; it cannot be restarted after Stop().
//
// Thread safety: Start() must not race with other calls. Stop(), Wait() and
// port() may be called from any thread, except that Stop() (and so the
// destructor) must not run on one of the server's own I/O threads, which it
// joins. The handler and the observer run concurrently on the I/O threads,
// one request per connection at a time, and must be thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/message.h"

namespace metrify::http {

struct HttpServerOptions {
  // Address to bind; a name is resolved and its first bindable address used.
  std::string host = "127.0.0.1";
  // 0 picks an ephemeral port; HttpServer::port() tells the bound one.
  uint16_t port = 8000;
  // I/O threads. 0 means four per core (hardware_concurrency). Handlers run on
  // these threads, so a slow handler occupies one of them while it runs.
  int threads = 0;
  // Largest request body accepted. Larger bodies get 413 payload_too_large and
  // the connection is closed. The body is held in memory, so this bounds the
  // memory one request can take.
  size_t max_body_bytes = 64 << 20;
  // Time to read one whole request (headers and body), counted from its first
  // byte. For a new connection it also bounds the wait for that first byte, so
  // a client that connects and sends nothing is dropped after this long.
  std::chrono::milliseconds read_timeout{30000};
  // Time to write one response.
  std::chrono::milliseconds write_timeout{30000};
  // How long a keep-alive connection may sit idle between requests.
  std::chrono::milliseconds idle_timeout{60000};
  // How long Stop() waits for in-flight requests before closing their
  // connections forcibly.
  std::chrono::milliseconds shutdown_grace{30000};
};

// Computes the response for one request. May modify the request (for example
// set `route`); the server passes the modified request to the observer.
// Exceptions are caught: the client gets 500 "internal" with the message
// "internal error", and the exception text is logged, never sent.
using HttpHandler = std::function<HttpResponse(HttpRequest&)>;

// Called on the I/O thread after each response has been written completely,
// including server-made errors (400, 413, 431, 500); for those `route` is
// empty and the request may be only partly filled (a malformed request has no
// method or path). `seconds` runs from the request's first byte to the end of
// the write. Not called when the connection fails before the response is out
// (timeouts, resets). Exceptions from the observer are logged and dropped.
using HttpObserver = std::function<void(const HttpRequest&, const HttpResponse&, double seconds)>;

class HttpServer {
 public:
  // Stores the configuration; nothing is bound until Start().
  // REQUIRES: handler is non-empty.
  HttpServer(HttpServerOptions options, HttpHandler handler, HttpObserver observer = {});
  // Calls Stop().
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Resolves the host, binds, listens and starts the I/O threads. On success
  // the server accepts connections when this returns. Returns
  // InvalidArgument when the host cannot be resolved, and IOError naming
  // host:port when binding or listening fails, e.g.
  // "cannot listen on 127.0.0.1:8000: Address already in use".
  // REQUIRES: Start() has not been called before.
  Status Start();

  // The bound port (useful with options.port == 0). 0 before a successful
  // Start().
  uint16_t port() const;

  // Graceful shutdown, in this order:
  //  1. stop accepting: new connections are refused;
  //  2. connections idle between requests are closed;
  //  3. requests being read or handled finish, and their responses are
  //     written with "Connection: close";
  //  4. after options.shutdown_grace, connections still open are closed
  //     forcibly;
  //  5. the I/O threads are joined.
  // Returns when all of that is done. Idempotent: later or concurrent calls
  // wait for the first one to finish. A handler that never returns blocks
  // step 5.
  // REQUIRES: not called on one of this server's I/O threads.
  void Stop();

  // Blocks until Stop() has completed (returns at once if it has).
  void Wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace metrify::http
