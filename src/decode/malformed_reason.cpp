#include "decode/malformed_reason.h"

namespace netmeter {

std::string_view malformedReasonName(MalformedReason reason) {
  switch (reason) {
    case MalformedReason::kNone:
      return "none";
    case MalformedReason::kUnsupportedLinkType:
      return "unsupported_link_type";
    case MalformedReason::kTruncatedLinkHeader:
      return "truncated_link_header";
    case MalformedReason::kTruncatedVlan:
      return "truncated_vlan";
    case MalformedReason::kTruncatedMpls:
      return "truncated_mpls";
    case MalformedReason::kMplsStackTooDeep:
      return "mpls_stack_too_deep";
    case MalformedReason::kTruncatedPppoe:
      return "truncated_pppoe";
    case MalformedReason::kTruncatedArp:
      return "truncated_arp";
    case MalformedReason::kBadIpVersion:
      return "bad_ip_version";
    case MalformedReason::kTruncatedIpv4:
      return "truncated_ipv4";
    case MalformedReason::kBadIpv4Version:
      return "bad_ipv4_version";
    case MalformedReason::kBadIpv4HeaderLength:
      return "bad_ipv4_header_length";
    case MalformedReason::kBadIpv4TotalLength:
      return "bad_ipv4_total_length";
    case MalformedReason::kTruncatedIpv6:
      return "truncated_ipv6";
    case MalformedReason::kBadIpv6Version:
      return "bad_ipv6_version";
    case MalformedReason::kBadIpv6PayloadLength:
      return "bad_ipv6_payload_length";
    case MalformedReason::kTruncatedIpv6ExtensionHeader:
      return "truncated_ipv6_extension_header";
    case MalformedReason::kTooManyIpv6ExtensionHeaders:
      return "too_many_ipv6_extension_headers";
    case MalformedReason::kTruncatedTcp:
      return "truncated_tcp";
    case MalformedReason::kBadTcpHeaderLength:
      return "bad_tcp_header_length";
    case MalformedReason::kTruncatedUdp:
      return "truncated_udp";
    case MalformedReason::kBadUdpLength:
      return "bad_udp_length";
    case MalformedReason::kTruncatedIcmp:
      return "truncated_icmp";
    case MalformedReason::kTruncatedSctp:
      return "truncated_sctp";
    case MalformedReason::kTruncatedGre:
      return "truncated_gre";
    case MalformedReason::kTruncatedVxlan:
      return "truncated_vxlan";
    case MalformedReason::kTruncatedGeneve:
      return "truncated_geneve";
    case MalformedReason::kTruncatedGtp:
      return "truncated_gtp";
    case MalformedReason::kTunnelTooDeep:
      return "tunnel_too_deep";
    case MalformedReason::kOverlappingIpFragment:
      return "overlapping_ip_fragment";
    case MalformedReason::kIpDatagramTooLarge:
      return "ip_datagram_too_large";
    case MalformedReason::kCount:
      break;
  }
  return "unknown";
}

}  // namespace netmeter
