#include "cli/table.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "common/strings.h"

namespace metrify::cli {

std::string CellText(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(value.get_string().value_unsafe());
    case simdjson::dom::element_type::NULL_VALUE:
      return "-";
    case simdjson::dom::element_type::DOUBLE:
      return fmt::format("{}", value.get_double().value_unsafe());
    default:
      return simdjson::minify(value);
  }
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

void Table::AddItem(simdjson::dom::element item) {
  std::vector<std::string> row;
  for (const std::string& column : columns_) {
    simdjson::dom::element value;
    row.push_back(item[column].get(value) ? "-" : CellText(value));
  }
  rows_.push_back(std::move(row));
  items_json_.push_back(simdjson::minify(item));
}

void Table::Print(std::ostream& out) const {
  std::vector<size_t> widths;
  // Widths in characters, not bytes, so München lines up with Berlin.
  for (const std::string& c : columns_) widths.push_back(Utf8Length(c));
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Utf8Length(row[i]));
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(widths[i] - Utf8Length(cells[i]) + 2, ' ');
    }
    out << line << "\n";
  };
  std::vector<std::string> header;
  for (const std::string& c : columns_) header.push_back(ToUpper(c));
  print_row(header);
  for (const auto& row : rows_) print_row(row);
}

std::string Table::ItemsJson() const {
  std::string out = "[";
  for (size_t i = 0; i < items_json_.size(); ++i) out += (i ? "," : "") + items_json_[i];
  return out + "]";
}

}  // namespace metrify::cli
