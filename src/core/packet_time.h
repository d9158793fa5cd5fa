#pragma once

#include <cstdint>

namespace netmeter {

// Packet time: nanoseconds since 1970-01-01 UTC, taken from the capture, never from the wall clock.
// int64 covers the years 1678..2262, which includes pcapng timestamps past 2106.
using PacketTime = int64_t;

inline constexpr PacketTime kNanosPerMicro = 1'000;
inline constexpr PacketTime kNanosPerMilli = 1'000'000;
inline constexpr PacketTime kNanosPerSecond = 1'000'000'000;

// Whole seconds (floor, also for times before 1970; defined for INT64_MIN, the "no packet yet" time).
constexpr int64_t secondOf(PacketTime t) {
  return t >= 0 ? t / kNanosPerSecond : (t + 1) / kNanosPerSecond - 1;
}

}  // namespace netmeter
