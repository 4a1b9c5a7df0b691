// PgConnection: one libpq connection to PostgreSQL (scaled mode, issue 8),
// with the errors turned into Status and the URL's password never in them.
//
// Thread safety: none; one connection per thread (a pool hands them out).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace metrify::store {

// The rows of one query, as text (libpq's text format).
class PgRows {
 public:
  explicit PgRows(PGresult* result) : result_(result, &PQclear) {}
  int size() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view Text(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<size_t>(PQgetlength(result_.get(), row, column))};
  }
  int64_t Int(int row, int column) const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class PgConnection {
 public:
  // Connects to `url` (postgres://user[:password]@host:port/db?...), waiting
  // at most `timeout`. Errors: Unavailable naming the server (password
  // redacted) and libpq's reason.
  // A non-empty `password` is used when the URL carries none
  // (postgres.password, kept out of URLs that get logged).
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url,
                                                       std::chrono::seconds timeout,
                                                       const std::string& password = "");
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one or more statements, no parameters).
  Status Exec(std::string_view sql);
  // Runs one statement with text parameters ($1, $2, ...; nullopt is NULL)
  // and returns its rows.
  Result<PgRows> Query(std::string_view sql,
                       const std::vector<std::optional<std::string>>& params = {});

  // Sends `data` to a running `COPY ... FROM STDIN` statement `copy_sql`
  // (text or binary, as the statement says) and ends it. Errors: the
  // server's (a row it rejects aborts the whole COPY).
  Status CopyIn(std::string_view copy_sql, std::string_view data);

  // True while the connection is up and outside any transaction: fit to be
  // lent again by a pool.
  bool Usable() const {
    return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }

  // Runs `body` (returning Status or Result<T>) between BEGIN and COMMIT;
  // rolls back when it fails. Returns what `body` returned, or the error of
  // BEGIN or COMMIT.
  template <typename Body>
  auto InTransaction(Body body) -> decltype(body());

  // Where it is connected, for messages: "host:port/db" (no user, no password).
  const std::string& where() const { return where_; }

 private:
  PgConnection(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  // The Status of a failed result: SQLSTATE class 08 (connection) and
  // 57P0x (server shutting down or starting) are Unavailable, 23 (constraints) Conflict, others
  // Internal.
  Status ErrorOf(PGresult* result, std::string_view what) const;

  PGconn* conn_;
  std::string where_;
};

namespace pg_detail {
inline Status StatusOf(const Status& status) { return status; }
template <typename T>
Status StatusOf(const Result<T>& result) {
  return result.status();
}
}  // namespace pg_detail

template <typename Body>
auto PgConnection::InTransaction(Body body) -> decltype(body()) {
  if (Status begun = Exec("BEGIN"); !begun.ok()) return begun;
  auto result = body();
  if (!pg_detail::StatusOf(result).ok()) {
    (void)Exec("ROLLBACK");
    return result;
  }
  if (Status committed = Exec("COMMIT"); !committed.ok()) return committed;
  return result;
}

}  // namespace metrify::store
