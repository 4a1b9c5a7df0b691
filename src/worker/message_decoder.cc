#include "worker/message_decoder.h"

#include <fmt/format.h>

#include "queue/edit_notice.h"
#include "queue/envelope.h"
#include "queue/sample_payload.h"

namespace metrify::worker {

namespace {

Result<DecodedMessage> DecodeEditNotice(const queue::ConsumedMessage& message,
                                        const queue::Envelope& envelope, ingest::EntityKeys& keys) {
  DecodedMessage out;
  out.message = &message;
  out.traceparent = envelope.traceparent;
  Result<queue::EditNotice> notice = queue::DecodeEditNotice(envelope.payload_json);
  if (!notice) {
    out.poison = notice.status().message();
    return out;
  }
  if (message.topic != queue::TopicOf(model::SeriesKind::kReading) ||
      message.key != notice->meter_id) {
    out.poison = fmt::format("edit notice for \"{}\" with key \"{}\" on topic {}", notice->meter_id,
                             message.key, message.topic);
    return out;
  }
  METRIFY_ASSIGN_OR_RETURN(std::optional<uint32_t> key,
                           keys.Find(model::SeriesKind::kReading, notice->meter_id));
  // A meter deleted since needs no validation: nothing to do, not poison.
  if (key) out.reopen = std::make_pair(*key, notice->timestamp_ms);
  return out;
}

}  // namespace

Result<DecodedMessage> DecodeMessage(const queue::ConsumedMessage& message,
                                     ingest::EntityKeys& keys) {
  DecodedMessage out;
  out.message = &message;
  Result<queue::Envelope> envelope = queue::DecodeEnvelope(message.value);
  if (!envelope) {
    out.poison = "envelope: " + envelope.status().message();
    return out;
  }
  out.traceparent = envelope->traceparent;
  if (envelope->type == queue::kEditNoticeType) return DecodeEditNotice(message, *envelope, keys);
  Result<queue::DecodedSamples> payload = queue::DecodeSamples(envelope->payload_json);
  if (!payload) {
    out.poison = "payload: " + payload.status().message();
    return out;
  }
  out.kind = payload->kind;
  const std::string_view kind_name = model::SeriesKindName(payload->kind);
  if (envelope->type != kind_name) {
    out.poison = fmt::format("envelope type \"{}\" does not match the payload's kind \"{}\"",
                             envelope->type, kind_name);
    return out;
  }
  if (message.topic != queue::TopicOf(payload->kind)) {
    out.poison = fmt::format("{} samples do not belong on topic {}", kind_name, message.topic);
    return out;
  }
  if (message.key != payload->entity_id) {
    out.poison = fmt::format("key \"{}\" is not the payload's entity \"{}\"", message.key,
                             payload->entity_id);
    return out;
  }
  METRIFY_ASSIGN_OR_RETURN(std::optional<uint32_t> key,
                           keys.Find(payload->kind, payload->entity_id));
  if (!key) {
    out.poison = fmt::format("{} \"{}\" is not registered", ingest::EntityNounOf(payload->kind),
                             payload->entity_id);
    return out;
  }
  out.samples.reserve(payload->samples.size());
  for (const model::Sample& s : payload->samples) {
    engine::wal::WalSample& w = out.samples.emplace_back();
    w.entity_key = *key;
    w.timestamp_ms = s.timestamp_ms;
    w.interval_s = s.interval_s;
    w.present = s.present;
    w.values = s.values;
  }
  return out;
}

}  // namespace metrify::worker
