// SIGINT and SIGTERM for the long-running commands (serve, worker): blocked
// in every thread, so one sigwait() in the main thread receives them.
#pragma once

#include <csignal>

namespace metrify::cli {

// Blocks SIGINT and SIGTERM in this thread and every thread it starts later.
// Call before starting any thread; returns the set to sigwait() on.
inline sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace metrify::cli
