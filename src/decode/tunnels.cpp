// Tunnels: IP-in-IP / 6in4, GRE (v0 and PPTP v1), VXLAN, Geneve, GTP-U, Teredo, MPLS over UDP.
//
// Policy: when a tunnel header is recognised, `tunnel`, `tunnelDepth`, `tunnelId` and (for the first
// one) `outerSrcIp/outerDstIp` are set at once: they say a decapsulation was attempted. The L3/L4
// fields are replaced only when the inner IP header is complete; when it is damaged (or the tunnel
// header itself is), the L3/L4 fields keep describing the carrier packet and `malformed` names the
// damage. A tunnel whose payload is empty on the wire (GRE keepalive replies) is not damage.
#include "decode/decode_context.h"

namespace netmeter::decode_detail {
namespace {

constexpr uint16_t kVxlanPort = 4789;
constexpr uint16_t kGenevePort = 6081;  // RFC 8926
constexpr uint16_t kGtpUserPort = 2152;
constexpr uint16_t kTeredoPort = 3544;
constexpr uint16_t kMplsOverUdpPort = 6635;  // RFC 7510

constexpr uint16_t kGreChecksum = 0x8000;
constexpr uint16_t kGreRouting = 0x4000;
constexpr uint16_t kGreKey = 0x2000;
constexpr uint16_t kGreSequence = 0x1000;
constexpr uint16_t kGreAck = 0x0080;  // enhanced GRE (v1)
constexpr uint16_t kTransparentEthernet = 0x6558;  // GRE and Geneve protocol type of an Ethernet frame
constexpr uint16_t kGrePpp = 0x880b;

constexpr uint8_t kGeneveVersion = 0;
constexpr uint8_t kGeneveOptionLength = 0x3f;  // in 4-byte words, after the 8-byte fixed header

constexpr uint8_t kGtpVersion1 = 1;
constexpr uint8_t kGtpProtocolType = 0x10;
constexpr uint8_t kGtpOptionalFields = 0x07;  // E, S, PN
constexpr uint8_t kGtpGpdu = 0xff;

// Starts a decapsulation; false (with kTunnelTooDeep) when the depth limit is reached.
bool beginTunnel(DecodeContext& ctx, TunnelType type) {
  DecodedPacket& out = ctx.out;
  if (out.tunnelDepth >= kMaxTunnelDepth) {
    ctx.fail(MalformedReason::kTunnelTooDeep);
    return false;
  }
  if (out.tunnelDepth == 0) {
    out.outerSrcIp = out.srcIp;
    out.outerDstIp = out.dstIp;
  }
  out.tunnel = type;
  out.tunnelId = 0;
  ++out.tunnelDepth;
  ctx.recordL2 = false;
  return true;
}

void decodeVxlan(DecodeContext& ctx, ByteCursor cur) {
  if (!beginTunnel(ctx, TunnelType::kVxlan)) return;
  // flags (1, I = 0x08), reserved (3), VNI (3), reserved (1)
  if (!cur.has(8)) {
    ctx.fail(MalformedReason::kTruncatedVxlan);
    return;
  }
  ctx.out.tunnelId = cur.be32(4) >> 8;
  cur.advance(8);
  if (cur.wireRemaining() != 0) decodeEthernet(ctx, cur);
}

// Length of the GTPv1 header including optional fields and extension headers; 0 when damaged.
uint32_t gtpHeaderLength(const ByteCursor& cur) {
  const uint8_t flags = cur.u8(0);
  if ((flags & kGtpOptionalFields) == 0) return 8;
  if (!cur.has(12)) return 0;
  uint32_t length = 12;
  uint8_t nextType = (flags & 0x04) != 0 ? cur.u8(11) : 0;
  for (uint32_t count = 0; nextType != 0; ++count) {
    if (count == kMaxGtpExtensionHeaders) return 0;
    const uint32_t extLength = uint32_t{cur.u8(length)} * 4;  // in 4-byte units, incl. length and next
    if (extLength == 0 || !cur.has(length + extLength)) return 0;
    nextType = cur.u8(length + extLength - 1);
    length += extLength;
  }
  return length;
}

void decodeGtpUser(DecodeContext& ctx, ByteCursor cur) {
  // flags (1: version 3 bits, PT, reserved, E, S, PN), message type (1), length (2), TEID (4)
  if (cur.has(2)) {
    const uint8_t flags = cur.u8(0);
    // GTP' or another version, or signalling on the user plane (echo, error indication, end
    // marker): not a tunnel.
    if ((flags >> 5) != kGtpVersion1 || (flags & kGtpProtocolType) == 0 || cur.u8(1) != kGtpGpdu) return;
  }
  if (!beginTunnel(ctx, TunnelType::kGtpU)) return;
  if (!cur.has(8)) {
    ctx.fail(MalformedReason::kTruncatedGtp);
    return;
  }
  ctx.out.tunnelId = cur.be32(4);
  const uint32_t headerLength = gtpHeaderLength(cur);
  if (headerLength == 0) {
    ctx.fail(MalformedReason::kTruncatedGtp);
    return;
  }
  cur.advance(headerLength);
  if (cur.wireRemaining() == 0) return;
  if (!cur.has(1)) {
    ctx.fail(MalformedReason::kTruncatedGtp);
    return;
  }
  decodeIpByVersion(ctx, cur);  // anything else (PPP, non-IP PDU types) stays undecoded
}

// Teredo (RFC 4380): optional authentication and origin indications, then an IPv6 packet. Other UDP
// traffic on port 3544 (e.g. qualification without IPv6) is left as plain UDP. On any other port
// (`anyPort`: a relay's or a client's NAT-mapped port, RFC 4380 section 5.2, which Zeek and nDPI
// recognize too) the payload must be exactly one IPv6 packet to or from a Teredo address
// (2001:0::/32): plain UDP almost never is.
void decodeTeredo(DecodeContext& ctx, ByteCursor cur, bool anyPort) {
  if (anyPort && (!cur.has(40) || (cur.u8(0) >> 4) != 6)) return;  // most UDP traffic stops here
  uint32_t offset = 0;
  if (cur.be16(0) == 0x0001 && cur.has(4)) {  // authentication: id-len, au-len, id, au, nonce (8), conf (1)
    offset = 4 + uint32_t{cur.u8(2)} + cur.u8(3) + 9;
  }
  if (cur.has(offset + 2) && cur.be16(offset) == 0x0000) offset += 8;  // origin indication
  if (!cur.has(offset + 40) || (cur.u8(offset) >> 4) != 6) return;
  const uint32_t ipv6Length = uint32_t{cur.be16(offset + 4)} + 40;
  if (ipv6Length > cur.wireRemaining() - offset) return;
  if (anyPort) {
    constexpr uint32_t kTeredoPrefix = 0x20010000;
    if (ipv6Length != cur.wireRemaining() - offset) return;
    if (cur.be32(offset + 8) != kTeredoPrefix && cur.be32(offset + 24) != kTeredoPrefix) return;
  }
  if (!beginTunnel(ctx, TunnelType::kTeredo)) return;
  cur.advance(offset);
  decodeIpv6(ctx, cur);
}

void decodeMplsOverUdp(DecodeContext& ctx, ByteCursor cur) {
  if (!beginTunnel(ctx, TunnelType::kMplsUdp)) return;
  if (!cur.has(4)) {
    ctx.fail(MalformedReason::kTruncatedMpls);
    return;
  }
  ctx.out.tunnelId = cur.be32(0) >> 12;  // outermost label
  decodeMpls(ctx, cur);
}

// GRE and Geneve payload by protocol type (an EtherType).
void decodeTunnelPayload(DecodeContext& ctx, ByteCursor cur, uint16_t protocol) {
  if (cur.wireRemaining() == 0) return;  // keepalive replies and other empty payloads
  switch (protocol) {
    case ethertype::kIpv4:
      decodeIpv4(ctx, cur);
      return;
    case ethertype::kIpv6:
      decodeIpv6(ctx, cur);
      return;
    case kTransparentEthernet:
      decodeEthernet(ctx, cur);
      return;
    case ethertype::kMplsUnicast:
    case ethertype::kMplsMulticast:
      decodeMpls(ctx, cur);
      return;
    case kGrePpp:
      decodePppFrame(ctx, cur);
      return;
    default:
      return;
  }
}

// Geneve (RFC 8926): version (2 bits), options length (6 bits, in 4-byte words), O (control
// packet), C (critical options), reserved (6 bits), protocol type (2), VNI (3), reserved (1), then
// the options. Another version than 0 is not Geneve (an endpoint drops it, section 3.4): the packet
// stays UDP. Control packets (O) and critical options (C) are decapsulated like any other (tshark,
// tcpdump and Zeek do the same); the options are skipped, not read.
void decodeGeneve(DecodeContext& ctx, ByteCursor cur) {
  if (cur.has(1) && (cur.u8(0) >> 6) != kGeneveVersion) return;
  if (!beginTunnel(ctx, TunnelType::kGeneve)) return;
  if (!cur.has(8)) {
    ctx.fail(MalformedReason::kTruncatedGeneve);
    return;
  }
  ctx.out.tunnelId = cur.be32(4) >> 8;
  const uint32_t length = 8 + (cur.u8(0) & kGeneveOptionLength) * 4u;
  if (!cur.has(length)) {  // the VNI was read: it stays
    ctx.fail(MalformedReason::kTruncatedGeneve);
    return;
  }
  const uint16_t protocol = cur.be16(2);
  cur.advance(length);
  decodeTunnelPayload(ctx, cur, protocol);
}

}  // namespace

void decodeIpInIp(DecodeContext& ctx, ByteCursor cur, uint8_t innerProtocol) {
  if (!beginTunnel(ctx, TunnelType::kIpInIp)) return;
  if (innerProtocol == ipproto::kIpIp) {
    decodeIpv4(ctx, cur);
  } else {
    decodeIpv6(ctx, cur);
  }
}

void decodeGre(DecodeContext& ctx, ByteCursor cur) {
  if (!beginTunnel(ctx, TunnelType::kGre)) return;
  if (!cur.has(4)) {
    ctx.fail(MalformedReason::kTruncatedGre);
    return;
  }
  const uint16_t flags = cur.be16(0);
  const uint16_t protocol = cur.be16(2);
  uint32_t length = 4;
  switch (flags & 7) {
    case 0:
      if ((flags & kGreRouting) != 0) return;  // RFC 1701 source routing: not decapsulated
      if ((flags & kGreChecksum) != 0) length += 4;
      if ((flags & kGreKey) != 0) {
        ctx.out.tunnelId = cur.be32(length);
        length += 4;
      }
      if ((flags & kGreSequence) != 0) length += 4;
      break;
    case 1:  // enhanced GRE (RFC 2637, PPTP): key = payload length (2) + call id (2)
      if ((flags & kGreKey) == 0 || protocol != kGrePpp) return;
      ctx.out.tunnelId = cur.be16(6);  // call id
      length = 8;
      if ((flags & kGreSequence) != 0) length += 4;
      if ((flags & kGreAck) != 0) length += 4;
      break;
    default:
      return;  // unknown version
  }
  if (!cur.has(length)) {
    ctx.out.tunnelId = 0;
    ctx.fail(MalformedReason::kTruncatedGre);
    return;
  }
  cur.advance(length);
  decodeTunnelPayload(ctx, cur, protocol);
}

void decodeUdpTunnel(DecodeContext& ctx, ByteCursor cur, uint16_t srcPort, uint16_t dstPort) {
  if (dstPort == kVxlanPort) {
    decodeVxlan(ctx, cur);
  } else if (dstPort == kGenevePort) {
    decodeGeneve(ctx, cur);
  } else if (dstPort == kGtpUserPort || srcPort == kGtpUserPort) {
    decodeGtpUser(ctx, cur);
  } else if (dstPort == kTeredoPort || srcPort == kTeredoPort) {
    decodeTeredo(ctx, cur, false);
  } else if (dstPort == kMplsOverUdpPort) {
    decodeMplsOverUdp(ctx, cur);
  } else {
    decodeTeredo(ctx, cur, true);
  }
}

}  // namespace netmeter::decode_detail
