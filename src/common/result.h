// Result<T>: a value or a non-OK Status. Its surface follows std::expected
// (has_value, value, error) so it can become an alias when we move to C++23.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/status.h"

namespace metrify {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).ok() && "Result built from an OK status");
  }

  bool has_value() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return has_value(); }

  // REQUIRES: has_value().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !has_value().
  const Status& error() const { return std::get<Status>(data_); }

  // The Status: OK when a value is held.
  Status status() const { return has_value() ? Status::Ok() : error(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace metrify

// Evaluates `rexpr` (a Result); returns its error from the enclosing function
// or moves its value into `lhs`.
#define METRIFY_CONCAT_INNER(a, b) a##b
#define METRIFY_CONCAT(a, b) METRIFY_CONCAT_INNER(a, b)
#define METRIFY_ASSIGN_OR_RETURN(lhs, rexpr) \
  METRIFY_ASSIGN_OR_RETURN_IMPL(METRIFY_CONCAT(result_, __LINE__), lhs, rexpr)
#define METRIFY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.has_value()) return tmp.error();            \
  lhs = std::move(tmp).value()
