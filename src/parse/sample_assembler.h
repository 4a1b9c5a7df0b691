// SampleAssembler: the format-independent half of the ingest parsers. The
// JSON, NDJSON and CSV readers tokenise an item and hand its keys and values
// here; the assembler applies the rules every format shares (entity and path
// id, timestamps, interval, duplicates, required parts) and either appends a
// Sample to the batch or records one ItemError with its code.
//
// Internal to parse/. Not thread-safe; one per ParseSamples call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parse/field_table.h"
#include "parse/sample_parser.h"

namespace metrify::parse {

class SampleAssembler {
 public:
  // `options` and `batch` must outlive the assembler.
  SampleAssembler(const SampleParseOptions& options, ParsedBatch* batch);

  const FieldTable& fields() const { return fields_; }
  const SampleParseOptions& options() const { return options_; }

  // Starts an item. REQUIRES: the previous item was finished.
  void Begin(size_t index, size_t line);
  // Ends the current item: appends its sample, or records missing_entity,
  // missing_timestamp or no_values, or keeps the rejection already recorded.
  void Finish();

  // Each setter below returns false once the item is rejected (the error is
  // recorded); the reader then skips to the next item and calls Finish().

  // Marks `slot` as given under `key`; rejects duplicate_field on a repeat.
  bool See(int slot, std::string_view key);
  bool SetEntity(std::string_view id);
  // RFC 3339 or epoch-millisecond digits.
  bool SetTimestampText(std::string_view text);
  // Epoch milliseconds given as a JSON integer.
  bool SetTimestampMillis(int64_t epoch_ms);
  // Interval length in seconds under `key` ("interval_s" or "interval").
  bool SetInterval(double seconds, std::string_view key);
  void SetValue(int slot, double value) { sample_->Set(slot, value); }

  // Rejects the item with unknown_field for `key`.
  bool RejectUnknownField(std::string_view key);
  // Rejects the item with `code` unless it is rejected already.
  bool Reject(std::string_view field, std::string_view code, std::string message);

  bool rejected() const { return rejected_; }

 private:
  const SampleParseOptions& options_;
  const FieldTable& fields_;
  ParsedBatch* batch_;
  model::Sample* sample_ = nullptr;  // the current item's sample (last in batch)
  size_t index_ = 0;
  size_t line_ = 0;
  uint32_t seen_ = 0;  // bit per slot given in this item
  bool has_timestamp_ = false;
  bool rejected_ = false;
  // The last id that passed IsValidEntityId: most batches come from few
  // meters, so most items skip the character check.
  std::string last_valid_id_;
};

// `text` for an error message: in double quotes, at most 64 bytes (cut at a
// character boundary, "…" appended), control bytes and invalid UTF-8 shown
// as '?', so a message is always printable UTF-8.
std::string QuoteForMessage(std::string_view text);

}  // namespace metrify::parse
