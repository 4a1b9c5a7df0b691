// Golden file: a WAL file written by the v1 writer and committed as
// tests/data/format/v1/wal_sample_batch.wal. It must replay to these samples
// forever, and today's writer must still produce it byte for byte; a change
// that breaks this test breaks every WAL already on disk. Never rewrite the
// v1 file: a new format version gets a new directory.
#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>

#include "store/engine/wal/sample_batch.h"
#include "store/engine/wal/wal_test_support.h"

namespace metrify::engine::wal {
namespace {

using model::SeriesKind;
using test_support::ReadBytes;
using test_support::ReplayAll;
using test_support::TempDir;

constexpr int64_t kJan2025 = 1735689600000;  // 2025-01-01T00:00:00Z
constexpr int64_t kQuarterHour = 900000;

struct GoldenBatch {
  SeriesKind kind;
  std::vector<WalSample> samples;
};

WalSample Make(uint32_t key, int64_t ts, int32_t interval,
               std::initializer_list<std::pair<int, double>> fields) {
  WalSample s{.entity_key = key, .timestamp_ms = ts, .interval_s = interval};
  for (const auto& [field, value] : fields) {
    s.values[field] = value;
    s.present |= static_cast<uint16_t>(1u << field);
  }
  return s;
}

// Readings use fields 0 energy_kwh, 3 voltage_v, 5 power_factor,
// 6 frequency_hz; observations 0 temperature_c, 1 humidity_pct,
// 2 pressure_hpa (a NaN with a payload, kept bit for bit).
std::vector<GoldenBatch> GoldenBatches() {
  const double nan_with_payload = std::bit_cast<double>(uint64_t{0x7ff8000000000001});
  return {
      {SeriesKind::kReading,
       {Make(1, kJan2025 + kQuarterHour, 900, {{0, 0.125}, {3, 230.1}, {5, 0.97}, {6, 50.01}}),
        Make(1, kJan2025 + 2 * kQuarterHour, 900, {{0, 0.25}, {3, 229.8}, {5, 0.96}, {6, 49.99}}),
        Make(2, kJan2025 + kQuarterHour, 900, {{0, 0.5}})}},
      {SeriesKind::kObservation,
       {Make(7, kJan2025, 0, {{0, -3.5}, {1, 87.0}, {2, nan_with_payload}})}},
  };
}

std::string GoldenPath() {
  return std::string(METRIFY_SOURCE_DIR) + "/tests/data/format/v1/wal_sample_batch.wal";
}

// Writes the golden batches with today's writer into file 1 of `dir`.
void WriteGolden(const std::string& dir) {
  auto writer = test_support::OpenWriter(FileSystem::Posix(), dir);
  for (const GoldenBatch& batch : GoldenBatches()) {
    std::string payload;
    EncodeSampleBatch(batch.kind, batch.samples, &payload);
    ASSERT_TRUE(writer->Append(payload, kSampleBatch).ok());
  }
}

TEST(WalGolden, V1FileReplaysToItsSamples) {
  TempDir tmp;
  const std::string golden = ReadBytes(GoldenPath());
  ASSERT_FALSE(golden.empty()) << GoldenPath();
  test_support::WriteBytes(tmp.Join("00000001.wal"), golden);
  const auto replayed = ReplayAll(FileSystem::Posix(), tmp.path());
  ASSERT_TRUE(replayed.status.ok()) << replayed.status.ToString();
  EXPECT_FALSE(replayed.report.truncation.has_value());
  const std::vector<GoldenBatch> expected = GoldenBatches();
  ASSERT_EQ(replayed.records.size(), expected.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    SeriesKind kind{};
    std::vector<WalSample> samples;
    ASSERT_TRUE(DecodeSampleBatch(replayed.records[r].payload, &kind, &samples).ok());
    EXPECT_EQ(kind, expected[r].kind);
    ASSERT_EQ(samples.size(), expected[r].samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
      const WalSample& want = expected[r].samples[i];
      EXPECT_EQ(samples[i].entity_key, want.entity_key);
      EXPECT_EQ(samples[i].timestamp_ms, want.timestamp_ms);
      EXPECT_EQ(samples[i].interval_s, want.interval_s);
      EXPECT_EQ(samples[i].present, want.present);
      for (int f = 0; f < model::kMaxSeriesFields; ++f) {
        if ((want.present >> f) & 1) {
          EXPECT_EQ(std::bit_cast<uint64_t>(samples[i].values[f]),
                    std::bit_cast<uint64_t>(want.values[f]))
              << "record " << r << " sample " << i << " field " << f;
        }
      }
    }
  }
}

TEST(WalGolden, TodaysWriterProducesTheV1FileByteForByte) {
  TempDir tmp;
  WriteGolden(tmp.path());
  EXPECT_EQ(ReadBytes(tmp.Join("00000001.wal")), ReadBytes(GoldenPath()));
}

// Writes the golden file into $METRIFY_GOLDEN_OUT. Run by hand, once, when a
// new format version needs its file:
//   METRIFY_GOLDEN_OUT=/tmp/v2 metrify_tests --gtest_also_run_disabled_tests
//     --gtest_filter='WalGolden.DISABLED_*'
TEST(WalGolden, DISABLED_WriteGoldenFile) {
  const char* out = std::getenv("METRIFY_GOLDEN_OUT");
  ASSERT_NE(out, nullptr) << "set METRIFY_GOLDEN_OUT";
  TempDir tmp;
  WriteGolden(tmp.path());
  test_support::WriteBytes(std::string(out) + "/wal_sample_batch.wal",
                           ReadBytes(tmp.Join("00000001.wal")));
}

}  // namespace
}  // namespace metrify::engine::wal
