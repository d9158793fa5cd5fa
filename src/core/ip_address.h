#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace netmeter {

// An IPv4 or IPv6 address. IPv4 is stored in the last four bytes with the first twelve zero, and the
// family kept apart, so that hashing and comparing never branch on the family.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  uint8_t family = 0;  // 0 = none, 4 or 6

  static IpAddress v4(const uint8_t* p) {
    IpAddress a;
    std::memcpy(a.bytes.data() + 12, p, 4);
    a.family = 4;
    return a;
  }
  static IpAddress v4(uint32_t hostOrder) {
    uint8_t b[4] = {uint8_t(hostOrder >> 24), uint8_t(hostOrder >> 16), uint8_t(hostOrder >> 8),
                    uint8_t(hostOrder)};
    return v4(b);
  }
  static IpAddress v6(const uint8_t* p) {
    IpAddress a;
    std::memcpy(a.bytes.data(), p, 16);
    a.family = 6;
    return a;
  }
  // Parses dotted IPv4 or any textual IPv6 form (inet_pton).
  static std::optional<IpAddress> parse(std::string_view text);

  bool isV4() const { return family == 4; }
  bool isV6() const { return family == 6; }
  bool empty() const { return family == 0; }
  uint32_t v4HostOrder() const {
    return (uint32_t{bytes[12]} << 24) | (uint32_t{bytes[13]} << 16) | (uint32_t{bytes[14]} << 8) | bytes[15];
  }
  uint64_t high() const {
    uint64_t v;
    std::memcpy(&v, bytes.data(), 8);
    return v;
  }
  uint64_t low() const {
    uint64_t v;
    std::memcpy(&v, bytes.data() + 8, 8);
    return v;
  }
  bool isMulticast() const;
  bool isBroadcast() const;  // 255.255.255.255 only (a directed broadcast needs the netmask)
  std::string toString() const;

  // Compared as two 64-bit words (no memcmp); ordering is by address bytes, then family.
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.high() == b.high() && a.low() == b.low() && a.family == b.family;
  }
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    if (a.high() != b.high()) return __builtin_bswap64(a.high()) <=> __builtin_bswap64(b.high());
    if (a.low() != b.low()) return __builtin_bswap64(a.low()) <=> __builtin_bswap64(b.low());
    return a.family <=> b.family;
  }
  template <typename H>
  friend H AbslHashValue(H h, const IpAddress& a) {
    return H::combine(std::move(h), a.high(), a.low(), a.family);
  }
};

}  // namespace netmeter
