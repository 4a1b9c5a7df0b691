// W3C Trace Context (https://www.w3.org/TR/trace-context/) for the messages
// scaled mode puts on Kafka: every envelope (queue/envelope.h) carries the
// `traceparent` of the work that produced it, so a reading can be followed
// from the HTTP request that ingested it to the consumer that stored it.
//
//   traceparent = "00-" trace-id (32 hex) "-" parent-id (16 hex) "-" flags (2 hex)
//
// All functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace metrify::queue {

// A new trace: version 00, a random 16-byte trace id and 8-byte span id
// (never all zero), flags 01 (sampled), lower-case hex; 55 characters.
std::string NewTraceparent();

// True when `traceparent` is well-formed: version 00 exactly as above, or a
// later version (not ff) whose first 55 characters have that shape and
// which continues only after a '-' (the spec's forward compatibility).
// Lower-case hex only; all-zero trace or parent ids are invalid.
bool ValidTraceparent(std::string_view traceparent);

// The traceparent of work done on behalf of `parent`: the same trace id and
// flags, a new random span id, version 00. When `parent` is not valid,
// starts a new trace instead (NewTraceparent()), as the spec asks of a
// receiver that cannot parse its input.
std::string ChildTraceparent(std::string_view parent);

}  // namespace metrify::queue
