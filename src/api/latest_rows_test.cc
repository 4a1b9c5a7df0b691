#include "api/latest_rows.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <string>
#include <thread>

#include "common/time.h"
#include "store/engine/engine_test_support.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::api {
namespace {

using namespace engine::test_support;

std::string MeterId(uint32_t key) { return "M" + std::to_string(key); }

// A fleet large enough to be written in several runs: every third meter has
// no reading, meter k's newest reading is k/8 kWh at an instant derived from
// k, and voltage is given for even meters only.
TEST(LatestRows, RunsJoinInMeterOrderWithMissingMetersListed) {
  engine::wal::test_support::TempDir dir;
  auto engine = engine::ReadingsEngine::Open(FileSystem::Posix(), dir.path(), ManualFlushOptions());
  ASSERT_TRUE(engine.has_value()) << engine.status().message();
  constexpr uint32_t kMeters = 10'000;
  const int voltage = *model::SeriesFieldIndex(kReading, "voltage_v");
  std::vector<engine::wal::WalSample> samples;
  std::vector<std::pair<std::string, uint32_t>> meters;
  for (uint32_t k = 1; k <= kMeters; ++k) {
    meters.emplace_back(MeterId(k), k);
    if (k % 3 == 0) continue;
    samples.push_back(Reading(k, kJan15 + (k % 96) * kQuarter, k / 8.0));  // older one
    engine::wal::WalSample newest = Reading(k, kJan15 + kDay + (k % 96) * kQuarter, k / 8.0);
    if (k % 2 == 0) {
      newest.present |= 1u << voltage;
      newest.values[voltage] = 230.5;
    }
    samples.push_back(newest);
  }
  ASSERT_TRUE((*engine)->Append(kReading, samples).has_value());

  const uint16_t fields = (1u << 0) | (1u << voltage);
  std::vector<LatestRows> pieces = std::move(WriteLatestRows(**engine, meters, fields)).value();
  ASSERT_GE(pieces.size(), std::min<size_t>(2, std::thread::hardware_concurrency()));
  JsonWriter w;
  w.BeginObject().Key("readings").BeginArray();
  std::vector<std::string_view> missing;
  size_t count = 0;
  for (const LatestRows& piece : pieces) {
    w.SpliceElements(piece.rows);
    count += piece.count;
    missing.insert(missing.end(), piece.missing.begin(), piece.missing.end());
  }
  w.EndArray().EndObject();

  EXPECT_EQ(count, kMeters - kMeters / 3);
  ASSERT_EQ(missing.size(), kMeters / 3);
  for (size_t i = 0; i < missing.size(); ++i) EXPECT_EQ(missing[i], MeterId(3 * (i + 1)));

  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(w.str());
  uint32_t expect = 1;
  for (simdjson::dom::element row : doc["readings"].get_array()) {
    if (expect % 3 == 0) ++expect;
    ASSERT_EQ(std::string_view(row["meter_id"]), MeterId(expect));
    EXPECT_EQ(std::string_view(row["timestamp"]),
              FormatRfc3339(kJan15 + kDay + (expect % 96) * kQuarter));
    EXPECT_EQ(int64_t(row["interval_s"]), 900);
    EXPECT_EQ(double(row["energy_kwh"]), expect / 8.0);
    if (expect % 2 == 0) {
      EXPECT_EQ(double(row["voltage_v"]), 230.5);
    } else {
      EXPECT_TRUE(row["voltage_v"].error()) << "meter " << expect << " has no voltage";
    }
    ++expect;
  }
  EXPECT_EQ(expect, kMeters + 1);
}

}  // namespace
}  // namespace metrify::api
