// Network layer: IPv4 and IPv6 (with extension headers).
#include <algorithm>

#include "decode/decode_context.h"

namespace netmeter::decode_detail {
namespace {

constexpr uint8_t kIpv6HopByHop = 0;
constexpr uint8_t kIpv6Routing = 43;
constexpr uint8_t kIpv6Fragment = 44;
constexpr uint8_t kIpv6DestOptions = 60;
constexpr uint8_t kIpv6Mobility = 135;
constexpr uint8_t kIpv6Hip = 139;
constexpr uint8_t kIpv6Shim6 = 140;

// An inner (tunnelled) IP header replaces the L3/L4 description of the carrier packet.
void resetNetworkFields(DecodedPacket& out) {
  out.ttl = 0;
  out.dscp = 0;
  out.ecn = 0;
  out.ipTotalLength = 0;
  out.isFragment = false;
  out.isFirstFragment = false;
  out.fragmentOffset = 0;
  out.fragmentId = 0;
  out.fragmentDataOffset = 0;
  out.fragmentRole = FragmentRole::kNone;
  out.fragmentIpVersion = 0;
  out.hasIpOptions = false;
  out.l4Protocol = 0;
  out.hasPorts = false;
  out.badTcpHeader = false;
  out.srcPort = 0;
  out.dstPort = 0;
  out.tcpFlags = 0;
  out.tcpSeq = 0;
  out.tcpAck = 0;
  out.tcpWindow = 0;
  out.tcpOptionsOffset = 0;
  out.tcpOptionsLength = 0;
  out.icmpType = 0;
  out.icmpCode = 0;
  out.l4Offset = 0;
  out.payloadOffset = 0;
  out.payloadLength = 0;
}

// A fragment that does not start at offset 0 has no L4 header: its whole payload is continuation.
void setNonFirstFragmentPayload(DecodedPacket& out, const ByteCursor& payload, uint8_t protocol) {
  out.l4Protocol = protocol;
  out.payloadOffset = offset16(payload.pos());
  out.payloadLength = payload.wireRemaining();
}

// Walks the extension header chain; `cur` starts after the fixed header. Returns false when the
// decoding stops inside the chain (damage or a non-first fragment, whose fields are then set).
bool walkIpv6Extensions(DecodeContext& ctx, ByteCursor& cur, uint8_t& next, bool& fragmented) {
  DecodedPacket& out = ctx.out;
  for (uint32_t count = 0; isIpv6ExtensionHeader(next); ++count) {
    if (count == kMaxIpv6ExtensionHeaders) {
      ctx.fail(MalformedReason::kTooManyIpv6ExtensionHeaders);
      return false;
    }
    if (next == kIpv6Fragment) {
      // next (1), reserved (1), offset (13 bits) / reserved (2) / M (1), identification (4)
      if (!cur.has(8)) {
        ctx.fail(MalformedReason::kTruncatedIpv6ExtensionHeader);
        return false;
      }
      const uint16_t offsetFlags = cur.be16(2);
      const uint16_t offset = offsetFlags & 0xfff8;  // (offset >> 3) * 8
      const bool more = (offsetFlags & 1) != 0;
      out.fragmentId = cur.be32(4);
      out.fragmentOffset = offset;
      // An "atomic fragment" (offset 0, no more fragments, RFC 6946) is a whole packet.
      out.isFragment = offset != 0 || more;
      out.isFirstFragment = offset == 0 && more;
      fragmented = out.isFragment;
      next = cur.u8(0);
      cur.advance(8);
      if (out.isFragment) {
        out.fragmentDataOffset = offset16(cur.pos());
        out.fragmentIpVersion = 6;
      }
      if (offset != 0) {
        setNonFirstFragmentPayload(out, cur, next);
        return false;
      }
      continue;
    }
    if (!cur.has(2)) {
      ctx.fail(MalformedReason::kTruncatedIpv6ExtensionHeader);
      return false;
    }
    const uint32_t length = ipv6ExtensionHeaderLength(next, cur.u8(1));
    if (!cur.has(length)) {
      ctx.fail(MalformedReason::kTruncatedIpv6ExtensionHeader);
      return false;
    }
    next = cur.u8(0);
    cur.advance(length);
  }
  return true;
}

}  // namespace

bool isIpv6ExtensionHeader(uint8_t next) {
  switch (next) {
    case kIpv6HopByHop:
    case kIpv6Routing:
    case kIpv6Fragment:
    case kIpv6DestOptions:
    case ipproto::kAh:
    case kIpv6Mobility:
    case kIpv6Hip:
    case kIpv6Shim6:
      return true;
    default:
      return false;
  }
}

uint32_t ipv6ExtensionHeaderLength(uint8_t type, uint8_t lengthField) {
  if (type == kIpv6Fragment) return 8;
  if (type == ipproto::kAh) return (uint32_t{lengthField} + 2) * 4;
  return (uint32_t{lengthField} + 1) * 8;
}

bool decodeIpv4(DecodeContext& ctx, ByteCursor cur) {
  if (!cur.has(20)) {
    ctx.fail(MalformedReason::kTruncatedIpv4);
    return false;
  }
  const uint8_t versionIhl = cur.u8(0);
  if ((versionIhl >> 4) != 4) {
    ctx.fail(MalformedReason::kBadIpv4Version);
    return false;
  }
  const uint32_t headerLength = (versionIhl & 0x0fu) * 4;
  if (headerLength < 20) {
    ctx.fail(MalformedReason::kBadIpv4HeaderLength);
    return false;
  }
  const uint32_t totalLength = cur.be16(2);
  // 0 is what TSO / BIG TCP captures show for packets the NIC segments: the length is the frame's.
  if (totalLength != 0 && totalLength < headerLength) {
    ctx.fail(MalformedReason::kBadIpv4TotalLength);
    return false;
  }
  if (!cur.has(headerLength)) {
    ctx.fail(MalformedReason::kTruncatedIpv4);
    return false;
  }

  DecodedPacket& out = ctx.out;
  if (out.ipVersion != 0) resetNetworkFields(out);
  out.ipVersion = 4;
  out.ipOffset = offset16(cur.pos());
  const uint8_t tos = cur.u8(1);
  out.dscp = tos >> 2;
  out.ecn = tos & 3;
  out.ipTotalLength = totalLength;
  out.fragmentId = cur.be16(4);
  const uint16_t flagsOffset = cur.be16(6);
  const bool more = (flagsOffset & 0x2000) != 0;
  const uint16_t fragmentOffset = static_cast<uint16_t>((flagsOffset & 0x1fff) * 8);
  out.isFragment = more || fragmentOffset != 0;
  out.isFirstFragment = more && fragmentOffset == 0;
  out.fragmentOffset = fragmentOffset;
  out.ttl = cur.u8(8);
  const uint8_t protocol = cur.u8(9);
  out.srcIp = IpAddress::v4(cur.bytes(12, 4));
  out.dstIp = IpAddress::v4(cur.bytes(16, 4));
  out.hasIpOptions = headerLength > 20;

  if (totalLength != 0) {
    // Longer than the frame (or the enclosing PPPoE payload) on the wire: reported, and the payload
    // is still decoded (as tcpdump does) up to where the frame ends — what lies beyond was never sent
    // (tshark's tcp.len likewise); longer than the captured bytes only: the snap length, not damage.
    if (totalLength > cur.wireRemaining()) ctx.fail(MalformedReason::kBadIpv4TotalLength);
    cur.limitTo(std::min(totalLength, cur.wireRemaining()));  // drops Ethernet padding
  }
  cur.advance(headerLength);
  if (out.isFragment) {
    out.fragmentDataOffset = offset16(cur.pos());
    out.fragmentIpVersion = 4;
  }
  if (fragmentOffset != 0) {
    setNonFirstFragmentPayload(out, cur, protocol);
    return true;
  }
  decodeIpPayload(ctx, cur, protocol, out.isFragment);
  return true;
}

bool decodeIpv6(DecodeContext& ctx, ByteCursor cur) {
  if (!cur.has(40)) {
    ctx.fail(MalformedReason::kTruncatedIpv6);
    return false;
  }
  const uint32_t first = cur.be32(0);
  if ((first >> 28) != 6) {
    ctx.fail(MalformedReason::kBadIpv6Version);
    return false;
  }
  DecodedPacket& out = ctx.out;
  if (out.ipVersion != 0) resetNetworkFields(out);
  out.ipVersion = 6;
  out.ipOffset = offset16(cur.pos());
  const uint8_t trafficClass = static_cast<uint8_t>(first >> 20);
  out.dscp = trafficClass >> 2;
  out.ecn = trafficClass & 3;
  const uint32_t payloadLength = cur.be16(4);
  uint8_t next = cur.u8(6);
  out.ttl = cur.u8(7);
  out.srcIp = IpAddress::v6(cur.bytes(8, 16));
  out.dstIp = IpAddress::v6(cur.bytes(24, 16));
  if (payloadLength != 0) {
    out.ipTotalLength = payloadLength + 40;
    if (out.ipTotalLength > cur.wireRemaining()) ctx.fail(MalformedReason::kBadIpv6PayloadLength);
    cur.limitTo(std::min<uint32_t>(out.ipTotalLength, cur.wireRemaining()));  // as IPv4's
  }  // else a jumbogram (or TSO): the payload runs to the end of the frame
  cur.advance(40);
  bool fragmented = false;
  if (!walkIpv6Extensions(ctx, cur, next, fragmented)) return true;
  decodeIpPayload(ctx, cur, next, fragmented);
  return true;
}

bool decodeIpByVersion(DecodeContext& ctx, ByteCursor cur) {
  switch (cur.u8(0) >> 4) {
    case 4:
      decodeIpv4(ctx, cur);
      return true;
    case 6:
      decodeIpv6(ctx, cur);
      return true;
    default:
      return false;
  }
}

}  // namespace netmeter::decode_detail
