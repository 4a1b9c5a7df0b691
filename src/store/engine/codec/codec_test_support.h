// Helpers shared by the codec tests (header-only: the test binary compiles
// only *_test.cc files from src/).
#pragma once

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

namespace metrify::engine::codec::test_support {

// Bit patterns, so that EXPECT_EQ compares NaN payloads and ±0 exactly and
// prints the differing element.
inline std::vector<uint64_t> Bits(std::span<const double> values) {
  std::vector<uint64_t> bits;
  for (double v : values) bits.push_back(std::bit_cast<uint64_t>(v));
  return bits;
}

// Doubles that break naive float codecs.
inline std::vector<double> SpecialDoubles() {
  using L = std::numeric_limits<double>;
  return {0.0,
          -0.0,
          L::quiet_NaN(),
          -L::quiet_NaN(),
          std::bit_cast<double>(uint64_t{0x7FF0000000000001}),  // signalling NaN
          std::bit_cast<double>(uint64_t{0x7FF8DEADBEEF0001}),  // NaN with a payload
          L::infinity(),
          -L::infinity(),
          L::denorm_min(),
          -L::denorm_min(),
          DBL_MIN,
          -DBL_MIN,
          DBL_MIN / 3,  // denormal
          DBL_MAX,
          -DBL_MAX,
          DBL_EPSILON,
          1.0,
          0.1 + 0.2};
}

// Doubles with uniformly random bit patterns (any class, NaNs included).
inline std::vector<double> RandomBitDoubles(std::mt19937_64& rng, size_t n) {
  std::vector<double> v(n);
  for (double& d : v) d = std::bit_cast<double>(rng());
  return v;
}

// Short decimals: random integers in [-range, range] at scale k.
inline std::vector<double> RandomDecimals(std::mt19937_64& rng, size_t n, int k, int64_t range) {
  std::uniform_int_distribution<int64_t> dist(-range, range);
  std::vector<double> v(n);
  for (double& d : v) d = static_cast<double>(dist(rng)) / std::pow(10.0, k);
  return v;
}

}  // namespace metrify::engine::codec::test_support
