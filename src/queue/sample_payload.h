// The payload of the `metrify.readings`, `metrify.grid-status` and
// `metrify.weather` messages: every sample of ONE entity from one ingest
// request, so the entity id is the message key and one entity's samples stay
// on one partition, in order.
//
//   {"kind":"reading","entity_id":"SM1","samples":[
//     {"timestamp":1736726400000,"interval_s":900,"energy_kwh":0.25}, ...]}
//
// `timestamp` is epoch milliseconds (UTC; for readings the interval's end),
// `interval_s` appears when not 0, and each present field of the kind
// (model::SeriesFields) appears under its wire name. Numbers are written as
// the shortest text that reads back to the same double, so a value survives
// the queue bit for bit: consumers compare values bit-identically to make a
// redelivered message a no-op.
//
// Thread safety: all functions may be called from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/series.h"

namespace metrify::queue {

// The payload as compact JSON. Each sample's own entity_id is not written:
// `entity_id` names them all.
// REQUIRES: kind is reading, grid_status or observation; every present value
// is finite (a NaN or infinity would be written as null, which
// DecodeSamples() refuses).
std::string EncodeSamples(model::SeriesKind kind, std::string_view entity_id,
                          std::span<const model::Sample> samples);

struct DecodedSamples {
  model::SeriesKind kind = model::SeriesKind::kReading;
  std::string entity_id{};
  std::vector<model::Sample> samples{};  // in payload order; entity_id set on each
};

// Reads a payload strictly. Errors: InvalidArgument naming the problem and,
// for a sample, its index and field ("samples[3].energy_kwh: not a number"):
// not JSON or not an object; a missing, duplicate, unknown or wrong-typed
// member; a kind other than reading, grid_status, observation; an empty
// entity_id or samples array; a sample without timestamp, with a timestamp
// outside 1970..2200, an interval_s that is not a positive 32-bit integer, a
// field the kind does not have, a value that is not a number or not finite,
// or no field at all.
Result<DecodedSamples> DecodeSamples(std::string_view payload_json);

// The topic that carries `kind`: reading -> "metrify.readings", grid_status
// -> "metrify.grid-status", observation -> "metrify.weather"; "" for kinds
// that are never queued (vee_overlay).
std::string_view TopicOf(model::SeriesKind kind);

}  // namespace metrify::queue
