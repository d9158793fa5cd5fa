// Transport layer: TCP, UDP, ICMP/ICMPv6, SCTP and the hand-off to tunnels.
#include "decode/decode_context.h"

namespace netmeter::decode_detail {
namespace {

constexpr uint32_t kIcmpHeaderLength = 8;

void decodeTcp(DecodeContext& ctx, ByteCursor cur) {
  DecodedPacket& out = ctx.out;
  if (!cur.has(20)) {
    ctx.fail(MalformedReason::kTruncatedTcp);
    return;
  }
  out.hasPorts = true;
  out.srcPort = cur.be16(0);
  out.dstPort = cur.be16(2);
  out.tcpSeq = cur.be32(4);
  out.tcpAck = cur.be32(8);
  const uint32_t headerLength = (uint32_t{cur.u8(12)} >> 4) * 4;
  out.tcpFlags = cur.u8(13);
  out.tcpWindow = cur.be16(14);
  if (headerLength < 20 || headerLength > cur.wireRemaining()) {
    out.badTcpHeader = true;
    ctx.fail(MalformedReason::kBadTcpHeaderLength);
    return;
  }
  if (!cur.has(headerLength)) {
    // Cut by the snap length (old tcpdump's 68 bytes cut a SYN's options): the options captured
    // still count, as in tshark; one cut in the middle (a window scale not captured) is absent.
    if ((out.tcpFlags & tcpflag::kSyn) && cur.remaining() > 20)
      out.tcpSynOptions = parseTcpOptions(cur.bytes(20, cur.remaining() - 20), cur.remaining() - 20);
    ctx.fail(MalformedReason::kTruncatedTcp);
    return;
  }
  out.tcpOptionsOffset = offset16(cur.pos() + 20);
  out.tcpOptionsLength = static_cast<uint16_t>(headerLength - 20);
  if ((out.tcpFlags & tcpflag::kSyn) && headerLength > 20)
    out.tcpSynOptions = parseTcpOptions(cur.bytes(20, headerLength - 20), headerLength - 20);
  out.payloadOffset = offset16(cur.pos() + headerLength);
  out.payloadLength = cur.wireRemaining() - headerLength;
}

void decodeUdp(DecodeContext& ctx, ByteCursor cur, bool fragmented) {
  DecodedPacket& out = ctx.out;
  if (!cur.has(8)) {
    ctx.fail(MalformedReason::kTruncatedUdp);
    return;
  }
  out.hasPorts = true;
  out.srcPort = cur.be16(0);
  out.dstPort = cur.be16(2);
  const uint32_t ipPayload = cur.wireRemaining();
  uint32_t length = cur.be16(4);
  // 0 is legal only in an IPv6 jumbogram (RFC 2675): the IP payload length counts.
  if (length == 0 && out.ipVersion == 6 && out.ipTotalLength == 0) length = ipPayload;
  out.payloadOffset = offset16(cur.pos() + 8);
  // A first fragment's UDP length covers the whole datagram, not this fragment.
  if (length < 8 || (!fragmented && length > ipPayload)) {
    out.payloadLength = ipPayload - 8;
    ctx.fail(MalformedReason::kBadUdpLength);
    return;
  }
  if (fragmented) {
    out.payloadLength = ipPayload - 8;
    return;  // a fragment's tunnel is decapsulated from the whole datagram (decodeReassembled)
  }
  out.payloadLength = length - 8;
  cur.limitTo(length);
  cur.advance(8);
  decodeUdpTunnel(ctx, cur, out.srcPort, out.dstPort);
}

void decodeIcmp(DecodeContext& ctx, ByteCursor cur) {
  DecodedPacket& out = ctx.out;
  // Type and code are kept even when the rest of the 8-byte header is cut. The packet quoted by
  // an error message is not decoded: the packet's own L3/L4 stay the ICMP packet's.
  if (cur.has(2)) {
    out.icmpType = cur.u8(0);
    out.icmpCode = cur.u8(1);
  }
  if (!cur.has(kIcmpHeaderLength)) {
    ctx.fail(MalformedReason::kTruncatedIcmp);
    return;
  }
  out.payloadOffset = offset16(cur.pos() + kIcmpHeaderLength);
  out.payloadLength = cur.wireRemaining() - kIcmpHeaderLength;
}

void decodeSctp(DecodeContext& ctx, ByteCursor cur) {
  DecodedPacket& out = ctx.out;
  // source port (2), destination port (2), verification tag (4), checksum (4)
  if (!cur.has(12)) {
    ctx.fail(MalformedReason::kTruncatedSctp);
    return;
  }
  out.hasPorts = true;
  out.srcPort = cur.be16(0);
  out.dstPort = cur.be16(2);
  out.payloadOffset = offset16(cur.pos() + 12);
  out.payloadLength = cur.wireRemaining() - 12;
}

}  // namespace

void decodeIpPayload(DecodeContext& ctx, ByteCursor cur, uint8_t protocol, bool fragmented) {
  DecodedPacket& out = ctx.out;
  out.l4Protocol = protocol;
  out.l4Offset = offset16(cur.pos());
  switch (protocol) {
    case ipproto::kTcp:
      decodeTcp(ctx, cur);
      return;
    case ipproto::kUdp:
      decodeUdp(ctx, cur, fragmented);
      return;
    case ipproto::kIcmp:
    case ipproto::kIcmpv6:
      decodeIcmp(ctx, cur);
      return;
    case ipproto::kSctp:
      decodeSctp(ctx, cur);
      return;
    default:
      break;
  }
  out.payloadOffset = offset16(cur.pos());
  out.payloadLength = cur.wireRemaining();
  if (fragmented) return;
  switch (protocol) {
    case ipproto::kIpIp:
    case ipproto::kIpv6:
      decodeIpInIp(ctx, cur, protocol);
      return;
    case ipproto::kGre:
      decodeGre(ctx, cur);
      return;
    default:
      return;
  }
}

}  // namespace netmeter::decode_detail
