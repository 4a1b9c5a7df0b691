#include "store/engine/codec/value_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "store/engine/codec/codec_test_support.h"

namespace metrify::engine::codec {
namespace {

using test_support::Bits;
using test_support::RandomBitDoubles;
using test_support::RandomDecimals;
using test_support::SpecialDoubles;

// Encodes with the chosen codec, checks it is `expected` when given, decodes.
std::vector<double> RoundTrip(const std::vector<double>& values,
                              std::optional<Codec> expected = std::nullopt) {
  std::string s;
  const Codec codec = EncodeValues(values, &s);
  if (expected) {
    EXPECT_EQ(codec, *expected);
  }
  std::vector<double> out;
  const Status st = DecodeValues(codec, s, values.size(), &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

std::vector<double> RoundTripWith(Codec codec, const std::vector<double>& values) {
  std::string s;
  EXPECT_TRUE(EncodeValuesWith(codec, values, &s).ok());
  std::vector<double> out;
  const Status st = DecodeValues(codec, s, values.size(), &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(ValueCodec, EmptyBlockIsPlainWithNoBytes) {
  std::string s;
  EXPECT_EQ(EncodeValues({}, &s), Codec::kPlain);
  EXPECT_TRUE(s.empty());
  std::vector<double> out;
  EXPECT_TRUE(DecodeValues(Codec::kPlain, s, 0, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(ValueCodec, SingleValuesRoundTrip) {
  for (double v : SpecialDoubles()) {
    const std::vector<double> one = {v};
    EXPECT_EQ(Bits(RoundTrip(one)), Bits(one)) << v;
  }
  EXPECT_EQ(Bits(RoundTrip({230.1}, Codec::kScaledInt)), Bits(std::vector<double>{230.1}));
}

TEST(ValueCodec, ConstantNonDecimalIsStoredOnce) {
  const std::vector<double> nan96(96, std::nan("7"));
  std::string s;
  EXPECT_EQ(EncodeValues(nan96, &s), Codec::kConstant);
  EXPECT_EQ(s.size(), 8u);
  EXPECT_EQ(Bits(RoundTrip(nan96)), Bits(nan96));
  const std::vector<double> neg_zero(10, -0.0);
  EXPECT_EQ(Bits(RoundTrip(neg_zero, Codec::kConstant)), Bits(neg_zero));
}

TEST(ValueCodec, ConstantDecimalPrefersTheSmallerScaledInt) {
  const std::vector<double> zeros(96, 0.0);
  std::string s;
  EXPECT_EQ(EncodeValues(zeros, &s), Codec::kScaledInt);
  EXPECT_LE(s.size(), 10u);
  EXPECT_EQ(Bits(RoundTrip(zeros)), Bits(zeros));
  EXPECT_EQ(Bits(RoundTripWith(Codec::kConstant, zeros)), Bits(zeros));
}

TEST(ValueCodec, SpecialDoublesRoundTripThroughEveryGeneralCodec) {
  const auto specials = SpecialDoubles();
  EXPECT_EQ(Bits(RoundTrip(specials)), Bits(specials));
  EXPECT_EQ(Bits(RoundTripWith(Codec::kGorilla, specials)), Bits(specials));
  EXPECT_EQ(Bits(RoundTripWith(Codec::kPlain, specials)), Bits(specials));
}

TEST(ValueCodec, ShortDecimalsChooseScaledInt) {
  std::mt19937_64 rng(3);
  for (int k = 0; k <= 9; ++k) {
    const auto values = RandomDecimals(rng, 500, k, 100000);
    EXPECT_EQ(Bits(RoundTrip(values, Codec::kScaledInt)), Bits(values)) << "scale " << k;
  }
}

TEST(ValueCodec, ScaledIntBeatsGorillaOnMeterLikeSeries) {
  std::vector<double> volts;
  double v = 2300;
  std::mt19937_64 rng(5);
  for (int i = 0; i < 96; ++i) {
    v += static_cast<double>(static_cast<int>(rng() % 5) - 2);
    volts.push_back(v / 10);
  }
  std::string scaled, gorilla;
  ASSERT_TRUE(EncodeValuesWith(Codec::kScaledInt, volts, &scaled).ok());
  ASSERT_TRUE(EncodeValuesWith(Codec::kGorilla, volts, &gorilla).ok());
  EXPECT_LT(scaled.size() * 3, gorilla.size());
  EXPECT_LE(scaled.size(), 48u);  // 3 bits a delta, plus mini-block headers
}

TEST(ValueCodec, RandomBitPatternsRoundTripAndNeverExceedPlain) {
  std::mt19937_64 rng(11);
  for (int block = 0; block < 2000; ++block) {
    const auto values = RandomBitDoubles(rng, 1 + rng() % 200);
    std::string s;
    EncodeValues(values, &s);
    EXPECT_LE(s.size(), values.size() * 8);
    ASSERT_EQ(Bits(RoundTrip(values)), Bits(values)) << "block " << block;
    ASSERT_EQ(Bits(RoundTripWith(Codec::kGorilla, values)), Bits(values)) << "block " << block;
  }
}

TEST(ValueCodec, MixedRandomBlocksRoundTrip) {
  // Thousands of blocks mixing decimals, specials, repeats and random floats.
  std::mt19937_64 rng(12345);
  const auto specials = SpecialDoubles();
  for (int block = 0; block < 5000; ++block) {
    std::vector<double> values(rng() % 300);
    const int k = static_cast<int>(rng() % 10);
    for (double& v : values) {
      switch (rng() % 10) {
        case 0:
          v = specials[rng() % specials.size()];
          break;
        case 1:
          v = std::bit_cast<double>(rng());
          break;
        case 2:
          v = std::ldexp(static_cast<double>(rng() % 1000), -static_cast<int>(rng() % 60));
          break;
        default:
          v = static_cast<double>(static_cast<int64_t>(rng() % 2000) - 1000) / std::pow(10, k);
      }
    }
    ASSERT_EQ(Bits(RoundTrip(values)), Bits(values)) << "block " << block;
  }
}

TEST(ValueCodec, EncodeWithRefusesValuesTheCodecCannotHold) {
  std::string s;
  EXPECT_EQ(EncodeValuesWith(Codec::kConstant, std::vector<double>{1, 2}, &s).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeValuesWith(Codec::kScaledInt, std::vector<double>{0.1 + 0.2}, &s).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeValuesWith(Codec::kTimestampDeltaOfDelta, std::vector<double>{1}, &s).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeValuesWith(Codec::kGorilla, std::vector<double>{}, &s).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.empty());
}

TEST(ValueCodec, EveryTruncationOfEveryCodecIsCorruption) {
  std::mt19937_64 rng(8);
  const auto decimals = RandomDecimals(rng, 100, 3, 600);
  const auto randoms = RandomBitDoubles(rng, 20);
  const std::pair<Codec, std::vector<double>> cases[] = {
      {Codec::kConstant, std::vector<double>(5, 1.5)},
      {Codec::kScaledInt, decimals},
      {Codec::kGorilla, decimals},
      {Codec::kGorilla, randoms},
      {Codec::kPlain, randoms}};
  for (const auto& [codec, values] : cases) {
    std::string s;
    ASSERT_TRUE(EncodeValuesWith(codec, values, &s).ok());
    for (size_t len = 0; len < s.size(); ++len) {
      std::vector<double> out;
      EXPECT_EQ(DecodeValues(codec, std::string_view(s.data(), len), values.size(), &out).code(),
                StatusCode::kCorruption)
          << "codec " << static_cast<int>(codec) << " len " << len;
    }
    s.push_back('\x55');  // and a trailing byte
    std::vector<double> out;
    EXPECT_EQ(DecodeValues(codec, s, values.size(), &out).code(), StatusCode::kCorruption);
  }
}

TEST(ValueCodec, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(77);
  const Codec codecs[] = {Codec::kConstant,
                          Codec::kScaledInt,
                          Codec::kGorilla,
                          Codec::kPlain,
                          Codec::kTimestampDeltaOfDelta,
                          static_cast<Codec>(0),
                          static_cast<Codec>(200)};
  for (int i = 0; i < 20000; ++i) {
    std::string garbage(rng() % 64, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    std::vector<double> out;
    const Status s = DecodeValues(codecs[rng() % 7], garbage, rng() % 100, &out);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace metrify::engine::codec
