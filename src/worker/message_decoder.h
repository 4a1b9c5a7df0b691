// Reads one consumed Kafka message of the ingest topics into samples the
// series store takes, checking everything a producer could have got wrong:
// the envelope, the payload, that the topic, the envelope type and the key
// agree with the payload, and that the entity is registered. A message
// that fails is poison: it goes to metrify.dlq with the reason.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "ingest/entity_keys.h"
#include "model/series.h"
#include "queue/kafka_message.h"
#include "store/engine/wal/sample_batch.h"

namespace metrify::worker {

struct DecodedMessage {
  const queue::ConsumedMessage* message = nullptr;
  model::SeriesKind kind = model::SeriesKind::kReading;
  std::vector<engine::wal::WalSample> samples;
  std::string traceparent;  // the envelope's, for the worker's log
  // An edit notice (queue/edit_notice.h) rather than samples: the meter's
  // key and the edited interval end, for VEE to validate that day again.
  std::optional<std::pair<uint32_t, int64_t>> reopen;
  std::string poison;  // non-empty: why the message cannot be stored
};

// Decodes `message`. A bad message is not an error: the result's `poison`
// says why. Errors: only the registry's (Unavailable, ...), which are the
// worker's to retry, not the message's fault.
Result<DecodedMessage> DecodeMessage(const queue::ConsumedMessage& message,
                                     ingest::EntityKeys& keys);

}  // namespace metrify::worker
