#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "modules/quic/quic_version.h"
#include "modules/tls/tls_constants.h"

namespace netmeter::tls {

// Display names of TLS and QUIC values: the registered name, else the hexadecimal code.
inline std::string hex16(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}
inline std::string versionText(uint16_t v) {
  auto name = versionName(v);
  return name.empty() ? hex16(v) : std::string(name);
}
inline std::string cipherText(uint16_t c) {
  auto name = cipherSuiteName(c);
  return name.empty() ? hex16(c) : std::string(name);
}
inline std::string alertDescriptionText(uint8_t d) {
  auto name = alertDescriptionName(d);
  return name.empty() ? std::to_string(d) : std::string(name);
}
inline std::string quicVersionText(uint32_t v) {
  auto name = quic::versionName(v);
  if (!name.empty()) return std::string(name);
  char buf[12];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace netmeter::tls
