// Envelope: the JSON wrapper around the value of every message scaled mode
// puts on Kafka (queue/README.md; the sample payloads are in sample_payload.h):
//
//   {"type":"readings","version":1,"produced_at":"2026-01-13T00:00:00.000Z",
//    "producer":"metrify-api@host-1","trace":{"traceparent":"00-…-01"},
//    "payload":<any JSON value>}
//
// `type` says what the payload is; `version` is the envelope's own format
// version (only 1 exists); `produced_at` is when the producer made the
// message (RFC 3339 UTC, always with milliseconds); `trace` carries the W3C
// trace context (queue/trace_context.h). Readers ignore members they do not
// know, so members may be added without a new version.
//
// Thread safety: both functions may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace metrify::queue {

// The only envelope version there is. Never reuse a number for another shape.
inline constexpr int kEnvelopeVersion = 1;

struct Envelope {
  std::string type{};  // what the payload is, e.g. "readings"; not empty
  int version = kEnvelopeVersion;
  int64_t produced_at_ms = 0;  // epoch milliseconds, UTC
  std::string producer{};      // who made it, e.g. "metrify-api@host-1"
  std::string traceparent{};   // W3C traceparent; empty when there is none
  std::string payload_json{};  // the payload's JSON text, exactly as written
};

// The envelope as compact JSON. `payload_json` is inserted as it is (an
// empty one as null), so numbers in it keep their exact text.
// REQUIRES: payload_json is empty or one valid JSON value.
std::string EncodeEnvelope(const Envelope& envelope);

// Reads an envelope. `payload_json` is the payload's text exactly as it
// stands in `json` (no re-serialisation, so doubles survive bit for bit).
// Errors: InvalidArgument naming the problem: not JSON, not an object, text
// after it, a member missing, of the wrong type or given twice, an empty
// `type`, a `produced_at` that is not RFC 3339, `version` not 1, a payload
// that is not valid JSON. A `traceparent` that is not valid W3C is kept as
// it is (ChildTraceparent() starts a new trace from it): tracing never
// makes a message unreadable.
Result<Envelope> DecodeEnvelope(std::string_view json);

}  // namespace metrify::queue
