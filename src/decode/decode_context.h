#pragma once

#include <cstdint>

#include "decode/byte_cursor.h"
#include "decode/decoded_packet.h"

// Internal to the decoder: the state shared by the layer decoders and their entry points. Each layer
// takes the cursor by value (positioned at its first byte) and hands a narrowed copy to the next.
namespace netmeter::decode_detail {

inline constexpr uint8_t kMaxTunnelDepth = 4;  // encapsulations removed; one more: kTunnelTooDeep
inline constexpr uint8_t kMaxMplsStack = 16;   // labels walked; one more: kMplsStackTooDeep
inline constexpr uint8_t kMaxIpv6ExtensionHeaders = 10;
inline constexpr uint8_t kMaxGtpExtensionHeaders = 8;
// Header offsets are stored as uint16_t: header bytes beyond this offset are treated as not captured.
inline constexpr uint32_t kMaxHeaderOffset = 0xffff;

struct DecodeContext {
  DecodedPacket& out;
  // L2 fields (MACs, VLANs, MPLS, PPPoE, macProtocol, l2PayloadLength) describe the outermost frame:
  // cleared once the decoder enters an encapsulated frame (tunnel, MPLS pseudowire).
  bool recordL2 = true;

  void fail(MalformedReason reason) {
    if (out.malformed == MalformedReason::kNone) out.malformed = reason;
  }
};

inline uint16_t offset16(uint32_t offset) {
  return static_cast<uint16_t>(offset > kMaxHeaderOffset ? kMaxHeaderOffset : offset);
}

// --- link_layer.cpp ---
void decodeLink(DecodeContext& ctx, ByteCursor cur);
// An Ethernet frame starting with the destination MAC (top level, VXLAN, Geneve and GRE 0x6558,
// pseudowire).
void decodeEthernet(DecodeContext& ctx, ByteCursor cur);
// Payload identified by an EtherType (after any VLAN tags).
void dispatchEtherType(DecodeContext& ctx, ByteCursor cur, uint16_t etherType);
// A PPP frame (optional ff 03 address/control, 1- or 2-byte protocol), as on PPP links and in PPTP GRE.
void decodePppFrame(DecodeContext& ctx, ByteCursor cur);
void decodeMpls(DecodeContext& ctx, ByteCursor cur);

// --- network_layer.cpp ---
// Return true when the IP header was complete and the packet's L3 fields now describe it.
bool decodeIpv4(DecodeContext& ctx, ByteCursor cur);
bool decodeIpv6(DecodeContext& ctx, ByteCursor cur);
// By the version nibble (raw IP links, MPLS bottom of stack, GTP-U): false when neither 4 nor 6.
bool decodeIpByVersion(DecodeContext& ctx, ByteCursor cur);
// The IPv6 extension headers the decoder walks (hop-by-hop, routing, fragment, destination options,
// AH, mobility, HIP, shim6), and the length of one from its type and second byte: AH counts 4-byte
// words (RFC 4302), the fragment header is 8 bytes, the others count 8-byte words (RFC 8200 4).
bool isIpv6ExtensionHeader(uint8_t next);
uint32_t ipv6ExtensionHeaderLength(uint8_t type, uint8_t lengthField);

// --- transport_layer.cpp ---
// The payload of an IP header: `cur` spans exactly the IP payload (wireRemaining() = its length).
void decodeIpPayload(DecodeContext& ctx, ByteCursor cur, uint8_t protocol, bool fragmented);

// --- tunnels.cpp ---
void decodeIpInIp(DecodeContext& ctx, ByteCursor cur, uint8_t innerProtocol);
void decodeGre(DecodeContext& ctx, ByteCursor cur);
// UDP payload on a tunnel port; `cur` spans the UDP payload. Returns false when not a tunnel.
void decodeUdpTunnel(DecodeContext& ctx, ByteCursor cur, uint16_t srcPort, uint16_t dstPort);

}  // namespace netmeter::decode_detail
