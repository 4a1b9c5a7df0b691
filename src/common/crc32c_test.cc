#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace metrify::crc32c {
namespace {

TEST(Crc32c, PublishedCheckValue) { EXPECT_EQ(Value("123456789"), 0xE3069283u); }

TEST(Crc32c, Rfc3720Vectors) {
  std::string buf(32, '\0');
  EXPECT_EQ(Value(buf), 0x8A9136AAu);
  buf.assign(32, '\xff');
  EXPECT_EQ(Value(buf), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  EXPECT_EQ(Value(buf), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(Value(buf), 0x113FDB5Cu);
}

TEST(Crc32c, EmptyInputIsZero) { EXPECT_EQ(Value("", 0), 0u); }

TEST(Crc32c, ExtendEqualsOneShot) {
  const std::string s = "hello, metering world";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(Extend(Value(s.data(), cut), s.data() + cut, s.size() - cut), Value(s)) << cut;
  }
}

TEST(Crc32c, SoftwareMatchesPublishedVectors) {
  const std::string zeros(32, '\0');
  EXPECT_EQ(TEST_ExtendSoftware(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(TEST_ExtendSoftware(0, zeros.data(), zeros.size()), 0x8A9136AAu);
}

TEST(Crc32c, HardwareEqualsSoftwareOnEveryLengthAndAlignment) {
  if (!TEST_HardwareAvailable()) GTEST_SKIP() << "CPU lacks SSE4.2";
  std::mt19937_64 rng(7);
  std::string buf(300 + 8, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (size_t align = 0; align < 8; ++align) {
    for (size_t len = 0; len <= 300; ++len) {
      const char* p = buf.data() + align;
      const uint32_t seed = static_cast<uint32_t>(rng());
      ASSERT_EQ(TEST_ExtendHardware(seed, p, len), TEST_ExtendSoftware(seed, p, len))
          << "len " << len << " align " << align;
    }
  }
}

TEST(Crc32c, SingleBitFlipsChangeTheValue) {
  std::string buf(64, 'x');
  const uint32_t base = Value(buf);
  for (size_t i = 0; i < buf.size() * 8; ++i) {
    buf[i / 8] ^= static_cast<char>(1 << (i % 8));
    EXPECT_NE(Value(buf), base) << i;
    buf[i / 8] ^= static_cast<char>(1 << (i % 8));
  }
}

}  // namespace
}  // namespace metrify::crc32c
