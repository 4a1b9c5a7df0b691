// Sample payloads (queue/sample_payload.h). Read with simdjson On-Demand
// because it parses each number where it stands: a value out of double range
// (1e999) fails only that value, so the error can name its sample and field,
// and "-0" reads back as -0.0 (the DOM parser would make it the integer 0).
#include "queue/sample_payload.h"

#include <simdjson.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "common/json_writer.h"
#include "parse/timestamp.h"

namespace metrify::queue {

namespace {

namespace od = simdjson::ondemand;
using model::Sample;
using model::SeriesKind;
using simdjson::error_code;

constexpr SeriesKind kQueuedKinds[] = {SeriesKind::kReading, SeriesKind::kGridStatus,
                                       SeriesKind::kObservation};

od::parser& ThreadParser() {
  thread_local od::parser parser;
  return parser;
}

Status Bad(std::string_view what) {
  return Status::InvalidArgument(fmt::format("sample payload: {}", what));
}

Status Broken(error_code error) {
  return Bad(fmt::format("not valid JSON: {}", simdjson::error_message(error)));
}

// A sample's problem, named by index and (when there is one) field.
Status BadSample(size_t index, std::string_view field, std::string_view what) {
  return field.empty() ? Bad(fmt::format("samples[{}]: {}", index, what))
                       : Bad(fmt::format("samples[{}].{}: {}", index, field, what));
}

Result<SeriesKind> KindNamed(std::string_view name) {
  for (SeriesKind kind : kQueuedKinds) {
    if (model::SeriesKindName(kind) == name) return kind;
  }
  return Bad(fmt::format("kind '{}' is not reading, grid_status or observation", name));
}

void WriteSample(JsonWriter& out, const std::vector<model::SeriesField>& fields,
                 const Sample& sample) {
  out.BeginObject().Key("timestamp").Int(sample.timestamp_ms);
  if (sample.interval_s != 0) out.Key("interval_s").Int(sample.interval_s);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (sample.Has(static_cast<int>(i))) out.Key(fields[i].name).Number(sample.values[i]);
  }
  out.EndObject();
}

// The first pass: kind and entity_id, wherever they stand; the samples are
// only checked for presence (their fields depend on the kind).
struct Header {
  SeriesKind kind = SeriesKind::kReading;
  std::string entity_id;
};

Status ReadHeaderMember(std::string_view key, od::value& value, Header* header) {
  std::string_view text;
  if (key == "kind") {
    if (value.get_string().get(text)) return Bad("member 'kind' must be a string");
    METRIFY_ASSIGN_OR_RETURN(header->kind, KindNamed(text));
  } else if (key == "entity_id") {
    if (value.get_string().get(text)) return Bad("member 'entity_id' must be a string");
    if (text.empty()) return Bad("member 'entity_id' is empty");
    header->entity_id = std::string(text);
  } else if (key != "samples") {
    return Bad(fmt::format("unknown member '{}'", key));
  }
  return Status::Ok();
}

Result<Header> ReadHeader(od::object& object) {
  Header header;
  bool seen[3] = {false, false, false};  // kind, entity_id, samples
  for (auto item : object) {
    od::field field;
    std::string_view key;
    if (error_code error = std::move(item).get(field)) return Broken(error);
    if (error_code error = field.unescaped_key().get(key)) return Broken(error);
    int slot = key == "kind" ? 0 : key == "entity_id" ? 1 : key == "samples" ? 2 : -1;
    if (slot >= 0 && seen[slot]) return Bad(fmt::format("member '{}' is given twice", key));
    if (slot >= 0) seen[slot] = true;
    METRIFY_RETURN_IF_ERROR(ReadHeaderMember(key, field.value(), &header));
  }
  if (!seen[0]) return Bad("member 'kind' is missing");
  if (!seen[1]) return Bad("member 'entity_id' is missing");
  if (!seen[2]) return Bad("member 'samples' is missing");
  return header;
}

Status ReadTimestamp(od::value& value, size_t index, Sample* sample) {
  if (value.get_int64().get(sample->timestamp_ms)) {
    return BadSample(index, "timestamp", "not an integer (epoch milliseconds)");
  }
  if (parse::CheckEpochMillis(sample->timestamp_ms) != parse::TimestampError::kNone) {
    return BadSample(index, "timestamp", "outside the years 1970..2200");
  }
  return Status::Ok();
}

Status ReadInterval(od::value& value, size_t index, Sample* sample) {
  int64_t seconds = 0;
  if (value.get_int64().get(seconds) || seconds <= 0 ||
      seconds > std::numeric_limits<int32_t>::max()) {
    return BadSample(index, "interval_s", "not a positive 32-bit integer");
  }
  sample->interval_s = static_cast<int32_t>(seconds);
  return Status::Ok();
}

Status ReadValue(od::value& value, size_t index, std::string_view key, int field, Sample* sample) {
  if (sample->Has(field)) return BadSample(index, key, "given twice");
  double number = 0;
  error_code error = value.get_double().get(number);
  // NUMBER_ERROR: number syntax whose value a double cannot hold (1e999).
  if (error == simdjson::NUMBER_ERROR || (!error && !std::isfinite(number))) {
    return BadSample(index, key, "not a finite number");
  }
  if (error) return BadSample(index, key, "not a number");
  sample->Set(field, number);
  return Status::Ok();
}

Status ReadSampleMember(SeriesKind kind, std::string_view key, od::value& value, size_t index,
                        bool* has_timestamp, Sample* sample) {
  if (key == "timestamp") {
    if (*has_timestamp) return BadSample(index, key, "given twice");
    *has_timestamp = true;
    return ReadTimestamp(value, index, sample);
  }
  if (key == "interval_s") {
    if (sample->interval_s != 0) return BadSample(index, key, "given twice");
    return ReadInterval(value, index, sample);
  }
  std::optional<int> field = model::SeriesFieldIndex(kind, key);
  if (!field) {
    return BadSample(index, key,
                     fmt::format("not a field of kind {}", model::SeriesKindName(kind)));
  }
  return ReadValue(value, index, key, *field, sample);
}

Result<Sample> ReadSample(SeriesKind kind, od::value& value, size_t index) {
  od::object object;
  if (value.get_object().get(object)) return BadSample(index, "", "not an object");
  Sample sample;
  bool has_timestamp = false;
  for (auto item : object) {
    od::field field;
    std::string_view key;
    if (error_code error = std::move(item).get(field)) return Broken(error);
    if (error_code error = field.unescaped_key().get(key)) return Broken(error);
    METRIFY_RETURN_IF_ERROR(
        ReadSampleMember(kind, key, field.value(), index, &has_timestamp, &sample));
  }
  if (!has_timestamp) return BadSample(index, "timestamp", "missing");
  if (sample.present == 0) {
    return BadSample(index, "", fmt::format("no field of kind {}", model::SeriesKindName(kind)));
  }
  return sample;
}

// The second pass: the samples, now that the kind is known.
Status ReadSamples(od::object& object, DecodedSamples* out) {
  od::array samples;
  if (error_code error = object.find_field_unordered("samples").get_array().get(samples)) {
    return error == simdjson::INCORRECT_TYPE ? Bad("member 'samples' must be an array")
                                             : Broken(error);
  }
  size_t index = 0;
  for (auto item : samples) {
    od::value value;
    if (error_code error = std::move(item).get(value)) return Broken(error);
    METRIFY_ASSIGN_OR_RETURN(Sample sample, ReadSample(out->kind, value, index));
    sample.entity_id = out->entity_id;
    out->samples.push_back(std::move(sample));
    ++index;
  }
  if (out->samples.empty()) return Bad("member 'samples' is empty");
  return Status::Ok();
}

Result<od::object> RootObject(od::document& doc) {
  od::object object;
  if (error_code error = doc.get_object().get(object)) {
    return error == simdjson::INCORRECT_TYPE ? Bad("not a JSON object") : Broken(error);
  }
  return object;
}

}  // namespace

std::string EncodeSamples(SeriesKind kind, std::string_view entity_id,
                          std::span<const Sample> samples) {
  const std::vector<model::SeriesField>& fields = model::SeriesFields(kind);
  JsonWriter out;
  out.Reserve(64 + samples.size() * (40 + 24 * fields.size()));
  out.BeginObject()
      .Key("kind")
      .String(model::SeriesKindName(kind))
      .Key("entity_id")
      .String(entity_id)
      .Key("samples")
      .BeginArray();
  for (const Sample& sample : samples) WriteSample(out, fields, sample);
  return out.EndArray().EndObject().Take();
}

Result<DecodedSamples> DecodeSamples(std::string_view payload_json) {
  simdjson::padded_string padded(payload_json);
  od::document doc;
  if (error_code error = ThreadParser().iterate(padded).get(doc)) return Broken(error);
  METRIFY_ASSIGN_OR_RETURN(od::object object, RootObject(doc));
  METRIFY_ASSIGN_OR_RETURN(Header header, ReadHeader(object));
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Bad("text follows the JSON object");
  }
  DecodedSamples out{.kind = header.kind, .entity_id = std::move(header.entity_id), .samples = {}};
  // Strings read in the first pass live in the parser's buffer, which the
  // second pass reuses; `header` holds copies.
  doc.rewind();
  METRIFY_ASSIGN_OR_RETURN(object, RootObject(doc));
  METRIFY_RETURN_IF_ERROR(ReadSamples(object, &out));
  return out;
}

std::string_view TopicOf(SeriesKind kind) {
  switch (kind) {
    case SeriesKind::kReading:
      return "metrify.readings";
    case SeriesKind::kGridStatus:
      return "metrify.grid-status";
    case SeriesKind::kObservation:
      return "metrify.weather";
    case SeriesKind::kVeeOverlay:
      break;
  }
  return "";
}

}  // namespace metrify::queue
