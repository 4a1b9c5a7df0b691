#include "queue/edit_notice.h"

#include <simdjson.h>

#include "common/json_writer.h"

namespace metrify::queue {

std::string EncodeEditNotice(const EditNotice& notice) {
  JsonWriter w;
  w.BeginObject();
  w.Key("meter_id").String(notice.meter_id);
  w.Key("timestamp").Int(notice.timestamp_ms);
  w.EndObject();
  return w.Take();
}

Result<EditNotice> DecodeEditNotice(std::string_view payload_json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(payload_json.data(), payload_json.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return Status::InvalidArgument("edit notice: not a JSON object");
  }
  EditNotice notice;
  std::string_view id;
  if (root["meter_id"].get(id) != simdjson::SUCCESS || id.empty()) {
    return Status::InvalidArgument("edit notice: meter_id must be a non-empty string");
  }
  notice.meter_id = std::string(id);
  if (root["timestamp"].get(notice.timestamp_ms) != simdjson::SUCCESS) {
    return Status::InvalidArgument("edit notice: timestamp must be epoch milliseconds");
  }
  return notice;
}

}  // namespace metrify::queue
