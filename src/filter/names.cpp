#include "filter/names.h"

#include <array>
#include <cctype>
#include <utility>

namespace netmeter::filter {

namespace {

template <typename T, size_t N>
std::optional<T> lookup(const std::array<std::pair<std::string_view, T>, N>& table, std::string_view name) {
  for (const auto& [n, v] : table) {
    if (equalsIgnoreCase(n, name)) return v;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<std::string_view, uint8_t>, 20> kL4{{
    {"ICMP", 1},  {"IGMP", 2},  {"IPIP", 4},   {"IPv4", 4},   {"TCP", 6},    {"EGP", 8},       {"UDP", 17},
    {"IPv6", 41}, {"RSVP", 46}, {"GRE", 47},   {"ESP", 50},   {"AH", 51},    {"ICMPv6", 58},   {"EIGRP", 88},
    {"OSPF", 89}, {"PIM", 103}, {"VRRP", 112}, {"L2TP", 115}, {"SCTP", 132}, {"UDPLite", 136},
}};

constexpr std::array<std::pair<std::string_view, uint16_t>, 33> kEtherTypes{{
    {"LLC", 0x0000},
    {"IPv4", 0x0800},
    {"IP", 0x0800},
    {"ARP", 0x0806},
    {"Wake-on-LAN", 0x0842},
    {"AVTP", 0x22f0},
    {"TRILL", 0x22f3},
    {"RARP", 0x8035},
    {"AppleTalk", 0x809b},
    {"VLAN", 0x8100},
    {"IPX", 0x8137},
    {"IPv6", 0x86dd},
    {"Ethernet flow control", 0x8808},
    {"LACP", 0x8809},
    {"Slow protocols (LACP)", 0x8809},
    {"MPLS", 0x8847},
    {"MPLS multicast", 0x8848},
    {"PPPoE discovery", 0x8863},
    {"PPPoE session", 0x8864},
    {"PPPoE", 0x8864},
    {"HomePlug", 0x887b},
    {"EAPOL", 0x888e},
    {"PROFINET", 0x8892},
    {"EtherCAT", 0x88a4},
    {"QinQ", 0x88a8},
    {"GOOSE", 0x88b8},
    {"LLDP", 0x88cc},
    {"MACsec", 0x88e5},
    {"PBB", 0x88e7},
    {"PTP", 0x88f7},
    {"CFM", 0x8902},
    {"FCoE", 0x8906},
    {"Loopback", 0x9000},
}};

constexpr std::array<std::pair<std::string_view, uint8_t>, 35> kRtp{{
    {"PCMU", 0},        {"GSM", 3},       {"G723", 4},       {"DVI4", 5},        {"LPC", 7},
    {"PCMA", 8},        {"G722", 9},      {"L16", 10},       {"QCELP", 12},      {"CN", 13},
    {"MPA", 14},        {"G728", 15},     {"G729", 18},      {"CelB", 25},       {"JPEG", 26},
    {"nv", 28},         {"H261", 31},     {"MPV", 32},       {"MP2T", 33},       {"H263", 34},
    {"G711U", 0},       {"G711A", 8},     {"G.711U", 0},     {"G.711A", 8},      {"G.722", 9},
    {"G.723", 4},       {"G.728", 15},    {"G.729", 18},     {"1016", 1},        {"G721", 2},
    {"L16-stereo", 10}, {"L16-mono", 11}, {"DVI4-16000", 6}, {"DVI4-11025", 16}, {"DVI4-22050", 17},
}};

constexpr std::array<std::pair<std::string_view, uint8_t>, 14> kPtp{{
    {"Sync", 0},
    {"Delay_Req", 1},
    {"Pdelay_Req", 2},
    {"Pdelay_Resp", 3},
    {"Follow_Up", 8},
    {"Delay_Resp", 9},
    {"Pdelay_Resp_Follow_Up", 10},
    {"Announce", 11},
    {"Signaling", 12},
    {"Signalling", 12},
    {"Management", 13},
    {"DelayReq", 1},
    {"DelayResp", 9},
    {"FollowUp", 8},
}};

constexpr std::array<std::pair<std::string_view, uint8_t>, 8> kProfinetCm{{
    {"connect", 0},
    {"release", 1},
    {"read", 2},
    {"write", 3},
    {"control", 4},
    {"read implicit", 5},
    {"readimplicit", 5},
    {"read_implicit", 5},
}};

constexpr std::array<std::pair<std::string_view, uint8_t>, 8> kTcpFlags{{
    {"fin", 0x01},
    {"syn", 0x02},
    {"rst", 0x04},
    {"psh", 0x08},
    {"ack", 0x10},
    {"urg", 0x20},
    {"ece", 0x40},
    {"cwr", 0x80},
}};

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<uint32_t> parseNumber(std::string_view text, uint32_t max) {
  if (text.empty()) return std::nullopt;
  uint32_t base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  uint64_t v = 0;
  for (char c : text) {
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    v = v * base + d;
    if (v > max) return std::nullopt;
  }
  return static_cast<uint32_t>(v);
}

std::optional<uint8_t> l4ProtocolNumber(std::string_view name) {
  return lookup(kL4, name);
}
std::optional<uint16_t> etherTypeNumber(std::string_view name) {
  return lookup(kEtherTypes, name);
}
std::optional<uint8_t> rtpPayloadTypeNumber(std::string_view name) {
  return lookup(kRtp, name);
}
std::optional<uint8_t> ptpMessageTypeNumber(std::string_view name) {
  return lookup(kPtp, name);
}
std::optional<uint8_t> profinetCmOpnumNumber(std::string_view name) {
  return lookup(kProfinetCm, name);
}
std::optional<uint8_t> tcpFlagBit(std::string_view name) {
  return lookup(kTcpFlags, name);
}

std::optional<uint8_t> dscpNumber(std::string_view name) {
  if (equalsIgnoreCase(name, "BE") || equalsIgnoreCase(name, "default") || equalsIgnoreCase(name, "DF"))
    return 0;
  if (equalsIgnoreCase(name, "EF")) return 46;
  if (equalsIgnoreCase(name, "VA") || equalsIgnoreCase(name, "VOICE-ADMIT")) return 44;
  if (equalsIgnoreCase(name, "LE")) return 1;
  if (name.size() == 3 && (name[0] == 'C' || name[0] == 'c') && (name[1] == 'S' || name[1] == 's') &&
      name[2] >= '0' && name[2] <= '7') {
    return static_cast<uint8_t>((name[2] - '0') * 8);
  }
  if (name.size() == 4 && (name[0] == 'A' || name[0] == 'a') && (name[1] == 'F' || name[1] == 'f') &&
      name[2] >= '1' && name[2] <= '4' && name[3] >= '1' && name[3] <= '3') {
    return static_cast<uint8_t>((name[2] - '0') * 8 + (name[3] - '0') * 2);
  }
  return std::nullopt;
}

const L7ProtocolTable& L7ProtocolTable::builtIn() {
  static const L7ProtocolTable table({
      "Unknown",    "HTTP",         "TLS",      "DNS",        "QUIC",      "SSH",     "FTP",     "FTP_DATA",
      "SMTP",       "SMTPS",        "IMAP",     "IMAPS",      "POP3",      "POP3S",   "NTP",     "DHCP",
      "DHCPv6",     "SNMP",         "SIP",      "RTP",        "RTCP",      "RTSP",    "SMBv1",   "SMBv23",
      "NetBIOS",    "LDAP",         "Kerberos", "RDP",        "Telnet",    "MQTT",    "Modbus",  "PROFINET",
      "BitTorrent", "Skype_Teams",  "STUN",     "MDNS",       "LLMNR",     "SSDP",    "IGMP",    "ICMP",
      "ICMPv6",     "BGP",          "OSPF",     "Syslog",     "TFTP",      "NFS",     "MySQL",   "PostgreSQL",
      "Redis",      "VNC",          "OpenVPN",  "IPsec",      "WireGuard", "GTP",     "Radius",  "DoH_DoT",
      "HTTP_Proxy", "HTTP_Connect", "Zoom",     "WhatsApp",   "Google",    "YouTube", "Netflix", "Microsoft",
      "Apple",      "Amazon",       "Facebook", "Cloudflare",
  });
  return table;
}

std::optional<uint16_t> L7ProtocolTable::find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (equalsIgnoreCase(names_[i], name)) return static_cast<uint16_t>(i);
  }
  if (equalsIgnoreCase(name, "SSL")) return find("TLS");
  return std::nullopt;
}

std::string_view L7ProtocolTable::name(uint16_t id) const {
  return id < names_.size() ? std::string_view(names_[id]) : std::string_view();
}

}  // namespace netmeter::filter
