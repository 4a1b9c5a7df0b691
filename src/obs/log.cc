#include "obs/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "common/json_writer.h"
#include "common/time.h"

namespace metrify::obs {

namespace {

thread_local std::string t_request_id;

// Structured fields travel inside the spdlog payload, framed by two control
// characters that never occur in messages, so one formatter serves both our
// calls and plain spdlog calls from other code.
constexpr char kFieldsStart = '\x1e';
constexpr char kFieldsEnd = '\x1f';

class LineFormatter : public spdlog::formatter {
 public:
  explicit LineFormatter(bool json) : json_(json) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string_view fields;
    if (!payload.empty() && payload.front() == kFieldsStart) {
      size_t end = payload.find(kFieldsEnd);
      fields = payload.substr(1, end - 1);
      payload = end == std::string_view::npos ? std::string_view() : payload.substr(end + 1);
    }
    int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    std::string line =
        json_ ? JsonLine(ms, msg.level, payload, fields) : TextLine(ms, msg.level, payload, fields);
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(json_);
  }

 private:
  static std::string JsonLine(int64_t ms, spdlog::level::level_enum level, std::string_view msg,
                              std::string_view fields) {
    std::string line = "{\"time\":\"" + FormatRfc3339(ms) + "\",\"level\":\"";
    auto name = spdlog::level::to_string_view(level);
    line.append(name.data(), name.size());
    line += "\",\"msg\":";
    AppendJsonString(line, msg);
    if (!t_request_id.empty()) {
      line += ",\"request_id\":";
      AppendJsonString(line, t_request_id);
    }
    line += fields;
    line += "}\n";
    return line;
  }

  static std::string TextLine(int64_t ms, spdlog::level::level_enum level, std::string_view msg,
                              std::string_view fields) {
    auto name = spdlog::level::to_string_view(level);
    std::string line = fmt::format("{} {:<5} {}", FormatRfc3339(ms),
                                   std::string_view(name.data(), name.size()), msg);
    if (!t_request_id.empty()) line += " request_id=" + t_request_id;
    // Fields are a JSON fragment (,"k":v); shown as-is, readable enough.
    if (!fields.empty()) line += " " + std::string(fields.substr(1));
    line += "\n";
    return line;
  }

  bool json_;
};

std::string FieldsFragment(std::initializer_list<LogField> fields) {
  std::string out;
  for (const LogField& f : fields) {
    out += ',';
    AppendJsonString(out, f.key);
    out += ':';
    std::visit(
        [&out](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string_view>) {
            AppendJsonString(out, v);
          } else if constexpr (std::is_same_v<V, bool>) {
            out += v ? "true" : "false";
          } else {
            out += fmt::format("{}", v);
          }
        },
        f.value);
  }
  return out;
}

void Log(spdlog::level::level_enum level, std::string_view msg,
         std::initializer_list<LogField> fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  if (fields.size() == 0) {
    logger->log(level, "{}", msg);
    return;
  }
  logger->log(level, "{}{}{}{}", kFieldsStart, FieldsFragment(fields), kFieldsEnd, msg);
}

}  // namespace

Status InitLogging(std::string_view level, std::string_view format) {
  spdlog::level::level_enum lvl;
  if (level == "trace") {
    lvl = spdlog::level::trace;
  } else if (level == "debug") {
    lvl = spdlog::level::debug;
  } else if (level == "info") {
    lvl = spdlog::level::info;
  } else if (level == "warn") {
    lvl = spdlog::level::warn;
  } else if (level == "error") {
    lvl = spdlog::level::err;
  } else {
    return Status::InvalidArgument(
        fmt::format("log.level must be one of trace, debug, info, warn, error; got \"{}\"", level));
  }
  if (format != "json" && format != "text") {
    return Status::InvalidArgument(
        fmt::format("log.format must be json or text; got \"{}\"", format));
  }
  auto logger = std::make_shared<spdlog::logger>("metrify",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(std::make_unique<LineFormatter>(format == "json"));
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

void LogDebug(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(spdlog::level::debug, msg, fields);
}
void LogInfo(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(spdlog::level::info, msg, fields);
}
void LogWarn(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(spdlog::level::warn, msg, fields);
}
void LogError(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(spdlog::level::err, msg, fields);
}

ScopedRequestId::ScopedRequestId(std::string_view request_id) : previous_(t_request_id) {
  t_request_id = request_id;
}

ScopedRequestId::~ScopedRequestId() { t_request_id = previous_; }

}  // namespace metrify::obs
