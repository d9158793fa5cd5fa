#include <arpa/inet.h>

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
      if (c >= '0' && c <= '9') d = uint8_t(c - '0');
      else if (c >= 'a' && c <= 'f') d = uint8_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') d = uint8_t(c - 'A' + 10);
      else return std::nullopt;
      v = uint8_t(v * 16 + d);
    }
    if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return std::nullopt;
    m.bytes[i] = v;
  }
  return m;
}

std::string MacAddress::toString() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3],
                bytes[4], bytes[5]);
  return buf;
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

bool IpAddress::isBroadcast() const { return family == 4 && v4HostOrder() == 0xffffffffU; }

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN];
  if (family == 4) return inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf) ? buf : "";
  if (family == 6) return inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf) ? buf : "";
  return "";
}

}  // namespace netmeter
