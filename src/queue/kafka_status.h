// librdkafka's error codes as Metrify's Status codes, decided in one place
// for the producer and the consumer.
//
// Thread safety: pure functions.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string_view>

#include "common/status.h"

namespace metrify::queue {

// The Status code of a librdkafka error:
//   - Unavailable: the cluster did not answer in time or is not reachable
//     (message timed out, transport, all brokers down, no leader, not
//     enough replicas, coordinator moving); retrying later may work.
//   - ResourceExhausted: the local queue is full (back-pressure).
//   - InvalidArgument: unknown topic or partition, a message too large.
//   - Conflict: the consumer group moved on (rebalance in progress, old
//     generation, member unknown, assignment lost).
//   - Unauthenticated / PermissionDenied: SASL failures / ACLs.
//   - Internal: everything else (including fatal client errors).
// REQUIRES: err != RD_KAFKA_RESP_ERR_NO_ERROR.
StatusCode KafkaStatusCode(rd_kafka_resp_err_t err);

// "<context>: <librdkafka's text for err>" with KafkaStatusCode(err); OK for
// RD_KAFKA_RESP_ERR_NO_ERROR.
Status KafkaStatus(rd_kafka_resp_err_t err, std::string_view context);

}  // namespace metrify::queue
