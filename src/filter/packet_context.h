#pragma once

#include <cstdint>
#include <string_view>

namespace netmeter::filter {

// Facts about a packet (or a connection) that are not in its headers: they come from analysis
// modules, most of which do not exist yet. Every field starts as "unknown"; the module named in the
// comment will fill it. The compiled filter reads the fields directly (no callbacks on the hot path).
//
// L7 classification: operands on it are tri-state (see Match). While `l7` is kNotClassified the
// answer is "undecided" and the capture layer skips the packet, as the reference describes.
enum class L7State : uint8_t {
  kNotClassified,  // the DPI module has not decided yet (or does not exist): undecided
  kClassified,     // l7Protocol holds the result (kL7Unknown when the DPI gave up)
};

inline constexpr uint16_t kL7Unknown = 0;        // classified, but no protocol recognised
inline constexpr uint16_t kCountryUnknown = 0;   // no geolocation
inline constexpr int16_t kUnknownNumber = -1;    // for the small numeric fields below
inline constexpr uint32_t kNoLink = 0xffffffff;  // interface pair unknown
inline constexpr uint64_t kDefaultGroupBit = 1;  // group "default" is bit 0

// Packs a two-letter country code ("US", any case) as the filter compares it; 0 if not two letters.
constexpr uint16_t countryCode(std::string_view code) {
  if (code.size() != 2) return kCountryUnknown;
  uint16_t out = 0;
  for (char c : code) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return kCountryUnknown;
    out = static_cast<uint16_t>((out << 8) | static_cast<uint8_t>(c));
  }
  return out;
}

// The hash the SIP module must store in `callIdHash` for a call id (64-bit FNV-1a of the exact bytes,
// case-sensitive). 0 is reserved for "no call id".
constexpr uint64_t callIdHash(std::string_view callId) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : callId) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h == 0 ? 1 : h;
}

struct PacketContext {
  // DPI / L7 module (per connection): classification state and protocol id from L7ProtocolTable
  // (the DPI module's table: modules/dpi/dpi_context.h fills these). `l7Protocol` is the most specific
  // protocol (e.g. YouTube), `l7MasterProtocol` its carrier when there is one (e.g. TLS); a clause
  // matches either.
  L7State l7 = L7State::kNotClassified;
  uint16_t l7Protocol = kL7Unknown;
  uint16_t l7MasterProtocol = kL7Unknown;
  // Geolocation module: country of the source and destination IP (countryCode()).
  uint16_t srcCountry = kCountryUnknown;
  uint16_t dstCountry = kCountryUnknown;
  // IP groups module: bit i set = the IP belongs to group i (CompileOptions::groupIndex). Until the
  // module exists every IP is in the default group only.
  uint64_t srcGroups = kDefaultGroupBit;
  uint64_t dstGroups = kDefaultGroupBit;
  // Flow table (capture layer, from FlowUpdate): which side is the server. Unknown: a SYN / port
  // heuristic decides (see docs/filter-language.md).
  enum class ServerSide : uint8_t { kUnknown, kSource, kDestination } serverSide = ServerSide::kUnknown;
  // RTP module: payload type 0..127 of an RTP packet, -1 for "not RTP / unknown".
  int16_t rtpPayloadType = kUnknownNumber;
  // SIP module: callIdHash() of the call id of the SIP dialog (or RTP stream) the packet belongs to.
  uint64_t callIdHash = 0;
  // PTP module: messageType 0..15 of a PTP packet, -1 otherwise.
  int16_t ptpMessageType = kUnknownNumber;
  // PROFINET module: frame id of a PROFINET RT frame, and CM (DCE/RPC) operation number, -1 otherwise.
  int32_t profinetFrameId = kUnknownNumber;
  int16_t profinetCmOpnum = kUnknownNumber;
  // Capture interface (NIC FCS check): 1 bad CRC, 0 good, -1 unknown (counts as good).
  int8_t badCrc = kUnknownNumber;
  // Interfaces module: id of the link (interface pair) the packet was seen on.
  uint32_t linkId = kNoLink;
};

// The same facts for a connection row (API tables): the connection's L7 result, the endpoint
// countries and groups, and its call id.
struct ConnectionContext {
  L7State l7 = L7State::kNotClassified;
  uint16_t l7Protocol = kL7Unknown;
  uint16_t l7MasterProtocol = kL7Unknown;
  uint16_t clientCountry = kCountryUnknown;
  uint16_t serverCountry = kCountryUnknown;
  uint64_t clientGroups = kDefaultGroupBit;
  uint64_t serverGroups = kDefaultGroupBit;
  uint64_t callIdHash = 0;
  uint32_t linkId = kNoLink;
};

}  // namespace netmeter::filter
