#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace netmeter {

// An Ethernet MAC address, stored as six bytes in wire order.
struct MacAddress {
  std::array<uint8_t, 6> bytes{};

  static MacAddress fromBytes(const uint8_t* p) {
    MacAddress m;
    std::memcpy(m.bytes.data(), p, 6);
    return m;
  }
  // Parses "aa:bb:cc:dd:ee:ff" (also '-' separated, any case).
  static std::optional<MacAddress> parse(std::string_view text);

  uint64_t asInteger() const {
    uint64_t v = 0;
    for (uint8_t b : bytes) v = (v << 8) | b;
    return v;
  }
  uint32_t oui() const { return (uint32_t{bytes[0]} << 16) | (uint32_t{bytes[1]} << 8) | bytes[2]; }
  bool isBroadcast() const { return asInteger() == 0xffffffffffffULL; }
  bool isMulticast() const { return (bytes[0] & 1) != 0; }
  std::string toString() const;

  friend bool operator==(const MacAddress& a, const MacAddress& b) {
    return std::memcmp(a.bytes.data(), b.bytes.data(), 6) == 0;
  }
  friend auto operator<=>(const MacAddress&, const MacAddress&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const MacAddress& m) {
    return H::combine(std::move(h), m.asInteger());
  }
};

}  // namespace netmeter
