#include "parse/field_table.h"

#include <cassert>
#include <cstring>

namespace metrify::parse {

std::string_view EntityKey(model::SeriesKind kind) {
  switch (kind) {
    case model::SeriesKind::kReading:
    case model::SeriesKind::kVeeOverlay:
      return "meter_id";
    case model::SeriesKind::kGridStatus:
      return "operator_id";
    case model::SeriesKind::kObservation:
      return "station_id";
  }
  return "entity_id";
}

const FieldTable& FieldTable::For(model::SeriesKind kind) {
  static const FieldTable kReading(model::SeriesKind::kReading);
  static const FieldTable kGridStatus(model::SeriesKind::kGridStatus);
  static const FieldTable kObservation(model::SeriesKind::kObservation);
  static const FieldTable kVeeOverlay(model::SeriesKind::kVeeOverlay);
  switch (kind) {
    case model::SeriesKind::kReading:
      return kReading;
    case model::SeriesKind::kGridStatus:
      return kGridStatus;
    case model::SeriesKind::kObservation:
      return kObservation;
    case model::SeriesKind::kVeeOverlay:
      return kVeeOverlay;
  }
  return kReading;
}

FieldTable::FieldTable(model::SeriesKind kind) : entity_key_(EntityKey(kind)) {
  heads_.fill(-1);
  const auto& fields = model::SeriesFields(kind);
  assert(fields.size() <= static_cast<size_t>(model::kMaxSeriesFields));
  value_count_ = static_cast<int>(fields.size());
  for (int i = 0; i < value_count_; ++i) Add(fields[i].name, i);
  Add(entity_key_, kSlotEntity);
  Add("timestamp", kSlotTimestamp);
  Add("interval_s", kSlotInterval);
  Add("interval", kSlotInterval);
  slot_names_[kSlotInterval] = "interval_s";  // the alias does not rename the slot
}

void FieldTable::Add(std::string_view name, int slot) {
  assert(entry_count_ < static_cast<int>(entries_.size()));
  assert(!name.empty() && name.size() <= kMaxKeyLength);
  size_t bucket = Bucket(name.data(), name.size());
  Entry& entry = entries_[entry_count_];
  std::memcpy(entry.text.data(), name.data(), name.size());
  entry.length = static_cast<uint8_t>(name.size());
  entry.slot = static_cast<int8_t>(slot);
  entry.next = heads_[bucket];
  heads_[bucket] = static_cast<int8_t>(entry_count_++);
  slot_names_[slot] = name;
}

int FieldTable::Find(std::string_view key) const {
  if (key.size() > kMaxKeyLength) return -1;
  char padded[kMaxKeyLength + kFindPadding] = {};
  std::memcpy(padded, key.data(), key.size());
  return FindPadded(padded, key.size());
}

int FieldTable::TEST_LongestChain() const {
  int longest = 0;
  for (int8_t head : heads_) {
    int length = 0;
    for (int i = head; i >= 0; i = entries_[i].next) ++length;
    longest = length > longest ? length : longest;
  }
  return longest;
}

std::string_view FieldTable::SlotName(int slot) const {
  return slot >= 0 && slot < kSlotCount ? slot_names_[slot] : std::string_view();
}

}  // namespace metrify::parse
