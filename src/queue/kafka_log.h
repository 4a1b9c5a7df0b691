// Routes librdkafka's log lines and error events into Metrify's log
// (obs/log.h), so Kafka clients write the same JSON lines as everything
// else instead of librdkafka's own text on stderr.
//
// Thread safety: the callbacks run on librdkafka's threads (log lines) and
// on whichever thread serves the client's queue (errors); obs logging is
// thread-safe.
#pragma once

#include <librdkafka/rdkafka.h>

namespace metrify::queue {

// Installs log and error callbacks on `conf`. Log levels map as syslog's:
// emergency..warning to warn (a broker being unreachable is a dependency
// problem, not Metrify's error), notice and info to info, debug to debug.
// Error events are logged as warnings, fatal ones (the client is unusable)
// as errors. Neither includes configuration values.
// REQUIRES: conf is not yet handed to rd_kafka_new().
void RouteKafkaEventsToLog(rd_kafka_conf_t* conf);

}  // namespace metrify::queue
