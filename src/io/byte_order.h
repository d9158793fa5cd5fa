#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace netmeter::io {

// Loads of wire integers in a byte order chosen at run time (capture files come in both orders).
inline uint16_t load16(const uint8_t* p, bool bigEndian) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return bigEndian == (std::endian::native == std::endian::big) ? v : __builtin_bswap16(v);
}

inline uint32_t load32(const uint8_t* p, bool bigEndian) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return bigEndian == (std::endian::native == std::endian::big) ? v : __builtin_bswap32(v);
}

inline uint64_t load64(const uint8_t* p, bool bigEndian) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return bigEndian == (std::endian::native == std::endian::big) ? v : __builtin_bswap64(v);
}

// Stores in the host's byte order (what the writers produce; readers handle both).
inline void storeHost16(uint8_t* p, uint16_t v) {
  std::memcpy(p, &v, sizeof v);
}
inline void storeHost32(uint8_t* p, uint32_t v) {
  std::memcpy(p, &v, sizeof v);
}
inline void storeHost64(uint8_t* p, uint64_t v) {
  std::memcpy(p, &v, sizeof v);
}

}  // namespace netmeter::io
