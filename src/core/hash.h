#pragma once

#include <cstdint>

namespace netmeter {

// Fast 64-bit mixing (the splitmix64 finalizer). Good avalanche, a few cycles.
constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

constexpr uint64_t hashCombine(uint64_t seed, uint64_t value) { return mix64(seed ^ (value + 0x9e3779b97f4a7c15ULL)); }

}  // namespace netmeter
