#include "cli/ingest_outcome.h"

#include <simdjson.h>

#include <fmt/format.h>

#include <cmath>

#include "common/json_writer.h"

namespace metrify::cli {

namespace {

size_t Count(simdjson::dom::element outcome, const char* key) {
  int64_t n = 0;
  return outcome[key].get(n) || n < 0 ? 0 : static_cast<size_t>(n);
}

std::string OptionalString(simdjson::dom::element object, const char* key) {
  std::string_view text;
  return object[key].get(text) ? std::string() : std::string(text);
}

ItemRejection ToRejection(simdjson::dom::element error, std::string_view file,
                          const std::vector<size_t>& item_lines) {
  int64_t index = -1;
  if (error["index"].get(index)) index = -1;
  bool mapped = index >= 0 && static_cast<size_t>(index) < item_lines.size();
  return {.file = std::string(file),
          .line = mapped ? item_lines[static_cast<size_t>(index)] : 0,
          .code = OptionalString(error, "code"),
          .field = OptionalString(error, "field"),
          .message = OptionalString(error, "message")};
}

}  // namespace

Status AddOutcome(std::string_view answer, std::string_view file,
                  const std::vector<size_t>& item_lines, IngestCounts* counts,
                  std::vector<ItemRejection>* rejections) {
  simdjson::dom::parser parser;
  simdjson::dom::element outcome;
  simdjson::dom::array errors;
  if (parser.parse(answer).get(outcome) || outcome["errors"].get(errors)) {
    return Status::Internal(
        fmt::format("the server's ingest answer is not an outcome: {}", answer.substr(0, 200)));
  }
  counts->items += Count(outcome, "items");
  counts->accepted += Count(outcome, "accepted");
  counts->inserted += Count(outcome, "inserted");
  counts->unchanged += Count(outcome, "unchanged");
  counts->revised += Count(outcome, "revised");
  counts->registered += Count(outcome, "registered");
  counts->rejected += Count(outcome, "rejected");
  for (simdjson::dom::element error : errors) {
    rejections->push_back(ToRejection(error, file, item_lines));
  }
  return Status::Ok();
}

std::string ErrorBodyMessage(int status, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view message;
  if (parser.parse(body).get(doc) || doc["error"]["message"].get(message)) {
    return fmt::format("server answered {}: {}", status, body.substr(0, 200));
  }
  std::string text(message);
  simdjson::dom::array details;
  if (doc["error"]["details"].get(details)) return text;
  for (simdjson::dom::element detail : details) {
    std::string field = OptionalString(detail, "field");
    std::string detail_message = OptionalString(detail, "message");
    if (detail_message == text) continue;
    text += field.empty() || detail_message.find(field) != std::string::npos
                ? fmt::format("\n  {}", detail_message)
                : fmt::format("\n  {}: {}", field, detail_message);
  }
  return text;
}

std::string FormatRejection(const ItemRejection& r) {
  std::string place = r.line > 0 ? fmt::format("{}:{}", r.file, r.line) : r.file;
  return fmt::format("{}: {}: {}", place, r.code, r.message);
}

std::string SummaryText(const IngestCounts& c, double seconds) {
  std::string text = fmt::format(
      "{} file{}, {} items: {} accepted ({} inserted, {} unchanged, {} revised), {} rejected in "
      "{:.1f} s ({:.0f} items/s)",
      c.files, c.files == 1 ? "" : "s", c.items, c.accepted, c.inserted, c.unchanged, c.revised,
      c.rejected, seconds, seconds > 0 ? static_cast<double>(c.items) / seconds : 0.0);
  if (c.registered > 0) text += fmt::format(", {} entities registered", c.registered);
  return text;
}

std::string SummaryJson(const IngestCounts& c, double seconds,
                        const std::vector<ItemRejection>& rejections, std::string_view stopped) {
  JsonWriter w;
  w.BeginObject();
  w.Key("files").Int(static_cast<int64_t>(c.files));
  w.Key("items").Int(static_cast<int64_t>(c.items));
  w.Key("accepted").Int(static_cast<int64_t>(c.accepted));
  w.Key("inserted").Int(static_cast<int64_t>(c.inserted));
  w.Key("unchanged").Int(static_cast<int64_t>(c.unchanged));
  w.Key("revised").Int(static_cast<int64_t>(c.revised));
  w.Key("registered").Int(static_cast<int64_t>(c.registered));
  w.Key("rejected").Int(static_cast<int64_t>(c.rejected));
  const double rate = seconds > 0 ? static_cast<double>(c.items) / seconds : 0.0;
  w.Key("seconds").Number(std::round(seconds * 1000) / 1000);
  w.Key("items_per_second").Number(std::round(rate));
  w.Key("errors").BeginArray();
  for (const ItemRejection& r : rejections) {
    w.BeginObject();
    w.Key("file").String(r.file);
    w.Key("line").Int(static_cast<int64_t>(r.line));
    w.Key("code").String(r.code);
    w.Key("field");
    r.field.empty() ? w.Null() : w.String(r.field);
    w.Key("message").String(r.message);
    w.EndObject();
  }
  w.EndArray();
  w.Key("error");
  if (stopped.empty()) {
    w.Null();
  } else {
    w.String(stopped);
  }
  return w.EndObject().Take();
}

}  // namespace metrify::cli
