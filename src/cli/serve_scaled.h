// `metrify serve` in scaled mode (docs/scaled.md): a stateless API replica.
// The registry, alerts and edits are PostgreSQL's, reads go to the series
// store in PostgreSQL (the read replica when configured), and ingest is
// checked, then handed to Kafka: the answer waits for every in-sync
// replica's acknowledgement, and `metrify worker ingest` stores it.
#pragma once

#include <csignal>

#include "config/config.h"
#include "http/server.h"

namespace metrify::cli {

// The HTTP server's options from the configuration (both modes).
http::HttpServerOptions ServerOptions(const config::ServerConfig& c);

// Runs until SIGINT or SIGTERM arrives on `stop_signals` (blocked by the
// caller), then drains and returns. Fails the command (exit 2 or 6) when a
// back end cannot be used.
void ServeScaled(const config::Config& config, const sigset_t& stop_signals);

}  // namespace metrify::cli
