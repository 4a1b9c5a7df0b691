// The fleet's entities as CSV files that `metrify meters|operators|stations
// import` (and POST .../import) read back: one column per writable field,
// named as the API names it.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "model/field.h"

namespace metrify::simulate {

// `text` as a CSV cell: quoted when it holds a comma, quote or line break.
inline void AppendCsvCell(std::string& out, const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

inline std::string FieldText(const model::FieldValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* d = std::get_if<double>(&value)) return fmt::format("{}", *d);
  if (const auto* i = std::get_if<int64_t>(&value)) return fmt::format("{}", *i);
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const auto* j = std::get_if<model::JsonText>(&value)) return j->text;
  return "";
}

template <typename T>
std::string EntitiesCsv(const std::vector<model::FieldSpec<T>>& fields,
                        const std::vector<T>& items) {
  std::string out;
  bool first = true;
  for (const auto& f : fields) {
    if (!f.writable) continue;
    if (!first) out += ',';
    out += f.name;
    first = false;
  }
  out += '\n';
  for (const T& item : items) {
    first = true;
    for (const auto& f : fields) {
      if (!f.writable) continue;
      if (!first) out += ',';
      AppendCsvCell(out, FieldText(f.get(item)));
      first = false;
    }
    out += '\n';
  }
  return out;
}

}  // namespace metrify::simulate
