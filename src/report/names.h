#pragma once

#include <cstdint>
#include <string_view>

namespace netmeter {

// Human names for protocol numbers, as the UI and CSV show them.
std::string_view ipProtocolName(uint8_t protocol);     // "TCP", "UDP", "ICMP", ... or "" when unnamed
std::string_view etherTypeName(uint16_t etherType);    // "IPv4", "ARP", "VLAN", ... or ""
std::string_view dscpName(uint8_t dscp);               // "EF", "AF41", "CS1", "BE" ... or ""

}  // namespace netmeter
