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

namespace {

char* formatIpv4(char* out, char* limit, const uint8_t* octets) {
  for (size_t i = 0; i < 4; ++i) {
    if (i != 0) *out++ = '.';
    out = std::to_chars(out, limit, octets[i]).ptr;
  }
  return out;
}

// The text inet_ntop gives (RFC 5952: lowercase hex without leading zeros, the first longest run of
// two or more zero groups as "::", IPv4-compatible and IPv4-mapped addresses with a dotted tail),
// without its sprintf per group.
char* formatIpv6(char* out, char* limit, const uint8_t* bytes) {
  uint16_t words[8];
  for (size_t i = 0; i < 8; ++i) words[i] = uint16_t(bytes[2 * i] << 8 | bytes[2 * i + 1]);
  int bestBase = -1, bestLength = 0;
  for (int i = 0; i < 8;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[j] == 0) ++j;
    if (j - i > bestLength) bestBase = i, bestLength = j - i;
    i = j;
  }
  if (bestLength < 2) bestBase = -1;
  for (int i = 0; i < 8; ++i) {
    if (bestBase != -1 && i >= bestBase && i < bestBase + bestLength) {
      if (i == bestBase) *out++ = ':';
      continue;
    }
    if (i != 0) *out++ = ':';
    if (i == 6 && bestBase == 0 && (bestLength == 6 || (bestLength == 5 && words[5] == 0xffff)))
      return formatIpv4(out, limit, bytes + 12);  // ::a.b.c.d and ::ffff:a.b.c.d
    out = std::to_chars(out, limit, words[i], 16).ptr;
  }
  if (bestBase != -1 && bestBase + bestLength == 8) *out++ = ':';
  return out;
}

}  // namespace

// Without inet_ntop, which formats with sprintf: reports and API lists format millions of addresses.
std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN];
  if (family == 4) return std::string(buf, formatIpv4(buf, buf + sizeof buf, bytes.data() + 12));
  if (family == 6) return std::string(buf, formatIpv6(buf, buf + sizeof buf, bytes.data()));
  return "";
}

}  // namespace netmeter
