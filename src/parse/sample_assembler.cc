#include "parse/sample_assembler.h"

#include "model/field.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "parse/rejections.h"

namespace metrify::parse {

namespace {

constexpr size_t kMaxQuotedBytes = 64;

// Length of the UTF-8 sequence starting at s[i], or 0 when it is invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string QuoteForMessage(std::string_view text) {
  std::string out = "\"";
  size_t i = 0;
  while (i < text.size()) {
    size_t n = Utf8SequenceLength(text, i);
    if (i + (n ? n : 1) > kMaxQuotedBytes) {
      out += "…";
      break;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (n == 0 || c < 0x20 || c == 0x7F) {
      out += '?';
      n = 1;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  out += '"';
  return out;
}

bool IsValidEntityId(std::string_view id) { return model::IsValidId(id); }

SampleAssembler::SampleAssembler(const SampleParseOptions& options, ParsedBatch* batch)
    : options_(options), fields_(FieldTable::For(options.kind)), batch_(batch) {}

void SampleAssembler::Begin(size_t index, size_t line) {
  index_ = index;
  line_ = line;
  seen_ = 0;
  has_timestamp_ = false;
  rejected_ = false;
  sample_ = &batch_->samples.emplace_back();
  sample_->interval_s = options_.default_interval_s;
  sample_->values.fill(std::numeric_limits<double>::quiet_NaN());
}

void SampleAssembler::Finish() {
  ++batch_->items;
  if (!rejected_ && sample_->entity_id.empty()) {
    if (!options_.path_entity_id.empty()) {
      sample_->entity_id.assign(options_.path_entity_id);
    } else {
      Reject(
          fields_.entity_key(), reject::kMissingEntity,
          fmt::format("{} is required (not in the item, not in the path)", fields_.entity_key()));
    }
  }
  if (!rejected_ && !has_timestamp_) {
    Reject("timestamp", reject::kMissingTimestamp, "timestamp is required");
  }
  if (!rejected_ && sample_->present == 0) {
    Reject("", reject::kNoValues, "the item has no value field; at least one is required");
  }
  if (rejected_) {
    batch_->samples.pop_back();
  } else {
    batch_->item_of_sample.push_back(index_);
  }
  sample_ = nullptr;
}

bool SampleAssembler::See(int slot, std::string_view key) {
  uint32_t bit = 1u << slot;
  if (seen_ & bit) {
    std::string_view first = fields_.SlotName(slot);
    return Reject(key, reject::kDuplicateField,
                  key == first || slot != kSlotInterval
                      ? fmt::format("{} is given more than once", key)
                      : fmt::format("{} repeats interval_s (interval is its alias)", key));
  }
  seen_ |= bit;
  return true;
}

bool SampleAssembler::SetEntity(std::string_view id) {
  if (id != last_valid_id_) {
    if (!options_.path_entity_id.empty() && id != options_.path_entity_id) {
      return Reject(fields_.entity_key(), reject::kEntityMismatch,
                    fmt::format("{} {} differs from {} in the path", fields_.entity_key(),
                                QuoteForMessage(id), QuoteForMessage(options_.path_entity_id)));
    }
    if (!IsValidEntityId(id)) {
      return Reject(fields_.entity_key(), reject::kInvalidEntityId,
                    fmt::format("{} must be 1-64 letters, digits, '-', '_' or '.', starting with "
                                "a letter or digit; got {}",
                                fields_.entity_key(), QuoteForMessage(id)));
    }
    last_valid_id_.assign(id);
  }
  sample_->entity_id.assign(id);
  return true;
}

bool SampleAssembler::SetTimestampText(std::string_view text) {
  int64_t ms = 0;
  switch (ParseTimestamp(text, &ms)) {
    case TimestampError::kNone:
      return SetTimestampMillis(ms);
    case TimestampError::kWithoutOffset:
      return Reject("timestamp", reject::kTimestampWithoutOffset,
                    fmt::format("timestamp {} has no UTC offset; a local time is ambiguous "
                                "across DST changes: add Z or +HH:MM",
                                QuoteForMessage(text)));
    case TimestampError::kOutOfRange:
      return Reject(
          "timestamp", reject::kInvalidTimestamp,
          fmt::format("timestamp {} is outside the years 1970 to 2200", QuoteForMessage(text)));
    case TimestampError::kInvalid:
      break;
  }
  return Reject("timestamp", reject::kInvalidTimestamp,
                fmt::format("timestamp must be RFC 3339 with an offset "
                            "(2026-03-29T01:15:00+01:00) or epoch milliseconds; got {}",
                            QuoteForMessage(text)));
}

bool SampleAssembler::SetTimestampMillis(int64_t epoch_ms) {
  if (CheckEpochMillis(epoch_ms) != TimestampError::kNone) {
    return Reject("timestamp", reject::kInvalidTimestamp,
                  fmt::format("timestamp {} (epoch milliseconds) is outside the years 1970 to "
                              "2200",
                              epoch_ms));
  }
  sample_->timestamp_ms = epoch_ms;
  has_timestamp_ = true;
  return true;
}

bool SampleAssembler::SetInterval(double seconds, std::string_view key) {
  // 86400 % s == 0 keeps intervals aligned to the day in UTC.
  if (seconds >= 60 && seconds <= 86400 && seconds == std::floor(seconds) &&
      86400 % static_cast<int32_t>(seconds) == 0) {
    sample_->interval_s = static_cast<int32_t>(seconds);
    return true;
  }
  return Reject(key, reject::kInvalidInterval,
                fmt::format("{} must be whole seconds from 60 to 86400 that divide a day "
                            "(60, 300, 900, 3600, ...); got {}",
                            key, seconds));
}

bool SampleAssembler::RejectUnknownField(std::string_view key) {
  std::string names;
  for (const auto& field : model::SeriesFields(options_.kind)) {
    names += names.empty() ? "" : ", ";
    names += field.name;
  }
  return Reject(key, reject::kUnknownField,
                fmt::format("{} is not a key of a {}: expected {}, timestamp, interval_s or one "
                            "of {}",
                            QuoteForMessage(key), model::SeriesKindName(options_.kind),
                            fields_.entity_key(), names));
}

bool SampleAssembler::Reject(std::string_view field, std::string_view code, std::string message) {
  if (rejected_) return false;
  rejected_ = true;
  batch_->errors.push_back(
      {index_, line_, std::string(field), std::string(code), std::move(message)});
  return false;
}

}  // namespace metrify::parse
