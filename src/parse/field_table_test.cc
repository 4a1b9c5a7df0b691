#include "parse/field_table.h"

#include <gtest/gtest.h>

namespace metrify::parse {
namespace {

constexpr model::SeriesKind kKinds[] = {model::SeriesKind::kReading, model::SeriesKind::kGridStatus,
                                        model::SeriesKind::kObservation};

TEST(FieldTable, EveryFieldOfEveryKindIsFoundAtItsIndex) {
  for (auto kind : kKinds) {
    const FieldTable& table = FieldTable::For(kind);
    const auto& fields = model::SeriesFields(kind);
    EXPECT_EQ(table.value_count(), static_cast<int>(fields.size()));
    for (size_t i = 0; i < fields.size(); ++i) {
      EXPECT_EQ(table.Find(fields[i].name), static_cast<int>(i)) << fields[i].name;
      EXPECT_EQ(table.SlotName(static_cast<int>(i)), fields[i].name);
    }
  }
}

TEST(FieldTable, EntityTimestampAndIntervalKeysHaveTheirSlots) {
  EXPECT_EQ(FieldTable::For(model::SeriesKind::kReading).Find("meter_id"), kSlotEntity);
  EXPECT_EQ(FieldTable::For(model::SeriesKind::kGridStatus).Find("operator_id"), kSlotEntity);
  EXPECT_EQ(FieldTable::For(model::SeriesKind::kObservation).Find("station_id"), kSlotEntity);
  const FieldTable& table = FieldTable::For(model::SeriesKind::kReading);
  EXPECT_EQ(table.Find("timestamp"), kSlotTimestamp);
  EXPECT_EQ(table.Find("interval_s"), kSlotInterval);
  EXPECT_EQ(table.Find("interval"), kSlotInterval);
  EXPECT_EQ(table.SlotName(kSlotInterval), "interval_s");
  EXPECT_EQ(table.entity_key(), "meter_id");
}

TEST(FieldTable, NearMissesAreUnknown) {
  const FieldTable& table = FieldTable::For(model::SeriesKind::kReading);
  for (std::string_view key :
       {"", "m", "meter", "meter_id ", "Meter_id", "energy_kwhx", "energy_kw", "operator_id",
        "station_id", "temperature_c", "voltage_kv", "intervals", "id"}) {
    EXPECT_EQ(table.Find(key), -1) << key;
  }
}

TEST(FieldTable, EveryKeyHasItsOwnBucket) {
  for (auto kind : kKinds) EXPECT_EQ(FieldTable::For(kind).TEST_LongestChain(), 1);
}

}  // namespace
}  // namespace metrify::parse
