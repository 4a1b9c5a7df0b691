// MonitorLeader: which of the `metrify worker monitor` replicas is active
// (docs/scaled.md "Detection and alerts"). The leader holds a PostgreSQL
// session advisory lock (kMonitorLockKey) on a connection of its own; the
// others try for it every second as standbys. The lock ends with the
// leader's session: a clean stop, a crash or kill -9 (the server sees the
// socket close), or a network failure (the server drops the session), so a
// standby takes over without any timeout of ours.
//
// Thread safety: none; one thread (the monitor's loop) owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace metrify::worker {

// The advisory lock's key, "MONITOR" in ASCII. Never change it: replicas
// of two releases during a rolling update must contend for the same lock.
inline constexpr int64_t kMonitorLockKey = 0x4d4f4e49544f52;

class MonitorLeader {
 public:
  // Connects nothing yet. `password` is used for a URL without one.
  MonitorLeader(std::string url, std::string password)
      : url_(std::move(url)), password_(std::move(password)) {}

  // Tries once to take the lock (connecting first if needed). Returns
  // whether this process leads now. Errors: Unavailable (the database
  // cannot be reached; try again later).
  Result<bool> TryLead();
  // Whether the lock is still ours: the session answers. False (and the
  // connection dropped) when it broke: another replica may lead already.
  bool StillLeads();
  // Ends the session, and with it the lock.
  void Resign();
  bool leads() const { return leads_; }

 private:
  std::string url_, password_;
  std::unique_ptr<store::PgConnection> session_;
  bool leads_ = false;
};

}  // namespace metrify::worker
