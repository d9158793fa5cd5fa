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
