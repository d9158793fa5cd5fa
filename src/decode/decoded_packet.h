#pragma once

#include <array>
#include <cstdint>

#include "core/ip_address.h"
#include "core/mac_address.h"
#include "core/packet_time.h"
#include "decode/malformed_reason.h"
#include "decode/tcp_options.h"

namespace netmeter {

// IP protocol numbers the engine names.
namespace ipproto {
inline constexpr uint8_t kIcmp = 1;
inline constexpr uint8_t kIgmp = 2;
inline constexpr uint8_t kIpIp = 4;
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
inline constexpr uint8_t kIpv6 = 41;
inline constexpr uint8_t kGre = 47;
inline constexpr uint8_t kEsp = 50;
inline constexpr uint8_t kAh = 51;
inline constexpr uint8_t kIcmpv6 = 58;
inline constexpr uint8_t kSctp = 132;
}  // namespace ipproto

namespace ethertype {
inline constexpr uint16_t kIpv4 = 0x0800;
inline constexpr uint16_t kArp = 0x0806;
inline constexpr uint16_t kVlan = 0x8100;
inline constexpr uint16_t kQinQ = 0x88a8;
inline constexpr uint16_t kQinQOld = 0x9100;
inline constexpr uint16_t kIpv6 = 0x86dd;
inline constexpr uint16_t kMplsUnicast = 0x8847;
inline constexpr uint16_t kMplsMulticast = 0x8848;
inline constexpr uint16_t kPppoeDiscovery = 0x8863;
inline constexpr uint16_t kPppoeSession = 0x8864;
}  // namespace ethertype

namespace tcpflag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace tcpflag

// kMplsUdp (MPLS over UDP port 6635, RFC 7510) and kGeneve (UDP port 6081, RFC 8926) were added after
// the others; values are unchanged.
enum class TunnelType : uint8_t { kNone = 0, kIpInIp, kGre, kVxlan, kGtpU, kTeredo, kMplsUdp, kGeneve };

// A fragment's part in IP reassembly (PacketReader's IpReassembler; kNone when reassembly is off or
// the packet is no fragment).
// - kPiece: a fragment whose datagram is not whole with it. Counted like any packet (its frame, its
//   addresses; its datagram's connection once the first fragment has shown the ports) but analyzed by
//   nothing above IP: no TCP analysis, no layer 7.
// - kReassembled: the fragment that completed its datagram. Its frame fields (lengths, fragment
//   fields) stay the fragment's own; its L3/L4 fields, tunnels included, describe the whole datagram,
//   whose reassembled bytes are the packet's IP bytes.
enum class FragmentRole : uint8_t { kNone = 0, kPiece, kReassembled };

inline constexpr uint8_t kVlanNone = 0xff;   // sentinel for "no PCP"
inline constexpr uint16_t kNoVlan = 0xffff;  // sentinel for "no VLAN id" (valid ids are 0..4095)
inline constexpr size_t kMaxMplsLabels = 4;  // labels kept; deeper stacks are decoded but not kept

// Everything the engine reads from one packet, decoded without allocating: fixed fields plus offsets
// into the packet bytes. Layers that are absent keep their zero / sentinel values.
//
// Tunnelled traffic (IP-in-IP, 6in4, GRE, VXLAN, Geneve, GTP-U, Teredo, MPLS over UDP; up to 4 levels):
// - the L2 fields (MACs, VLANs, MPLS, PPPoE, macProtocol, l2PayloadLength) always describe the
//   OUTERMOST frame as seen on the wire; Ethernet frames inside VXLAN / Geneve / GRE / pseudowires are
//   decoded but their L2 headers are not kept;
// - the L3/L4 fields describe the innermost IP packet that was decoded completely;
// - `outerSrcIp/outerDstIp` keep the outermost IP header, `tunnel`/`tunnelId` the last encapsulation
//   recognised and `tunnelDepth` how many were recognised.
// A recognised tunnel whose header or inner IP header is damaged keeps `tunnel*`/`outer*` set (the
// attempt) while the L3/L4 fields still describe the carrier packet (e.g. UDP to port 4789) and
// `malformed` names the damage. A tunnel carrying no IP (ARP in VXLAN, PPP control in PPTP) also
// keeps the carrier's L3/L4 fields (isArp may then be set together with an IP version). A fragmented
// carrier is not decapsulated by decodePacket (the first fragment shows the carrier's ports); IP
// reassembly (IpReassembler) gives its fragments the inner view and decodes the whole datagram.
//
// Damage: `malformed` is the first reason found; the layers decoded before it stay filled in.
// Decoding stops at the damage, except for IP lengths beyond the frame on the wire
// (kBadIpv4TotalLength, kBadIpv6PayloadLength), which are reported while the payload is still decoded
// as tcpdump does. An IP length beyond the captured bytes only (snap length) is not damage.
struct DecodedPacket {
  // --- capture ---
  PacketTime timestamp = 0;
  uint32_t wireLength = 0;  // original frame length, the unit for all byte counters
  uint32_t capturedLength = 0;
  uint16_t interfaceId = 0;
  uint16_t linkType = 0;

  // --- layer 2 (outermost Ethernet, or the link header's addresses) ---
  bool hasMac = false;  // both MACs known (Ethernet); Linux SLL/SLL2 fill only srcMac
  MacAddress srcMac;
  MacAddress dstMac;
  // EtherType after VLAN/QinQ tags (0x8847 for MPLS, 0x8864 for PPPoE, ...); 0 for 802.3 length
  // frames (LLC). Links without an EtherType give the equivalent one when known (raw IP, NULL/LOOP,
  // PPP: 0x0800 / 0x86dd / 0x8847), else 0.
  uint16_t macProtocol = 0;
  uint8_t vlanCount = 0;                              // VLAN tags seen (can exceed 2; only two ids are kept)
  uint16_t outerVlan = kNoVlan;                       // first tag
  uint16_t innerVlan = kNoVlan;                       // second tag (QinQ)
  uint8_t vlanPcp = kVlanNone;                        // PCP of the outermost tag
  uint8_t mplsCount = 0;                              // labels in the stack (may exceed kMaxMplsLabels)
  std::array<uint32_t, kMaxMplsLabels> mplsLabels{};  // outermost first
  uint8_t mplsTc = kVlanNone;                         // traffic class of the outermost label
  bool hasPppoe = false;
  uint16_t pppoeSessionId = 0;
  uint32_t l2PayloadLength = 0;  // wireLength minus link header and VLAN tags: the MTU measure

  // --- ARP ---
  bool isArp = false;
  uint16_t arpOperation = 0;
  IpAddress arpSenderIp;
  IpAddress arpTargetIp;
  MacAddress arpSenderMac;
  MacAddress arpTargetMac;

  // --- layer 3 (innermost IP header) ---
  uint8_t ipVersion = 0;  // 0 (no IP), 4 or 6
  IpAddress srcIp;
  IpAddress dstIp;
  uint8_t ttl = 0;   // TTL or hop limit
  uint8_t dscp = 0;  // DSCP (traffic class >> 2)
  uint8_t ecn = 0;
  uint32_t ipTotalLength = 0;    // IP header + payload as the header says (0 for jumbograms / TSO: from wire)
  uint16_t ipOffset = 0;         // offset of the innermost IP header in the packet bytes
  bool isFragment = false;       // any fragment (first, middle or last)
  bool isFirstFragment = false;  // offset 0 with more-fragments set
  uint16_t fragmentOffset = 0;   // in bytes
  uint32_t fragmentId = 0;
  // Offset of the fragment's data (after the IPv4 header or the IPv6 fragment header) in the packet
  // bytes; set for fragments only.
  uint16_t fragmentDataOffset = 0;
  FragmentRole fragmentRole = FragmentRole::kNone;
  // The IP version of the header that is the fragment (4 or 6; 0 for no fragment): it stays when IP
  // reassembly gives a fragmented tunnel carrier's fragments the inner packet's addresses.
  uint8_t fragmentIpVersion = 0;
  bool hasIpOptions = false;

  // --- layer 4 ---
  uint8_t l4Protocol = 0;  // IP protocol number of the innermost payload (after extension headers)
  // TCP/UDP/SCTP header decoded; on a non-first fragment only when IP reassembly gave it its
  // datagram's ports (fragmentRole kPiece, fragmentOffset != 0: filters do not match its ports).
  bool hasPorts = false;
  // The TCP header's data offset is below 20 bytes or beyond the IP payload (kBadTcpHeaderLength): the
  // ports count (the segment belongs to its connection), its flags, sequence numbers and window do
  // not (a receiver drops it, RFC 9293 3.1; tshark shows no flags): TCP state and analysis skip it.
  bool badTcpHeader = false;
  uint16_t srcPort = 0;
  uint16_t dstPort = 0;
  uint8_t tcpFlags = 0;
  uint32_t tcpSeq = 0;
  uint32_t tcpAck = 0;
  uint16_t tcpWindow = 0;  // raw window field (unscaled)
  uint16_t tcpOptionsOffset = 0;
  uint16_t tcpOptionsLength = 0;
  TcpOptions tcpSynOptions;  // MSS, window scale, SACK-permitted: parsed for SYN segments only
  uint8_t icmpType = 0;
  uint8_t icmpCode = 0;
  uint16_t l4Offset = 0;       // offset of the L4 header in the packet bytes
  uint16_t payloadOffset = 0;  // offset of the L4 payload in the packet bytes
  uint32_t payloadLength = 0;  // L4 payload length on the wire (from IP lengths, not capture length)

  // --- tunnel (outer headers kept when the packet was decapsulated) ---
  TunnelType tunnel = TunnelType::kNone;
  uint8_t tunnelDepth = 0;
  IpAddress outerSrcIp;
  IpAddress outerDstIp;
  uint32_t tunnelId = 0;  // VXLAN/Geneve VNI, GTP TEID, GRE key (PPTP: call id), MPLS-over-UDP top label

  // --- damage ---
  MalformedReason malformed = MalformedReason::kNone;

  bool isIp() const { return ipVersion != 0; }
  bool isTcp() const { return l4Protocol == ipproto::kTcp && hasPorts; }
  bool isUdp() const { return l4Protocol == ipproto::kUdp && hasPorts; }
};

}  // namespace netmeter
