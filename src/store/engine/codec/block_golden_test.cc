// Golden files: column blocks written by the v1 encoder and committed under
// tests/data/format/v1/. They must decode to these values forever; a change
// that breaks this test breaks every segment already on disk. Never rewrite
// the v1 files: a new format version gets a new directory.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "store/engine/codec/block.h"
#include "store/engine/codec/codec_test_support.h"

namespace metrify::engine::codec {
namespace {

using test_support::Bits;

constexpr int64_t kJan2025 = 1735689600000;  // 2025-01-01T00:00:00Z
constexpr int64_t kQuarterHour = 900000;

struct GoldenValues {
  const char* file;
  Codec codec;
  bool zstd;  // written with zstd level 3 (else 0), and zstd won
  std::vector<double> values;
};

std::vector<int64_t> GoldenTimestamps() {
  // Eight quarter-hours with 00:45 missing and one reading 3 s late.
  return {kJan2025,
          kJan2025 + 1 * kQuarterHour,
          kJan2025 + 2 * kQuarterHour,
          kJan2025 + 4 * kQuarterHour,
          kJan2025 + 5 * kQuarterHour + 3000,
          kJan2025 + 6 * kQuarterHour,
          kJan2025 + 7 * kQuarterHour,
          kJan2025 + 8 * kQuarterHour};
}

std::vector<GoldenValues> GoldenValueBlocks() {
  using L = std::numeric_limits<double>;
  std::vector<double> energy;  // one meter-day at 0.001 kWh, pseudo-random
  for (uint32_t i = 0; i < 96; ++i) energy.push_back((20 + (i * 2654435761u >> 7) % 580) / 1000.0);
  std::vector<double> cycle, drift;  // non-decimals in patterns zstd finds
  for (int i = 0; i < 256; ++i) {
    cycle.push_back(std::sqrt(2.0 + i % 8));
    drift.push_back(1.0 / 3 + (i % 4) * 0x1p-30);
  }
  return {
      {"column_block_scaled_int.bin",
       Codec::kScaledInt,
       false,
       {230.1, 230.2, 230.2, 229.9, 230.0, 230.4, 230.3, 230.3}},
      {"column_block_scaled_int_96.bin", Codec::kScaledInt, false, energy},
      {"column_block_gorilla.bin",
       Codec::kGorilla,
       false,
       {1.5, L::quiet_NaN(), -0.0, L::infinity(), -L::infinity(), DBL_MIN / 3, DBL_MAX, 1.0 / 3,
        1.5}},
      {"column_block_constant.bin", Codec::kConstant, false, std::vector<double>(6, 1.0 / 3)},
      {"column_block_plain.bin",
       Codec::kPlain,
       false,
       {std::bit_cast<double>(uint64_t{0x0123456789ABCDEF}),
        std::bit_cast<double>(uint64_t{0xFEDCBA9876543210}),
        std::bit_cast<double>(uint64_t{0x7FF8DEADBEEF0001})}},
      {"column_block_plain_zstd.bin", Codec::kPlain, true, cycle},
      {"column_block_gorilla_zstd.bin", Codec::kGorilla, true, drift},
  };
}

std::string GoldenPath(const std::string& file) {
  return std::string(METRIFY_SOURCE_DIR) + "/tests/data/format/v1/" + file;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ColumnBlockGolden, TimestampBlockDecodes) {
  const std::string bytes = ReadFile(GoldenPath("column_block_timestamps.bin"));
  std::vector<int64_t> ts;
  ASSERT_TRUE(DecodeTimestampBlock(bytes, &ts).ok());
  EXPECT_EQ(ts, GoldenTimestamps());
  EXPECT_EQ(ReadBlockHeader(bytes)->size, bytes.size());
}

TEST(ColumnBlockGolden, ValueBlocksDecode) {
  for (const GoldenValues& golden : GoldenValueBlocks()) {
    SCOPED_TRACE(golden.file);
    const std::string bytes = ReadFile(GoldenPath(golden.file));
    auto header = ReadBlockHeader(bytes);
    ASSERT_TRUE(header.has_value()) << header.error().ToString();
    EXPECT_EQ(header->codec, golden.codec);
    EXPECT_EQ(header->zstd, golden.zstd);
    EXPECT_EQ(header->size, bytes.size());
    const BlockStats expected = ComputeStats(golden.values);
    EXPECT_EQ(Bits(std::vector<double>{header->stats.min, header->stats.max, header->stats.sum,
                                       header->stats.first, header->stats.last}),
              Bits(std::vector<double>{expected.min, expected.max, expected.sum, expected.first,
                                       expected.last}));
    std::vector<double> values;
    ASSERT_TRUE(DecodeValueBlock(bytes, &values).ok());
    EXPECT_EQ(Bits(values), Bits(golden.values));
  }
}

// Writes the golden files into $METRIFY_GOLDEN_OUT. Run by hand, once, when a
// new format version needs its files:
//   METRIFY_GOLDEN_OUT=/tmp/v2 metrify_tests --gtest_also_run_disabled_tests
//     --gtest_filter='ColumnBlockGolden.DISABLED_*'
TEST(ColumnBlockGolden, DISABLED_WriteGoldenFiles) {
  const char* dir = std::getenv("METRIFY_GOLDEN_OUT");
  ASSERT_NE(dir, nullptr) << "set METRIFY_GOLDEN_OUT";
  const auto write = [&](const std::string& file, const std::string& bytes) {
    std::ofstream(std::string(dir) + "/" + file, std::ios::binary) << bytes;
  };
  std::string bytes;
  ASSERT_TRUE(AppendTimestampBlock(GoldenTimestamps(), {}, &bytes).ok());
  write("column_block_timestamps.bin", bytes);
  for (const GoldenValues& golden : GoldenValueBlocks()) {
    bytes.clear();
    const BlockOptions options{.zstd_level = golden.zstd ? 3 : 0};
    ASSERT_TRUE(AppendValueBlock(golden.values, options, &bytes).ok());
    write(golden.file, bytes);
  }
}

}  // namespace
}  // namespace metrify::engine::codec
