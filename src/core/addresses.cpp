#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

#include "core/ip_address.h"
#include "core/mac_address.h"

namespace netmeter {

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddress m;
  for (size_t i = 0; i < 6; ++i) {
    uint8_t v = 0;
    for (size_t j = 0; j < 2; ++j) {
      char c = text[i * 3 + j];
      uint8_t d;
      if (c >= '0' && c <= '9')
        d = uint8_t(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = uint8_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = uint8_t(c - 'A' + 10);
      else
        return std::nullopt;
      v = uint8_t(v * 16 + d);
    }
    if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return std::nullopt;
    m.bytes[i] = v;
  }
  return m;
}

// Formatting without printf: reports and API lists format millions of addresses.
std::string MacAddress::toString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(17, ':');
  for (size_t i = 0; i < 6; ++i) {
    out[i * 3] = kHex[bytes[i] >> 4];
    out[i * 3 + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  text.copy(buf, text.size());
  buf[text.size()] = 0;
  uint8_t raw[16];
  if (inet_pton(AF_INET, buf, raw) == 1) return v4(raw);
  if (inet_pton(AF_INET6, buf, raw) == 1) return v6(raw);
  return std::nullopt;
}

bool IpAddress::isMulticast() const {
  if (family == 4) return (bytes[12] & 0xf0) == 0xe0;
  if (family == 6) return bytes[0] == 0xff;
  return false;
}

bool IpAddress::isBroadcast() const {
  return family == 4 && v4HostOrder() == 0xffffffffU;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN];
  if (family == 4) {  // glibc's inet_ntop formats IPv4 with sprintf
    char* end = buf;
    for (size_t i = 12; i < 16; ++i) {
      if (i != 12) *end++ = '.';
      end = std::to_chars(end, buf + sizeof buf, bytes[i]).ptr;
    }
    return std::string(buf, end);
  }
  if (family == 6) return inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf) ? buf : "";
  return "";
}

}  // namespace netmeter
