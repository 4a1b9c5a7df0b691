// librdkafka's log and error events into obs/log.h (queue/kafka_log.h).
#include "queue/kafka_log.h"

#include <string>

#include "obs/log.h"

namespace metrify::queue {

namespace {

void OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  std::initializer_list<obs::LogField> fields = {
      {"client", rd_kafka_name(rk)}, {"facility", facility}, {"detail", text}};
  if (level <= 4) {
    obs::LogWarn("kafka client", fields);
  } else if (level <= 6) {
    obs::LogInfo("kafka client", fields);
  } else {
    obs::LogDebug("kafka client", fields);
  }
}

void OnError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    // The event's reason is generic; the fatal error itself says what.
    char fatal_reason[512] = "";
    rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk, fatal_reason, sizeof fatal_reason);
    obs::LogError("kafka client failed fatally and must be recreated",
                  {{"client", rd_kafka_name(rk)},
                   {"error", rd_kafka_err2name(fatal)},
                   {"detail", fatal_reason}});
    return;
  }
  obs::LogWarn("kafka client error",
               {{"client", rd_kafka_name(rk)},
                {"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))},
                {"detail", reason}});
}

}  // namespace

void RouteKafkaEventsToLog(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, &OnLog);
  rd_kafka_conf_set_error_cb(conf, &OnError);
}

}  // namespace metrify::queue
