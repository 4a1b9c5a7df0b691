// Status: the outcome of an operation that can fail, as a small domain code
// plus a human-readable message. OK carries no allocation.
//
// Mapping to transport happens once, at the edge: HTTP statuses in api/,
// exit codes in cli/. Exceptions thrown by libraries stop at adapters and
// come back as a Status.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace metrify {

// Never renumber: codes are written to logs and mapped to HTTP and exit codes.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,    // the caller's input is wrong (bad field, bad value)
  kNotFound = 2,           // the named entity does not exist
  kAlreadyExists = 3,      // an entity with this id exists already
  kConflict = 4,           // the request contradicts the current state
  kCorruption = 5,         // stored data is damaged (carries file and offset)
  kIOError = 6,            // the operating system refused a read or write
  kUnavailable = 7,        // a dependency is down; retrying later may work
  kResourceExhausted = 8,  // back-pressure or a configured limit was hit
  kUnauthenticated = 9,
  kPermissionDenied = 10,
  kInternal = 11,  // a bug or an unexpected library failure
};

// The stable lower-case name of a code ("invalid_argument"), used in logs.
std::string_view StatusCodeName(StatusCode code);

// One item-level problem behind a Status: a field of an entity, a line of an
// imported file, an element of a batch.
struct StatusDetail {
  std::string field;    // "latitude", "line 7", "[3].timestamp"; may be empty
  std::string code;     // stable machine-readable reason, e.g. "out_of_range"
  std::string message;  // for people; names the field and the offending value
};

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::vector<StatusDetail> details = {});

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status Conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  // A request whose fields are wrong; `details` names each one.
  static Status InvalidFields(std::string msg, std::vector<StatusDetail> details) {
    return {StatusCode::kInvalidArgument, std::move(msg), std::move(details)};
  }
  // The same, with the first detail's message as the status message.
  // REQUIRES: !details.empty().
  static Status InvalidFields(std::vector<StatusDetail> details) {
    std::string msg = details.front().message;
    return {StatusCode::kInvalidArgument, std::move(msg), std::move(details)};
  }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // Empty for OK.
  const std::string& message() const;
  // Item-level problems; empty for OK and for most errors.
  const std::vector<StatusDetail>& details() const;
  // "invalid_argument: <message>", or "ok".
  std::string ToString() const;

 private:
  struct State {
    StatusCode code;
    std::string message;
    std::vector<StatusDetail> details;
  };
  std::shared_ptr<const State> state_;  // null means OK
};

}  // namespace metrify

// Returns early from the enclosing function when `expr` is not OK.
#define METRIFY_RETURN_IF_ERROR(expr)   \
  do {                                  \
    ::metrify::Status status_ = (expr); \
    if (!status_.ok()) return status_;  \
  } while (0)
