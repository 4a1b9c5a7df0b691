#include "reference/embedded_csv.h"

#include <fmt/format.h>
#include <cstdio>
#include <cstdlib>

#include "common/strings.h"
#include "reference/embedded.h"

namespace metrify::reference {

EmbeddedCsv::EmbeddedCsv(std::string_view frame, std::string_view what)
    : text_(Inflate(frame, what)), what_(what) {}

bool EmbeddedCsv::Next() {
  while (pos_ < text_.size()) {
    size_t end = text_.find('\n', pos_);
    if (end == std::string::npos) end = text_.size();
    std::string_view line(text_.data() + pos_, end - pos_);
    pos_ = end + 1;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    fields_ = Split(line, ',');
    return true;
  }
  fields_.clear();
  return false;
}

double EmbeddedCsv::Number(size_t index) const {
  if (index >= fields_.size()) Fail(fmt::format("no field {}", index + 1));
  const std::optional<double> value = ParseDouble(fields_[index]);
  if (!value) Fail(fmt::format("field {} \"{}\" is not a number", index + 1, fields_[index]));
  return *value;
}

void EmbeddedCsv::ExpectFields(size_t count) const {
  if (fields_.size() != count) {
    Fail(fmt::format("{} fields, expected {}", fields_.size(), count));
  }
}

void EmbeddedCsv::Fail(std::string_view why) const {
  std::fprintf(stderr, "embedded reference data %.*s:%d: %.*s\n", static_cast<int>(what_.size()),
               what_.data(), line_, static_cast<int>(why.size()), why.data());
  std::abort();
}

}  // namespace metrify::reference
