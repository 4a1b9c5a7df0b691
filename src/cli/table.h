// Text output of the CLI: aligned tables of JSON items, and helpers to show a
// JSON value in a cell and to encode a URL component.
#pragma once

#include <simdjson.h>

#include <ostream>
#include <string>
#include <vector>

namespace metrify::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  // Adds a row from a JSON object, one cell per column (missing or null: "-").
  void AddItem(simdjson::dom::element item);
  // Header in capitals, columns padded to their widest cell.
  void Print(std::ostream& out) const;
  // The items added so far as a JSON array (for --json --all).
  std::string ItemsJson() const;
  size_t size() const { return rows_.size(); }

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::string> items_json_;
};

// A JSON value as text: strings unquoted, numbers shortest, objects minified.
std::string CellText(simdjson::dom::element value);

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string UrlEncode(std::string_view text);

}  // namespace metrify::cli
