#include "parse/csv_samples.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "common/strings.h"
#include "parse/csv_scanner.h"
#include "parse/number_text.h"
#include "parse/rejections.h"

namespace metrify::parse {

namespace {

// Reads a numeric cell; false when the item is rejected.
bool ReadNumber(std::string_view cell, std::string_view column, SampleAssembler* a, double* out) {
  switch (ParseNumberText(cell, out)) {
    case NumberText::kOk:
      return true;
    case NumberText::kNotFinite:
      return a->Reject(
          column, reject::kNotFinite,
          fmt::format("{} must be a finite number, got {}", column, QuoteForMessage(cell)));
    case NumberText::kNotNumber:
      break;
  }
  bool comma = cell.find(',') != std::string_view::npos;
  return a->Reject(column, reject::kWrongType,
                   fmt::format("{} must be a number, got {}{}", column, QuoteForMessage(cell),
                               comma ? " (the decimal separator is '.')" : ""));
}

Status HeaderError(std::string message) {
  return Status::InvalidArgument("CSV header: " + std::move(message));
}

std::string ExpectedColumns(const FieldTable& table, model::SeriesKind kind) {
  std::string names;
  for (const auto& field : model::SeriesFields(kind)) {
    names += names.empty() ? "" : ", ";
    names += field.name;
  }
  return fmt::format("expected {}, timestamp, interval_s and value columns ({})",
                     table.entity_key(), names);
}

// Maps each header cell to a slot; every problem is the whole body's.
Status ReadHeader(const std::vector<std::string_view>& cells, const SampleAssembler& a,
                  std::vector<int>* slots, std::vector<std::string>* names) {
  const FieldTable& table = a.fields();
  std::vector<size_t> column_of_slot(kSlotCount, 0);  // 1-based; 0 = absent
  int values = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    std::string name = ToLower(Trim(cells[i]));
    int slot = table.Find(name);
    if (slot < 0) {
      return HeaderError(fmt::format("column {} {} is unknown: {}", i + 1, QuoteForMessage(name),
                                     ExpectedColumns(table, a.options().kind)));
    }
    if (column_of_slot[slot] != 0) {
      return HeaderError(fmt::format("columns {} and {} both name {}", column_of_slot[slot], i + 1,
                                     table.SlotName(slot)));
    }
    column_of_slot[slot] = i + 1;
    values += slot < kSlotEntity;
    slots->push_back(slot);
    names->push_back(std::move(name));
  }
  if (column_of_slot[kSlotTimestamp] == 0) return HeaderError("there is no timestamp column");
  if (column_of_slot[kSlotEntity] == 0 && a.options().path_entity_id.empty()) {
    return HeaderError(fmt::format("there is no {} column", table.entity_key()));
  }
  if (values == 0) {
    return HeaderError("there is no value column: " + ExpectedColumns(table, a.options().kind));
  }
  return Status::Ok();
}

// One record; an empty cell is a value not given.
void ReadRow(const std::vector<std::string_view>& cells, const std::vector<int>& slots,
             const std::vector<std::string>& names, SampleAssembler* a) {
  if (cells.size() != slots.size()) {
    a->Reject("", reject::kMalformedItem,
              fmt::format("the row has {} cells, the header has {}", cells.size(), slots.size()));
    return;
  }
  for (size_t i = 0; i < cells.size(); ++i) {
    std::string_view cell = cells[i];
    if (cell.empty()) continue;
    int slot = slots[i];
    double number = 0;
    bool ok = true;
    if (slot == kSlotEntity) {
      ok = a->SetEntity(cell);
    } else if (slot == kSlotTimestamp) {
      ok = a->SetTimestampText(cell);
    } else if (slot == kSlotInterval) {
      ok = ReadNumber(cell, names[i], a, &number) && a->SetInterval(number, names[i]);
    } else if ((ok = ReadNumber(cell, names[i], a, &number))) {
      a->SetValue(slot, number);
    }
    if (!ok) return;
  }
}

// Spreadsheets export rows of empty cells (",,,,") after the data; like
// blank lines they are not items.
bool AllEmpty(const std::vector<std::string_view>& cells) {
  for (std::string_view cell : cells) {
    if (!cell.empty()) return false;
  }
  return true;
}

}  // namespace

Status ReadCsvItems(std::string_view body, SampleAssembler* a) {
  CsvScanner scanner(body);
  std::vector<std::string_view> cells;
  if (!scanner.Next(&cells)) {
    return Status::InvalidArgument(
        fmt::format("CSV body is empty: expected a header line such as "
                    "{},timestamp,{}",
                    a->fields().entity_key(), a->fields().SlotName(0)));
  }
  if (scanner.unclosed_quote()) return HeaderError("a quoted name is never closed");
  std::vector<int> slots;
  std::vector<std::string> names;
  METRIFY_RETURN_IF_ERROR(ReadHeader(cells, *a, &slots, &names));
  size_t index = 0;
  while (scanner.Next(&cells)) {
    if (AllEmpty(cells) && !scanner.unclosed_quote()) continue;
    a->Begin(index++, scanner.line());
    if (scanner.unclosed_quote()) {
      a->Reject("", reject::kMalformedItem,
                "a quoted cell is never closed (it runs to the end of the body)");
    } else {
      ReadRow(cells, slots, names, a);
    }
    a->Finish();
  }
  return Status::Ok();
}

}  // namespace metrify::parse
