// Building librdkafka configurations (queue/kafka_config.h).
#include "queue/kafka_config.h"

#include <fmt/format.h>

#include "queue/kafka_log.h"

namespace metrify::queue {

bool IsSecretKafkaSetting(std::string_view name) {
  // librdkafka's error text for a refused value quotes the value; for these
  // names it is left out. Erring towards "secret" costs only detail.
  for (std::string_view word : {"password", "secret", "key", "token", "jaas", "credential"}) {
    if (name.find(word) != std::string_view::npos) return true;
  }
  return false;
}

Status ApplyKafkaSettings(rd_kafka_conf_t* conf, std::span<const KafkaSetting> settings) {
  for (const auto& [name, value] : settings) {
    char reason[512] = "";
    rd_kafka_conf_res_t result =
        rd_kafka_conf_set(conf, name.c_str(), value.c_str(), reason, sizeof reason);
    if (result == RD_KAFKA_CONF_OK) continue;
    if (result == RD_KAFKA_CONF_UNKNOWN) {
      return Status::InvalidArgument(fmt::format("Kafka setting '{}': no such setting", name));
    }
    if (IsSecretKafkaSetting(name)) {
      return Status::InvalidArgument(fmt::format(
          "Kafka setting '{}': the value was refused (not shown: it may be secret)", name));
    }
    return Status::InvalidArgument(fmt::format("Kafka setting '{}': {}", name, reason));
  }
  return Status::Ok();
}

Result<KafkaConf> BuildKafkaConf(std::span<const KafkaSetting> settings) {
  KafkaConf conf(rd_kafka_conf_new());
  RouteKafkaEventsToLog(conf.get());
  METRIFY_RETURN_IF_ERROR(ApplyKafkaSettings(conf.get(), settings));
  return conf;
}

}  // namespace metrify::queue
