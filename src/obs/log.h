// Logging: JSON lines (or plain text for people at a terminal) through
// spdlog, one event per line with time, level, message, the current request
// id and any structured fields:
//   {"time":"2026-11-29T22:41:07.123Z","level":"info","msg":"request",
//    "request_id":"9f2c...","method":"GET","route":"/health","status":200}
// Code may also call spdlog directly; such lines get the same envelope.
//
// Never log secrets: configuration values are logged only redacted.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "common/status.h"

namespace metrify::obs {

struct LogField {
  std::string_view key;
  std::variant<std::string_view, int64_t, double, bool> value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int v) : key(k), value(int64_t{v}) {}
  LogField(std::string_view k, int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
};

// Sets up the default logger on stderr. `level`: trace|debug|info|warn|error;
// `format`: json|text. Errors: InvalidArgument naming the bad value.
Status InitLogging(std::string_view level, std::string_view format);

void LogDebug(std::string_view msg, std::initializer_list<LogField> fields = {});
void LogInfo(std::string_view msg, std::initializer_list<LogField> fields = {});
void LogWarn(std::string_view msg, std::initializer_list<LogField> fields = {});
void LogError(std::string_view msg, std::initializer_list<LogField> fields = {});

// While alive, log lines from this thread carry `request_id`.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string_view request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

}  // namespace metrify::obs
