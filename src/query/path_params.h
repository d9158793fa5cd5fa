#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/errors.h"
#include "api/http_types.h"
#include "core/ip_address.h"

namespace netmeter::query {

// Path parameters naming entities; errors name the parameter.
inline api::Expected<IpAddress> ipParam(const api::Request& req, std::string_view name = "ip") {
  auto ip = IpAddress::parse(req.param(name));
  if (!ip) return api::badParameter(name, "'" + std::string(req.param(name)) + "' is not an IPv4 or IPv6 address");
  return *ip;
}

inline api::Expected<uint16_t> portParam(const api::Request& req, std::string_view name = "port") {
  const std::string_view text = req.param(name);
  uint32_t v = 0;
  bool ok = !text.empty() && text.size() <= 5;
  for (char c : text) {
    if (c < '0' || c > '9') ok = false;
    else v = v * 10 + uint32_t(c - '0');
  }
  if (!ok || v > 65535) return api::badParameter(name, "'" + std::string(text) + "' is not a port number (0-65535)");
  return uint16_t(v);
}

}  // namespace netmeter::query
