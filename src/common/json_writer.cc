#include "common/json_writer.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

namespace metrify {

namespace {

bool NeedsEscape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

void AppendEscaped(std::string& out, char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned char>(c));
  }
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
  out.push_back('"');
  // Runs of plain characters are copied whole: ids and timestamps, the bulk
  // of large answers, never need an escape.
  size_t plain = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!NeedsEscape(value[i])) continue;
    out.append(value.data() + plain, i - plain);
    AppendEscaped(out, value[i]);
    plain = i + 1;
  }
  out.append(value.data() + plain, value.size() - plain);
  out.push_back('"');
}

char* WriteJsonNumber(char* out, double value) {
  if (!std::isfinite(value)) {
    std::memcpy(out, "null", 4);
    return out + 4;
  }
  // fmt's default float format is the shortest text that reads back exactly
  // (at most 24 characters).
  return fmt::format_to_n(out, kMaxJsonNumber, "{}", value).out;
}

void AppendJsonNumber(std::string& out, double value) {
  // A local buffer skips fmt's growable-output adapter, which large answers
  // (a number per row) would pay for on every call.
  char text[kMaxJsonNumber];
  out.append(text, WriteJsonNumber(text, value));
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_.push_back('}');
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_.push_back(']');
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(out_, key);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Number(double value) {
  BeforeValue();
  AppendJsonNumber(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  char text[24];
  out_.append(text, fmt::format_to_n(text, sizeof text, "{}", value).out);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_ += json;
  return *this;
}

JsonWriter& JsonWriter::SpliceElements(const JsonWriter& piece) {
  // piece.out_ is "[" followed by its elements; an empty piece adds nothing.
  if (piece.out_.size() <= 1) return *this;
  BeforeValue();
  out_.append(piece.out_, 1);
  return *this;
}

}  // namespace metrify
