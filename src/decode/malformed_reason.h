#pragma once

#include <cstdint>
#include <string_view>

namespace netmeter {

// Why a packet could not be decoded completely. Malformed traffic is data: it is counted per reason
// (global statistics) and the packet is accounted with whatever layers were decoded before the damage.
enum class MalformedReason : uint8_t {
  kNone = 0,
  kUnsupportedLinkType,
  kTruncatedLinkHeader,
  kTruncatedVlan,
  kTruncatedMpls,
  kMplsStackTooDeep,
  kTruncatedPppoe,
  kTruncatedArp,
  kTruncatedIpv4,
  kBadIpv4Version,
  kBadIpv4HeaderLength,
  kBadIpv4TotalLength,  // < header length (stop), or beyond the frame on the wire (decoding continues)
  kTruncatedIpv6,
  kBadIpv6Version,
  kTruncatedIpv6ExtensionHeader,
  kTooManyIpv6ExtensionHeaders,
  kTruncatedTcp,
  kBadTcpHeaderLength,
  kTruncatedUdp,
  kBadUdpLength,
  kTruncatedIcmp,
  kTruncatedSctp,
  kTruncatedGre,
  kTruncatedVxlan,
  kTruncatedGtp,
  kTunnelTooDeep,
  // added after the first release of the list (values of the reasons above are unchanged)
  kBadIpVersion,          // raw IP link whose first nibble is neither 4 nor 6
  kBadIpv6PayloadLength,  // payload length beyond the frame on the wire (decoding continues)
  // Set by IP reassembly (IpReassembler) on the fragment that showed the damage; its datagram is dropped.
  kOverlappingIpFragment,  // overlaps a fragment of the same datagram with different bytes
  kIpDatagramTooLarge,     // reaches beyond 65535 bytes, or the datagram's fragments disagree on its end
  kTruncatedGeneve,        // the Geneve header or its options reach beyond the UDP datagram or the capture
  kCount                   // number of reasons; keep last
};

// Stable, snake_case name used in JSON and the API ("truncated_ipv4").
std::string_view malformedReasonName(MalformedReason reason);

}  // namespace netmeter
