// Link layer: the capture's link header, VLAN tags, MPLS, PPPoE, PPP and ARP.
#include "decode/decode_context.h"
#include "io/raw_packet.h"

namespace netmeter::decode_detail {
namespace {

constexpr uint16_t kEtherTypeMin = 0x0600;  // smaller values in the type field are 802.3 lengths
constexpr uint16_t kPppIpv4 = 0x0021;
constexpr uint16_t kPppIpv6 = 0x0057;
constexpr uint16_t kPppMplsUnicast = 0x0281;
constexpr uint16_t kPppMplsMulticast = 0x0283;
constexpr uint16_t kArpHwEthernet = 1;

// LINKTYPE values outside the LinkType enum that some files use for raw IP.
constexpr uint16_t kLinkRawLegacy12 = 12;
constexpr uint16_t kLinkRawLegacy14 = 14;

// Address families in DLT_NULL / DLT_LOOP headers.
constexpr uint32_t kAfInet = 2;
constexpr uint32_t kAfInet6Bsd = 24;
constexpr uint32_t kAfInet6FreeBsd = 28;
constexpr uint32_t kAfInet6Darwin = 30;

uint32_t saturatingSub(uint32_t a, uint32_t b) {
  return a > b ? a - b : 0;
}

// Records the frame-level summary once the link header (and tags) are consumed.
void setL2Payload(DecodeContext& ctx, const ByteCursor& cur, uint16_t macProtocol) {
  if (!ctx.recordL2) return;
  ctx.out.macProtocol = macProtocol;
  ctx.out.l2PayloadLength = saturatingSub(ctx.out.wireLength, cur.pos());
}

uint16_t pppToEtherType(uint16_t pppProtocol) {
  switch (pppProtocol) {
    case kPppIpv4:
      return ethertype::kIpv4;
    case kPppIpv6:
      return ethertype::kIpv6;
    case kPppMplsUnicast:
      return ethertype::kMplsUnicast;
    case kPppMplsMulticast:
      return ethertype::kMplsMulticast;
    default:
      return 0;
  }
}

// VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8, legacy 0x9100, stacked in any order), then the payload.
void decodeTagsAndPayload(DecodeContext& ctx, ByteCursor cur, uint16_t etherType) {
  DecodedPacket& out = ctx.out;
  while (etherType == ethertype::kVlan || etherType == ethertype::kQinQ || etherType == ethertype::kQinQOld) {
    if (!cur.has(4)) {
      setL2Payload(ctx, cur, etherType);
      ctx.fail(MalformedReason::kTruncatedVlan);
      return;
    }
    const uint16_t tci = cur.be16(0);
    if (ctx.recordL2) {
      if (out.vlanCount == 0) {
        out.outerVlan = tci & 0x0fff;
        out.vlanPcp = static_cast<uint8_t>(tci >> 13);
      } else if (out.vlanCount == 1) {
        out.innerVlan = tci & 0x0fff;
      }
      if (out.vlanCount != 0xff) ++out.vlanCount;
    }
    etherType = cur.be16(2);
    cur.advance(4);
  }
  // A value below 0x0600 is an 802.3 length (LLC follows): not an EtherType, nothing more to decode.
  if (etherType < kEtherTypeMin) {
    setL2Payload(ctx, cur, 0);
    return;
  }
  setL2Payload(ctx, cur, etherType);
  dispatchEtherType(ctx, cur, etherType);
}

void decodePppoeSession(DecodeContext& ctx, ByteCursor cur) {
  // ver/type (1), code (1), session id (2), length (2), then the PPP protocol (2).
  if (!cur.has(8)) {
    ctx.fail(MalformedReason::kTruncatedPppoe);
    return;
  }
  if (ctx.recordL2) {
    ctx.out.hasPppoe = true;
    ctx.out.pppoeSessionId = cur.be16(2);
  }
  const uint16_t pppProtocol = cur.be16(6);
  // The PPPoE length (RFC 2516: the payload's, the PPP protocol field included) ends the packet:
  // bytes after it are Ethernet padding, whatever the inner IP header claims (tshark agrees).
  // A length beyond the frame is taken as the frame's end, and 0 as not set.
  if (const uint32_t length = cur.be16(4); length != 0 && 6 + length < cur.wireRemaining())
    cur.limitTo(6 + length);
  cur.advance(8);
  const uint16_t etherType = pppToEtherType(pppProtocol);
  if (etherType != 0) dispatchEtherType(ctx, cur, etherType);
}

void decodeArp(DecodeContext& ctx, ByteCursor cur) {
  DecodedPacket& out = ctx.out;
  // htype (2), ptype (2), hlen (1), plen (1), operation (2)
  if (!cur.has(8)) {
    out.isArp = true;
    ctx.fail(MalformedReason::kTruncatedArp);
    return;
  }
  out.isArp = true;
  out.arpOperation = cur.be16(6);
  if (cur.be16(0) != kArpHwEthernet || cur.be16(2) != ethertype::kIpv4 || cur.u8(4) != 6 || cur.u8(5) != 4) {
    return;  // other hardware/protocol types: only isArp and the operation
  }
  const uint8_t* p = cur.bytes(8, 20);
  if (p == nullptr) {
    ctx.fail(MalformedReason::kTruncatedArp);
    return;
  }
  out.arpSenderMac = MacAddress::fromBytes(p);
  out.arpSenderIp = IpAddress::v4(p + 6);
  out.arpTargetMac = MacAddress::fromBytes(p + 10);
  out.arpTargetIp = IpAddress::v4(p + 16);
}

// Ethernet pseudowire inside MPLS: a control word (first nibble 0) then an Ethernet frame.
void decodePseudowire(DecodeContext& ctx, ByteCursor cur) {
  if (!cur.has(4)) {
    ctx.fail(MalformedReason::kTruncatedMpls);
    return;
  }
  cur.advance(4);
  ctx.recordL2 = false;  // the inner frame's L2 is not the wire's
  decodeEthernet(ctx, cur);
}

// Linux cooked capture v1: packet type (2), ARPHRD (2), address length (2), address (8), protocol (2).
void decodeSll(DecodeContext& ctx, ByteCursor cur) {
  if (!cur.has(16)) {
    ctx.fail(MalformedReason::kTruncatedLinkHeader);
    return;
  }
  if (cur.be16(4) == 6) ctx.out.srcMac = MacAddress::fromBytes(cur.bytes(6, 6));
  const uint16_t protocol = cur.be16(14);
  cur.advance(16);
  decodeTagsAndPayload(ctx, cur, protocol);
}

// Linux cooked capture v2: protocol (2), reserved (2), ifindex (4), ARPHRD (2), packet type (1),
// address length (1), address (8).
void decodeSll2(DecodeContext& ctx, ByteCursor cur) {
  if (!cur.has(20)) {
    ctx.fail(MalformedReason::kTruncatedLinkHeader);
    return;
  }
  if (cur.u8(11) == 6) ctx.out.srcMac = MacAddress::fromBytes(cur.bytes(12, 6));
  const uint16_t protocol = cur.be16(0);
  cur.advance(20);
  decodeTagsAndPayload(ctx, cur, protocol);
}

void decodeRawIp(DecodeContext& ctx, ByteCursor cur) {
  if (!cur.has(1)) {
    ctx.fail(MalformedReason::kTruncatedLinkHeader);
    return;
  }
  const uint8_t version = cur.u8(0) >> 4;
  setL2Payload(ctx, cur, version == 4 ? ethertype::kIpv4 : version == 6 ? ethertype::kIpv6 : 0);
  if (!decodeIpByVersion(ctx, cur)) ctx.fail(MalformedReason::kBadIpVersion);
}

void decodeNullOrLoop(DecodeContext& ctx, ByteCursor cur, bool networkOrder) {
  if (!cur.has(4)) {
    ctx.fail(MalformedReason::kTruncatedLinkHeader);
    return;
  }
  uint32_t family = networkOrder ? cur.be32(0) : cur.le32(0);
  // DLT_NULL is in the byte order of the host that wrote the file: a value with only the upper half
  // set was written by a host of the other byte order.
  if (!networkOrder && (family & 0xffff0000u) != 0 && (family & 0xffffu) == 0) family = cur.be32(0);
  cur.advance(4);
  uint16_t etherType = 0;
  switch (family) {
    case kAfInet:
      etherType = ethertype::kIpv4;
      break;
    case kAfInet6Bsd:
    case kAfInet6FreeBsd:
    case kAfInet6Darwin:
      etherType = ethertype::kIpv6;
      break;
    default:
      break;
  }
  setL2Payload(ctx, cur, etherType);
  if (etherType != 0) dispatchEtherType(ctx, cur, etherType);
}

// Linux NFLOG: family (1), version (1), resource id (2), then TLVs of (length, type) in the capturing
// host's byte order — little endian in practice; big endian is recognised when the little-endian
// reading does not fit. Lengths include the 4-byte TLV header and TLVs are padded to 4 bytes.
// The NFULA_PAYLOAD TLV (type 9) holds the IP packet.
void decodeNflog(DecodeContext& ctx, ByteCursor cur) {
  constexpr uint16_t kNfulaPayload = 9;
  if (!cur.has(4)) {
    ctx.fail(MalformedReason::kTruncatedLinkHeader);
    return;
  }
  cur.advance(4);
  for (int guard = 0; guard < 64 && cur.has(4); ++guard) {
    const uint8_t* h = cur.bytes(0, 4);
    uint16_t length = static_cast<uint16_t>(h[0] | (h[1] << 8));
    uint16_t type = static_cast<uint16_t>(h[2] | (h[3] << 8));
    if (length < 4 || length > cur.wireRemaining()) {
      length = static_cast<uint16_t>((h[0] << 8) | h[1]);
      type = static_cast<uint16_t>((h[2] << 8) | h[3]);
    }
    if (length < 4 || length > cur.wireRemaining()) break;
    if ((type & 0x7fff) == kNfulaPayload) {
      cur.advance(4);
      cur.limitTo(length - 4u);
      const uint8_t version = cur.u8(0) >> 4;
      setL2Payload(ctx, cur, version == 4 ? ethertype::kIpv4 : version == 6 ? ethertype::kIpv6 : 0);
      if (!decodeIpByVersion(ctx, cur)) ctx.fail(MalformedReason::kBadIpVersion);
      return;
    }
    const uint32_t padded = (uint32_t{length} + 3u) & ~3u;
    if (!cur.has(padded)) break;
    cur.advance(padded);
  }
  ctx.fail(MalformedReason::kTruncatedLinkHeader);
}

// LINKTYPE_PPP_HDLC carries PPP in HDLC framing (ff 03) or Cisco HDLC (0x0f/0x8f, 0x00, EtherType).
void decodePppHdlc(DecodeContext& ctx, ByteCursor cur) {
  if (!cur.has(1)) {
    ctx.fail(MalformedReason::kTruncatedLinkHeader);
    return;
  }
  const uint8_t address = cur.u8(0);
  if (address == 0x0f || address == 0x8f) {
    if (!cur.has(4)) {
      ctx.fail(MalformedReason::kTruncatedLinkHeader);
      return;
    }
    const uint16_t etherType = cur.be16(2);
    cur.advance(4);
    setL2Payload(ctx, cur, etherType);
    dispatchEtherType(ctx, cur, etherType);
    return;
  }
  decodePppFrame(ctx, cur);
}

}  // namespace

void decodePppFrame(DecodeContext& ctx, ByteCursor cur) {
  if (cur.has(2) && cur.u8(0) == 0xff && cur.u8(1) == 0x03) cur.advance(2);
  if (!cur.has(1) || (cur.u8(0) == 0xff && !cur.has(2))) {
    ctx.fail(MalformedReason::kTruncatedLinkHeader);
    return;
  }
  uint16_t protocol = 0;
  if ((cur.u8(0) & 1) != 0) {  // protocol field compression: one byte
    protocol = cur.u8(0);
    cur.advance(1);
  } else {
    if (!cur.has(2)) {
      ctx.fail(MalformedReason::kTruncatedLinkHeader);
      return;
    }
    protocol = cur.be16(0);
    cur.advance(2);
  }
  const uint16_t etherType = pppToEtherType(protocol);
  setL2Payload(ctx, cur, etherType);
  if (etherType != 0) dispatchEtherType(ctx, cur, etherType);
}

void decodeMpls(DecodeContext& ctx, ByteCursor cur) {
  DecodedPacket& out = ctx.out;
  for (uint32_t depth = 0;; ++depth) {
    if (depth == kMaxMplsStack) {
      ctx.fail(MalformedReason::kMplsStackTooDeep);
      return;
    }
    if (!cur.has(4)) {
      ctx.fail(MalformedReason::kTruncatedMpls);
      return;
    }
    const uint32_t entry = cur.be32(0);
    if (ctx.recordL2) {
      if (out.mplsCount < kMaxMplsLabels) out.mplsLabels[out.mplsCount] = entry >> 12;
      if (out.mplsCount == 0) out.mplsTc = static_cast<uint8_t>((entry >> 9) & 7);
      ++out.mplsCount;
    }
    cur.advance(4);
    if ((entry & 0x100) != 0) break;  // bottom of stack
  }
  // No protocol field: guess from the first nibble. 0 is a pseudowire control word (RFC 4385).
  if (!cur.has(1)) {
    if (cur.wireRemaining() != 0) ctx.fail(MalformedReason::kTruncatedMpls);  // cut by the snap length
    return;
  }
  switch (cur.u8(0) >> 4) {
    case 4:
      decodeIpv4(ctx, cur);
      return;
    case 6:
      decodeIpv6(ctx, cur);
      return;
    case 0:
      decodePseudowire(ctx, cur);
      return;
    default:
      return;
  }
}

void decodeEthernet(DecodeContext& ctx, ByteCursor cur) {
  if (!cur.has(14)) {
    ctx.fail(MalformedReason::kTruncatedLinkHeader);
    return;
  }
  if (ctx.recordL2) {
    ctx.out.hasMac = true;
    ctx.out.dstMac = MacAddress::fromBytes(cur.bytes(0, 6));
    ctx.out.srcMac = MacAddress::fromBytes(cur.bytes(6, 6));
  }
  const uint16_t etherType = cur.be16(12);
  cur.advance(14);
  decodeTagsAndPayload(ctx, cur, etherType);
}

void dispatchEtherType(DecodeContext& ctx, ByteCursor cur, uint16_t etherType) {
  switch (etherType) {
    case ethertype::kIpv4:
      decodeIpv4(ctx, cur);
      return;
    case ethertype::kIpv6:
      decodeIpv6(ctx, cur);
      return;
    case ethertype::kArp:
      decodeArp(ctx, cur);
      return;
    case ethertype::kMplsUnicast:
    case ethertype::kMplsMulticast:
      decodeMpls(ctx, cur);
      return;
    case ethertype::kPppoeSession:
      decodePppoeSession(ctx, cur);
      return;
    case ethertype::kVlan:
    case ethertype::kQinQ:
    case ethertype::kQinQOld:
      decodeTagsAndPayload(ctx, cur, etherType);
      return;
    default:
      return;  // PPPoE discovery, LLDP, ... : not IP, nothing more to decode
  }
}

void decodeLink(DecodeContext& ctx, ByteCursor cur) {
  switch (ctx.out.linkType) {
    case static_cast<uint16_t>(LinkType::kEthernet):
      decodeEthernet(ctx, cur);
      return;
    case static_cast<uint16_t>(LinkType::kLinuxSll):
      decodeSll(ctx, cur);
      return;
    case static_cast<uint16_t>(LinkType::kLinuxSll2):
      decodeSll2(ctx, cur);
      return;
    case static_cast<uint16_t>(LinkType::kRaw):
    case kLinkRawLegacy12:
    case kLinkRawLegacy14:
      decodeRawIp(ctx, cur);
      return;
    case static_cast<uint16_t>(LinkType::kIpv4):
      setL2Payload(ctx, cur, ethertype::kIpv4);
      decodeIpv4(ctx, cur);
      return;
    case static_cast<uint16_t>(LinkType::kIpv6):
      setL2Payload(ctx, cur, ethertype::kIpv6);
      decodeIpv6(ctx, cur);
      return;
    case static_cast<uint16_t>(LinkType::kNull):
      decodeNullOrLoop(ctx, cur, false);
      return;
    case static_cast<uint16_t>(LinkType::kLoop):
      decodeNullOrLoop(ctx, cur, true);
      return;
    case static_cast<uint16_t>(LinkType::kPpp):
      decodePppFrame(ctx, cur);
      return;
    case static_cast<uint16_t>(LinkType::kPppHdlc):
      decodePppHdlc(ctx, cur);
      return;
    case static_cast<uint16_t>(LinkType::kNflog):
      decodeNflog(ctx, cur);
      return;
    default:
      ctx.fail(MalformedReason::kUnsupportedLinkType);
      return;
  }
}

}  // namespace netmeter::decode_detail
