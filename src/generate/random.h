#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace netmeter {

// splitmix64: expands one 64-bit seed into well-mixed state words.
constexpr uint64_t splitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A probability as an integer threshold over 2^32, so that drawing against it is pure integer work.
struct Probability {
  uint64_t threshold = 0;  // 0 .. 2^32

  // IEEE-754 multiplication and truncation are exact and portable, so this is deterministic.
  static Probability of(double share) {
    if (!(share > 0.0)) return {0};
    if (share >= 1.0) return {uint64_t{1} << 32};
    return {uint64_t(share * 4294967296.0)};
  }
};

// xoshiro256** seeded with splitmix64. Every distribution the generator uses is built on the integer
// methods below (never std:: distributions, whose results differ between standard libraries), so a
// seed gives the same stream on every machine.
class Random {
 public:
  explicit Random(uint64_t seed) {
    uint64_t s = seed;
    for (uint64_t& word : state_) word = splitMix64(s);
  }

  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  uint32_t next32() { return uint32_t(next() >> 32); }

  // Uniform in [0, n), unbiased (Lemire's multiply-and-reject); n == 0 gives 0.
  uint64_t below(uint64_t n) {
    if (n == 0) return 0;
    __extension__ using Wide = unsigned __int128;
    Wide m = Wide(next()) * n;
    uint64_t low = uint64_t(m);
    if (low < n) {
      const uint64_t floor = (0 - n) % n;
      while (low < floor) {
        m = Wide(next()) * n;
        low = uint64_t(m);
      }
    }
    return uint64_t(m >> 64);
  }

  // Uniform in [lo, hi] (inclusive); hi < lo gives lo.
  uint64_t between(uint64_t lo, uint64_t hi) { return hi <= lo ? lo : lo + below(hi - lo + 1); }

  bool chance(Probability p) { return (next() >> 32) < p.threshold; }

  // Skewed towards small values: P(v) falls off roughly like log(n / v); a cheap Zipf stand-in.
  uint64_t skewedBelow(uint64_t n) { return below(below(n) + 1); }

  // Index into weights, chosen with probability proportional to its weight (weights sum > 0).
  size_t weighted(std::span<const uint32_t> weights) {
    uint64_t total = 0;
    for (uint32_t w : weights) total += w;
    uint64_t pick = below(total);
    for (size_t i = 0; i < weights.size(); ++i) {
      if (pick < weights[i]) return i;
      pick -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  static constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace netmeter
