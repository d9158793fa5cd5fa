#include "core/service_names.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <array>
#include <cstring>
#include <string>
#include <unordered_map>

namespace netmeter {

namespace {

uint32_t key(uint8_t l4Protocol, uint16_t port) {
  return uint32_t(l4Protocol) << 16 | port;
}

std::unordered_map<uint32_t, std::string> readServices() {
  std::unordered_map<uint32_t, std::string> out;
  setservent(0);
  servent entry{};
  servent* result = nullptr;
  std::array<char, 4096> buffer{};
  while (getservent_r(&entry, buffer.data(), buffer.size(), &result) == 0 && result != nullptr) {
    uint8_t l4 = 0;
    if (std::strcmp(entry.s_proto, "tcp") == 0)
      l4 = 6;
    else if (std::strcmp(entry.s_proto, "udp") == 0)
      l4 = 17;
    else if (std::strcmp(entry.s_proto, "sctp") == 0)
      l4 = 132;
    else
      continue;
    // The first entry of a port wins, as getservbyport() answers.
    out.try_emplace(key(l4, ntohs(uint16_t(entry.s_port))), entry.s_name);
  }
  endservent();
  return out;
}

}  // namespace

std::string_view usualServiceName(uint8_t l4Protocol, uint16_t port) {
  static const std::unordered_map<uint32_t, std::string> services = readServices();
  const auto it = services.find(key(l4Protocol, port));
  return it == services.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace netmeter
