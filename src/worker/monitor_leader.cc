#include "worker/monitor_leader.h"

namespace metrify::worker {

Result<bool> MonitorLeader::TryLead() {
  if (leads_) return true;
  if (!session_) {
    METRIFY_ASSIGN_OR_RETURN(
        session_, store::PgConnection::Connect(url_, std::chrono::seconds(5), password_));
  }
  Result<store::PgRows> rows =
      session_->Query("SELECT pg_try_advisory_lock($1)", {std::to_string(kMonitorLockKey)});
  if (!rows) {
    session_.reset();  // a fresh session next time
    return rows.status();
  }
  leads_ = rows->size() == 1 && rows->Text(0, 0) == "t";
  return leads_;
}

bool MonitorLeader::StillLeads() {
  if (!leads_) return false;
  if (session_->Query("SELECT 1").has_value()) return true;
  // The session is gone, and the lock with it.
  Resign();
  return false;
}

void MonitorLeader::Resign() {
  // Unlocked explicitly: the server frees a closed session's locks only
  // once its backend has exited, a moment after the close, and a standby
  // asking in that moment would not take over.
  if (leads_ && session_) {
    (void)session_->Query("SELECT pg_advisory_unlock($1)", {std::to_string(kMonitorLockKey)});
  }
  session_.reset();
  leads_ = false;
}

}  // namespace metrify::worker
