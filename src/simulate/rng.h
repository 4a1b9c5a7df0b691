// Rng: the simulator's deterministic random numbers. Every stream is derived
// from (seed, purpose, entity, day), so a meter's day comes out the same
// whichever order, thread or step size produces it: live and backfill agree,
// and the same seed gives byte-identical files.
//
// Own algorithms (SplitMix64 to derive seeds, xoshiro256** to draw, Box-Muller
// for normals) rather than <random>'s distributions, whose output the C++
// standard leaves to each library.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace metrify::simulate {

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// What a stream is for; part of its seed, so streams never overlap.
enum class Stream : uint64_t {
  kFleet = 1,
  kMeterDay,
  kMeterSetup,
  kFaultPlan,
  kWeather,
  kGrid,
  kFrequency,
};

class Rng {
 public:
  // A stream for (seed, purpose, ids...): e.g. Rng(seed, Stream::kMeterDay, {meter, day}).
  Rng(uint64_t seed, Stream stream, std::initializer_list<int64_t> ids = {}) {
    // The seed is hashed before the ids are folded in: XORed raw, seed s
    // with id m would be seed s' with id m' whenever s ^ m == s' ^ m'.
    uint64_t state = seed;
    uint64_t mix = SplitMix64(state) ^ (static_cast<uint64_t>(stream) * 0xD1B54A32D192ED03ull);
    for (int64_t id : ids) {
      uint64_t step = mix ^ static_cast<uint64_t>(id);
      mix = SplitMix64(step);
    }
    for (uint64_t& word : s_) word = SplitMix64(mix);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n).
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>(Uniform() * static_cast<double>(n)); }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal (Box-Muller; one draw of the pair is kept for the next call).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = 0;
    while (u <= 0) u = Uniform();
    const double v = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u));
    spare_ = r * std::sin(6.283185307179586 * v);
    has_spare_ = true;
    return r * std::cos(6.283185307179586 * v);
  }
  double Normal(double mean, double sd) { return mean + sd * Normal(); }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace metrify::simulate
