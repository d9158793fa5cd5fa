#include "core/protocol_names.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace netmeter {

namespace {

template <typename T>
struct NamedNumber {
  T number;
  std::string_view name;
};

// The first entry of a number is its canonical name; later ones are aliases accepted in input.
constexpr std::array<NamedNumber<uint8_t>, 27> kIpProtocols{{
    {0, "HOPOPT"},     {1, "ICMP"},      {2, "IGMP"},       {4, "IPIP"},       {4, "IPv4"},   {6, "TCP"},
    {8, "EGP"},        {17, "UDP"},      {41, "IPv6"},      {43, "IPv6-Route"}, {44, "IPv6-Frag"}, {46, "RSVP"},
    {47, "GRE"},       {50, "ESP"},      {51, "AH"},        {58, "ICMPv6"},    {59, "IPv6-NoNxt"}, {60, "IPv6-Opts"},
    {88, "EIGRP"},     {89, "OSPF"},     {103, "PIM"},      {112, "VRRP"},     {115, "L2TP"}, {132, "SCTP"},
    {136, "UDPLite"},  {137, "MPLS-in-IP"}, {143, "Ethernet"},
}};

constexpr std::array<NamedNumber<uint16_t>, 38> kEtherTypes{{
    {0x0000, "LLC"},
    {0x0800, "IPv4"},
    {0x0800, "IP"},
    {0x0806, "ARP"},
    {0x0842, "Wake-on-LAN"},
    {0x22f0, "AVTP"},
    {0x22f3, "TRILL"},
    {0x8035, "RARP"},
    {0x809b, "AppleTalk"},
    {0x8100, "VLAN"},
    {0x8137, "IPX"},
    {0x86dd, "IPv6"},
    {0x8808, "Ethernet flow control"},
    {0x8809, "Slow protocols (LACP)"},
    {0x8809, "LACP"},
    {0x8847, "MPLS"},
    {0x8848, "MPLS multicast"},
    {0x8863, "PPPoE discovery"},
    {0x8864, "PPPoE session"},
    {0x8864, "PPPoE"},
    {0x887b, "HomePlug"},
    {0x888e, "EAPOL"},
    {0x8892, "PROFINET"},
    {0x88a4, "EtherCAT"},
    {0x88a8, "QinQ"},
    {0x88b8, "GOOSE"},
    {0x88ba, "Sampled Values"},
    {0x88cc, "LLDP"},
    {0x88e3, "MRP"},
    {0x88e5, "MACsec"},
    {0x88e7, "PBB"},
    {0x88f7, "PTP"},
    {0x88fb, "PRP"},
    {0x8902, "CFM"},
    {0x8906, "FCoE"},
    {0x8914, "FIP"},
    {0x9000, "Loopback"},
    {0x9100, "QinQ (old)"},
}};

template <typename T, size_t N>
std::string_view nameOf(const std::array<NamedNumber<T>, N>& table, T number) {
  for (const auto& e : table)
    if (e.number == number) return e.name;
  return {};
}

template <typename T, size_t N>
std::optional<T> numberOf(const std::array<NamedNumber<T>, N>& table, std::string_view name) {
  for (const auto& e : table)
    if (equalsIgnoreCase(e.name, name)) return e.number;
  return std::nullopt;
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view ipProtocolName(uint8_t protocol) { return nameOf(kIpProtocols, protocol); }
std::optional<uint8_t> ipProtocolNumber(std::string_view name) { return numberOf(kIpProtocols, name); }
std::string_view etherTypeName(uint16_t etherType) { return nameOf(kEtherTypes, etherType); }
std::optional<uint16_t> etherTypeNumber(std::string_view name) { return numberOf(kEtherTypes, name); }

// DSCP names follow RFC 2474/2597/3246/5865/8622: CSn = 8n, AFxy = 8x + 2y, EF = 46, VOICE-ADMIT = 44,
// LE = 1, BE (also DF, default) = 0.
std::string_view dscpName(uint8_t dscp) {
  static constexpr std::array<std::string_view, 8> kClassSelectors{"BE", "CS1", "CS2", "CS3",
                                                                    "CS4", "CS5", "CS6", "CS7"};
  static constexpr std::array<std::string_view, 12> kAssured{"AF11", "AF12", "AF13", "AF21", "AF22", "AF23",
                                                             "AF31", "AF32", "AF33", "AF41", "AF42", "AF43"};
  if (dscp % 8 == 0 && dscp < 64) return kClassSelectors[dscp / 8];
  if (dscp == 46) return "EF";
  if (dscp == 44) return "VOICE-ADMIT";
  if (dscp == 1) return "LE";
  const int cls = dscp / 8, drop = (dscp % 8) / 2;
  if (dscp % 2 == 0 && cls >= 1 && cls <= 4 && drop >= 1 && drop <= 3) return kAssured[size_t((cls - 1) * 3 + drop - 1)];
  return {};
}

std::optional<uint8_t> dscpNumber(std::string_view name) {
  if (equalsIgnoreCase(name, "BE") || equalsIgnoreCase(name, "default") || equalsIgnoreCase(name, "DF")) return 0;
  if (equalsIgnoreCase(name, "EF")) return 46;
  if (equalsIgnoreCase(name, "VA") || equalsIgnoreCase(name, "VOICE-ADMIT")) return 44;
  if (equalsIgnoreCase(name, "LE")) return 1;
  if (name.size() == 3 && std::tolower(static_cast<unsigned char>(name[0])) == 'c' &&
      std::tolower(static_cast<unsigned char>(name[1])) == 's' && name[2] >= '0' && name[2] <= '7')
    return static_cast<uint8_t>((name[2] - '0') * 8);
  if (name.size() == 4 && std::tolower(static_cast<unsigned char>(name[0])) == 'a' &&
      std::tolower(static_cast<unsigned char>(name[1])) == 'f' && name[2] >= '1' && name[2] <= '4' &&
      name[3] >= '1' && name[3] <= '3')
    return static_cast<uint8_t>((name[2] - '0') * 8 + (name[3] - '0') * 2);
  return std::nullopt;
}

}  // namespace netmeter
