#pragma once

#include <cstddef>
#include <type_traits>

namespace netmeter {

// Copies a small trivially copyable object (a few hundred bytes, e.g. a DecodedPacket) with 16-byte
// vector moves. GCC expands the assignment of such a struct into `rep movsq`, which costs tens of
// cycles to start and stalls the loads that read the copy right after it (no store forwarding from
// string instructions): the per-packet reset and hand-over of the decoded packet spent most of the
// reader's decoding time there.
template <typename T>
inline void copySmall(T& to, const T& from) {
  static_assert(std::is_trivially_copyable_v<T>);
  auto* d = reinterpret_cast<unsigned char*>(&to);
  const auto* s = reinterpret_cast<const unsigned char*>(&from);
  constexpr size_t kChunk = 16;
  constexpr size_t kWhole = sizeof(T) / kChunk * kChunk;
#pragma GCC unroll 64
  for (size_t i = 0; i < kWhole; i += kChunk) __builtin_memcpy(d + i, s + i, kChunk);
  if constexpr (kWhole != sizeof(T)) __builtin_memcpy(d + kWhole, s + kWhole, sizeof(T) - kWhole);
}

}  // namespace netmeter
