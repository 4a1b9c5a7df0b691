// The message envelope (queue/envelope.h): written with JsonWriter, read
// with simdjson On-Demand so the payload's raw text can be kept as it is.
#include "queue/envelope.h"

#include <simdjson.h>

#include <fmt/format.h>

#include "common/json_writer.h"
#include "common/time.h"
#include "parse/timestamp.h"

namespace metrify::queue {

namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// One parser per thread keeps its buffers between messages.
od::parser& ThreadParser() {
  thread_local od::parser parser;
  return parser;
}

// "…T00:00:00.000Z": FormatRfc3339 leaves out a zero fraction, the envelope
// always has one, so every produced_at has the same width.
std::string ProducedAtText(int64_t epoch_ms) {
  std::string text = FormatRfc3339(epoch_ms);
  if (text.find('.') == std::string::npos && !text.empty()) text.insert(text.size() - 1, ".000");
  return text;
}

Status Bad(std::string_view what) {
  return Status::InvalidArgument(fmt::format("message envelope: {}", what));
}

Status WrongType(std::string_view member, std::string_view expected) {
  return Bad(fmt::format("member '{}' must be {}", member, expected));
}

Status Broken(error_code error) {
  return Bad(fmt::format("not valid JSON: {}", simdjson::error_message(error)));
}

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// The payload's text as it stands in the document. On-Demand hands out
// containers whole (raw_json) and scalars as their token.
Result<std::string> RawPayload(od::value& value) {
  od::json_type type;
  if (error_code error = value.type().get(type)) return Broken(error);
  std::string_view raw;
  error_code error = simdjson::SUCCESS;
  if (type == od::json_type::object) {
    od::object object;
    error = value.get_object().get(object);
    if (!error) error = object.raw_json().get(raw);
  } else if (type == od::json_type::array) {
    od::array array;
    error = value.get_array().get(array);
    if (!error) error = array.raw_json().get(raw);
  } else {
    raw = value.raw_json_token();
  }
  if (error) return Broken(error);
  return std::string(TrimRight(raw));
}

// Checks the payload fully: On-Demand skipped over its inside.
Status CheckPayloadIsJson(std::string_view payload) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element ignored;
  if (error_code error = parser.parse(payload.data(), payload.size()).get(ignored)) {
    return Bad(
        fmt::format("member 'payload' is not valid JSON: {}", simdjson::error_message(error)));
  }
  return Status::Ok();
}

Result<std::string> ReadString(od::value& value, std::string_view member) {
  std::string_view text;
  if (value.get_string().get(text)) return WrongType(member, "a string");
  return std::string(text);
}

Result<std::string> ReadTraceparent(od::value& value) {
  od::object trace;
  if (value.get_object().get(trace)) return WrongType("trace", "an object");
  std::string traceparent;
  for (auto member : trace) {
    od::field field;
    std::string_view key;
    if (error_code error = std::move(member).get(field)) return Broken(error);
    if (error_code error = field.unescaped_key().get(key)) return Broken(error);
    if (key != "traceparent") continue;  // tracestate and later additions
    METRIFY_ASSIGN_OR_RETURN(traceparent, ReadString(field.value(), "trace.traceparent"));
  }
  return traceparent;
}

// The members every envelope has, as bits of a "seen" mask.
enum Member : unsigned {
  kType = 1,
  kVersion = 2,
  kProducedAt = 4,
  kProducer = 8,
  kTrace = 16,
  kPayload = 32,
  kAll = 63,
};

constexpr std::pair<Member, std::string_view> kMemberNames[] = {
    {kType, "type"},         {kVersion, "version"}, {kProducedAt, "produced_at"},
    {kProducer, "producer"}, {kTrace, "trace"},     {kPayload, "payload"},
};

Member MemberOf(std::string_view key) {
  for (const auto& [member, name] : kMemberNames) {
    if (key == name) return member;
  }
  return Member{0};
}

Status ReadVersion(od::value& value, int* version) {
  int64_t number = 0;
  if (value.get_int64().get(number)) return WrongType("version", "an integer");
  if (number != kEnvelopeVersion) {
    return Bad(fmt::format("version {} is not supported (this reader knows version {})", number,
                           kEnvelopeVersion));
  }
  *version = static_cast<int>(number);
  return Status::Ok();
}

Status ReadProducedAt(od::value& value, int64_t* epoch_ms) {
  METRIFY_ASSIGN_OR_RETURN(std::string text, ReadString(value, "produced_at"));
  // ParseTimestamp also takes bare epoch digits; the envelope wants a date.
  bool looks_like_date = text.size() > 10 && text[4] == '-' && text[7] == '-';
  if (!looks_like_date || parse::ParseTimestamp(text, epoch_ms) != parse::TimestampError::kNone) {
    return WrongType("produced_at", "an RFC 3339 time with an offset");
  }
  return Status::Ok();
}

Status ReadMember(Member member, od::value& value, Envelope* envelope) {
  switch (member) {
    case kType: {
      METRIFY_ASSIGN_OR_RETURN(envelope->type, ReadString(value, "type"));
      return envelope->type.empty() ? Bad("member 'type' is empty") : Status::Ok();
    }
    case kVersion:
      return ReadVersion(value, &envelope->version);
    case kProducedAt:
      return ReadProducedAt(value, &envelope->produced_at_ms);
    case kProducer: {
      METRIFY_ASSIGN_OR_RETURN(envelope->producer, ReadString(value, "producer"));
      return Status::Ok();
    }
    case kTrace: {
      METRIFY_ASSIGN_OR_RETURN(envelope->traceparent, ReadTraceparent(value));
      return Status::Ok();
    }
    case kPayload: {
      METRIFY_ASSIGN_OR_RETURN(envelope->payload_json, RawPayload(value));
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
}

Status ReadMembers(od::object& object, Envelope* envelope) {
  unsigned seen = 0;
  for (auto item : object) {
    od::field field;
    std::string_view key;
    if (error_code error = std::move(item).get(field)) return Broken(error);
    if (error_code error = field.unescaped_key().get(key)) return Broken(error);
    Member member = MemberOf(key);
    if (member == 0) continue;  // a member added later: readers ignore it
    if (seen & member) return Bad(fmt::format("member '{}' is given twice", key));
    seen |= member;
    METRIFY_RETURN_IF_ERROR(ReadMember(member, field.value(), envelope));
  }
  for (const auto& [member, name] : kMemberNames) {
    if (!(seen & member)) return Bad(fmt::format("member '{}' is missing", name));
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeEnvelope(const Envelope& envelope) {
  JsonWriter out;
  out.Reserve(envelope.payload_json.size() + 256);
  out.BeginObject()
      .Key("type")
      .String(envelope.type)
      .Key("version")
      .Int(envelope.version)
      .Key("produced_at")
      .String(ProducedAtText(envelope.produced_at_ms))
      .Key("producer")
      .String(envelope.producer)
      .Key("trace")
      .BeginObject();
  if (!envelope.traceparent.empty()) out.Key("traceparent").String(envelope.traceparent);
  out.EndObject().Key("payload");
  if (envelope.payload_json.empty()) {
    out.Null();
  } else {
    out.Raw(envelope.payload_json);
  }
  return out.EndObject().Take();
}

Result<Envelope> DecodeEnvelope(std::string_view json) {
  simdjson::padded_string padded(json);
  od::document doc;
  od::object object;
  if (error_code error = ThreadParser().iterate(padded).get(doc)) return Broken(error);
  if (error_code error = doc.get_object().get(object)) {
    return error == simdjson::INCORRECT_TYPE ? Bad("not a JSON object") : Broken(error);
  }
  Envelope envelope;
  METRIFY_RETURN_IF_ERROR(ReadMembers(object, &envelope));
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return Bad("text follows the JSON object");
  }
  METRIFY_RETURN_IF_ERROR(CheckPayloadIsJson(envelope.payload_json));
  return envelope;
}

}  // namespace metrify::queue
