#include "store/postgres/pg_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "config/redact.h"

namespace metrify::store {

namespace {

// libpq's messages end with a newline and may run over several lines.
std::string Clean(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

}  // namespace

int64_t PgRows::Int(int row, int column) const {
  std::string_view text = Text(row, column);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url,
                                                            std::chrono::seconds timeout,
                                                            const std::string& password) {
  const std::string seconds = std::to_string(std::max<int64_t>(1, timeout.count()));
  // libpq takes a later keyword over the URL's own: the password goes
  // first, so a password written in the URL wins.
  const char* keys[] = {"password", "dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {password.c_str(), url.c_str(), seconds.c_str(), "metrify", nullptr};
  const int first = password.empty() ? 1 : 0;
  // expand_dbname: the URL's own parts, then these.
  PGconn* conn = PQconnectdbParams(keys + first, values + first, 1);
  if (conn == nullptr) return Status::ResourceExhausted("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = Clean(PQerrorMessage(conn));
    PQfinish(conn);
    return Status::Unavailable(
        fmt::format("cannot connect to PostgreSQL at {}: {}", config::RedactUrl(url), reason));
  }
  // NOTICEs ("relation ... already exists, skipping") are not for the user.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  std::string where = fmt::format("{}:{}/{}", PQhost(conn), PQport(conn), PQdb(conn));
  return std::unique_ptr<PgConnection>(new PgConnection(conn, std::move(where)));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Status PgConnection::ErrorOf(PGresult* result, std::string_view what) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = Clean(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  if (message.empty()) message = Clean(PQerrorMessage(conn_));
  const std::string text = fmt::format("PostgreSQL at {}: {}: {}", where_, what, message);
  std::string_view code = state ? state : "";
  // 08: connection exceptions; 57P01..03: the server is shutting down,
  // crashed or not accepting yet (a restart) — all worth retrying.
  if (PQstatus(conn_) != CONNECTION_OK || code.starts_with("08") || code.starts_with("57P")) {
    return Status::Unavailable(text);
  }
  if (code.starts_with("23")) return Status::Conflict(text);
  return Status::Internal(text);
}

Status PgConnection::Exec(std::string_view sql) {
  PGresult* result = PQexec(conn_, std::string(sql).c_str());
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PQclear(result);
    return Status::Ok();
  }
  Status error = ErrorOf(result, "statement failed");
  PQclear(result);
  return error;
}

Result<PgRows> PgConnection::Query(std::string_view sql,
                                   const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* result = PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()),
                                  nullptr, values.data(), nullptr, nullptr, 0);
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return PgRows(result);
  Status error = ErrorOf(result, "query failed");
  PQclear(result);
  return error;
}

Status PgConnection::CopyIn(std::string_view copy_sql, std::string_view data) {
  PGresult* started = PQexec(conn_, std::string(copy_sql).c_str());
  if (started == nullptr || PQresultStatus(started) != PGRES_COPY_IN) {
    Status error = ErrorOf(started, "COPY did not start");
    PQclear(started);
    return error;
  }
  PQclear(started);
  // libpq buffers; large chunks keep the number of calls down.
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kChunk) {
    const size_t n = std::min(kChunk, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) {
      (void)PQputCopyEnd(conn_, "client could not send");
      break;
    }
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) return ErrorOf(nullptr, "COPY could not end");
  Status status = Status::Ok();
  // COPY's outcome, then the end of the statement.
  while (PGresult* result = PQgetResult(conn_)) {
    if (PQresultStatus(result) != PGRES_COMMAND_OK && status.ok()) {
      status = ErrorOf(result, "COPY failed");
    }
    PQclear(result);
  }
  return status;
}

}  // namespace metrify::store
