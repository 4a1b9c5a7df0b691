// KafkaConfig: a librdkafka configuration (rd_kafka_conf_t) built from
// named settings (https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md),
// with errors that name the refused setting but never repeat its value:
// settings such as sasl.password or ssl.key.password hold secrets.
//
// Thread safety: the functions are thread-safe; a KafkaConf is owned by one
// thread until it is handed to rd_kafka_new().
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace metrify::queue {

// One librdkafka setting: {"linger.ms", "5"}.
using KafkaSetting = std::pair<std::string, std::string>;

struct KafkaConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
// Owns a configuration until release()d into rd_kafka_new(), which takes it
// over only when it succeeds.
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, KafkaConfDeleter>;

// Metrify's defaults for every client, where librdkafka's do not suit it;
// options' `settings` may override them:
//   - reconnect.backoff.max.ms=1000 (librdkafka: 10000): after an outage a
//     client tries again within a second, so ingest recovers within about a
//     second of the cluster instead of up to ten. Costs one connection
//     attempt per second per broker while the cluster is down.
inline const KafkaSetting kKafkaClientDefaults[] = {
    {"reconnect.backoff.max.ms", "1000"},
};

// A configuration with librdkafka's defaults, then `settings` in order (a
// later setting of the same name wins), and librdkafka's log and error
// events routed to Metrify's log (queue/kafka_log.h).
// Errors: InvalidArgument "Kafka setting 'NAME': ..." for an unknown name or
// a refused value; librdkafka's reason is included unless the name looks
// like it holds a secret (password, secret, key, token, jaas, credential).
Result<KafkaConf> BuildKafkaConf(std::span<const KafkaSetting> settings);

// Applies more settings to `conf`, with the same errors.
Status ApplyKafkaSettings(rd_kafka_conf_t* conf, std::span<const KafkaSetting> settings);

// True when the value of setting `name` may be a secret and must never be
// shown (in errors, logs or `config show`).
bool IsSecretKafkaSetting(std::string_view name);

}  // namespace metrify::queue
