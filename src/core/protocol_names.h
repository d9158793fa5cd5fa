#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace netmeter {

// Names of protocol numbers, both ways, from one table each: what the JSON/CSV output shows and what
// filter expressions accept. Name lookups are case-insensitive and also accept aliases ("IP" for
// IPv4, "LACP"); number lookups return the canonical name, or "" when the number has none.
std::string_view ipProtocolName(uint8_t protocol);               // 6 -> "TCP"
std::optional<uint8_t> ipProtocolNumber(std::string_view name);  // "icmpv6" -> 58
std::string_view etherTypeName(uint16_t etherType);               // 0x0800 -> "IPv4"
std::optional<uint16_t> etherTypeNumber(std::string_view name);   // "ARP" -> 0x0806
std::string_view dscpName(uint8_t dscp);                          // 46 -> "EF", 34 -> "AF41"
std::optional<uint8_t> dscpNumber(std::string_view name);         // "EF", "AF41", "CS3", "BE"/"DF"/"default", "LE", "VA"

// Case-insensitive ASCII equality.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace netmeter
