// Link types other than Ethernet: Linux SLL/SLL2, raw IP, NULL/LOOP, PPP, PPP-in-HDLC, unknown.
#include <gtest/gtest.h>

#include "packet_builder.h"

namespace netmeter {
namespace {

using test::ip4;
using test::PacketBuilder;

PacketBuilder& ipv4Udp(PacketBuilder& b) {
  return b.ipv4(ipproto::kUdp, ip4(1, 1, 1, 1), ip4(2, 2, 2, 2)).udp(1, 53).finish();
}

void expectIpv4Udp(const DecodedPacket& p) {
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.ipVersion, 4);
  EXPECT_EQ(p.srcIp, IpAddress::v4(ip4(1, 1, 1, 1)));
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.dstPort, 53);
}

TEST(DecodeLink, LinuxSll) {
  PacketBuilder b;
  b.be16(0).be16(1).be16(6).raw({1, 2, 3, 4, 5, 6, 0, 0}).be16(ethertype::kIpv4);
  ipv4Udp(b);
  const DecodedPacket p = test::decodeVector(b.bytes(), LinkType::kLinuxSll);
  expectIpv4Udp(p);
  EXPECT_FALSE(p.hasMac);
  EXPECT_EQ(p.srcMac.bytes[0], 1);
  EXPECT_EQ(p.macProtocol, ethertype::kIpv4);
  EXPECT_EQ(p.ipOffset, 16);
  EXPECT_EQ(p.l2PayloadLength, b.size() - 16);
}

TEST(DecodeLink, LinuxSllVlanAndPppoe) {
  PacketBuilder b;
  b.be16(4).be16(1).be16(6).zeros(8).be16(ethertype::kVlan).vlan(42, ethertype::kIpv4);
  ipv4Udp(b);
  DecodedPacket p = test::decodeVector(b.bytes(), LinkType::kLinuxSll);
  expectIpv4Udp(p);
  EXPECT_EQ(p.outerVlan, 42);
  EXPECT_EQ(p.l2PayloadLength, b.size() - 20);

  PacketBuilder pppoe;
  pppoe.be16(4)
      .be16(1)
      .be16(6)
      .zeros(8)
      .be16(ethertype::kPppoeSession)
      .raw({0x11, 0})
      .be16(99)
      .be16(0)
      .be16(0x21);
  ipv4Udp(pppoe);
  p = test::decodeVector(pppoe.bytes(), LinkType::kLinuxSll);
  expectIpv4Udp(p);
  EXPECT_EQ(p.pppoeSessionId, 99);

  PacketBuilder llc;  // protocol 0x0004: 802.2 LLC, not IP
  llc.be16(4).be16(1).be16(6).zeros(8).be16(4).raw({0x42, 0x42, 3});
  p = test::decodeVector(llc.bytes(), LinkType::kLinuxSll);
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.macProtocol, 0);
  EXPECT_FALSE(p.isIp());
}

TEST(DecodeLink, LinuxSll2) {
  PacketBuilder b;
  b.be16(ethertype::kIpv6).be16(0).be32(3).be16(1).u8(0).u8(6).raw({9, 8, 7, 6, 5, 4, 0, 0});
  b.ipv6(ipproto::kTcp, 1, 2).tcp(1, 2, 3, 4, tcpflag::kSyn).finish();
  const DecodedPacket p = test::decodeVector(b.bytes(), LinkType::kLinuxSll2);
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.srcMac.bytes[0], 9);
  EXPECT_EQ(p.ipOffset, 20);
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.l2PayloadLength, b.size() - 20);
}

TEST(DecodeLink, RawIpVariants) {
  PacketBuilder v4;
  ipv4Udp(v4);
  for (uint16_t link : {uint16_t{101}, uint16_t{12}, uint16_t{14}, uint16_t{228}}) {
    const DecodedPacket p = test::decodeBytes(v4.bytes().data(), v4.size(), link);
    expectIpv4Udp(p);
    EXPECT_EQ(p.ipOffset, 0);
    EXPECT_EQ(p.macProtocol, ethertype::kIpv4);
    EXPECT_EQ(p.l2PayloadLength, v4.size());
    EXPECT_FALSE(p.hasMac);
  }
  PacketBuilder v6;
  v6.ipv6(ipproto::kUdp, 1, 2).udp(1, 2).finish();
  for (uint16_t link : {uint16_t{101}, uint16_t{229}}) {
    const DecodedPacket p = test::decodeBytes(v6.bytes().data(), v6.size(), link);
    EXPECT_EQ(p.ipVersion, 6);
    EXPECT_TRUE(p.isUdp());
  }
  // LINKTYPE_IPV4 with an IPv6 packet: the link type wins.
  EXPECT_EQ(test::decodeBytes(v6.bytes().data(), v6.size(), 228).malformed, MalformedReason::kBadIpv4Version);
  const std::vector<uint8_t> junk{0x11, 0x22, 0x33};
  EXPECT_EQ(test::decodeVector(junk, LinkType::kRaw).malformed, MalformedReason::kBadIpVersion);
}

TEST(DecodeLink, NullAndLoop) {
  struct Case {
    uint32_t family;
    bool v6;
  };
  for (const Case c : {Case{2, false}, Case{24, true}, Case{28, true}, Case{30, true}}) {
    PacketBuilder b;
    b.le32(c.family);
    if (c.v6) {
      b.ipv6(ipproto::kUdp, 1, 2).udp(1, 53).finish();
    } else {
      ipv4Udp(b);
    }
    DecodedPacket p = test::decodeVector(b.bytes(), LinkType::kNull);
    EXPECT_EQ(p.malformed, MalformedReason::kNone);
    EXPECT_EQ(p.ipVersion, c.v6 ? 6 : 4) << c.family;
    EXPECT_EQ(p.ipOffset, 4);
    EXPECT_EQ(p.dstPort, 53);
    EXPECT_EQ(p.l2PayloadLength, b.size() - 4);
    // Written by a host of the other byte order.
    b.bytes()[0] = 0;
    b.bytes()[3] = uint8_t(c.family);
    p = test::decodeVector(b.bytes(), LinkType::kNull);
    EXPECT_EQ(p.ipVersion, c.v6 ? 6 : 4) << "swapped " << c.family;
    // LOOP is always network order.
    p = test::decodeVector(b.bytes(), LinkType::kLoop);
    EXPECT_EQ(p.ipVersion, c.v6 ? 6 : 4) << "loop " << c.family;
  }
  PacketBuilder other;
  other.le32(7).zeros(20);
  const DecodedPacket p = test::decodeVector(other.bytes(), LinkType::kNull);
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_FALSE(p.isIp());
}

TEST(DecodeLink, PppAndHdlc) {
  PacketBuilder withAddress;
  withAddress.raw({0xff, 0x03}).be16(0x0021);
  ipv4Udp(withAddress);
  DecodedPacket p = test::decodeVector(withAddress.bytes(), LinkType::kPpp);
  expectIpv4Udp(p);
  EXPECT_EQ(p.ipOffset, 4);
  EXPECT_EQ(p.macProtocol, ethertype::kIpv4);

  PacketBuilder bare;
  bare.be16(0x0057).ipv6(ipproto::kUdp, 1, 2).udp(1, 2).finish();
  p = test::decodeVector(bare.bytes(), LinkType::kPpp);
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_EQ(p.ipOffset, 2);

  PacketBuilder compressed;  // protocol field compression: 0x21
  compressed.u8(0x21);
  ipv4Udp(compressed);
  expectIpv4Udp(test::decodeVector(compressed.bytes(), LinkType::kPpp));

  PacketBuilder mpls;
  mpls.raw({0xff, 0x03}).be16(0x0281).mpls(77, 0, true);
  ipv4Udp(mpls);
  p = test::decodeVector(mpls.bytes(), LinkType::kPpp);
  expectIpv4Udp(p);
  EXPECT_EQ(p.mplsCount, 1);
  EXPECT_EQ(p.mplsLabels[0], 77u);
  EXPECT_EQ(p.macProtocol, ethertype::kMplsUnicast);

  PacketBuilder lcp;
  lcp.raw({0xff, 0x03}).be16(0xc021).zeros(10);
  p = test::decodeVector(lcp.bytes(), LinkType::kPpp);
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_FALSE(p.isIp());

  expectIpv4Udp(test::decodeVector(withAddress.bytes(), LinkType::kPppHdlc));
  PacketBuilder cisco;
  cisco.raw({0x0f, 0x00}).be16(ethertype::kIpv4);
  ipv4Udp(cisco);
  p = test::decodeVector(cisco.bytes(), LinkType::kPppHdlc);
  expectIpv4Udp(p);
  EXPECT_EQ(p.ipOffset, 4);
}

TEST(DecodeLink, UnknownLinkType) {
  const std::vector<uint8_t> bytes(40, 0x45);
  const DecodedPacket p = test::decodeBytes(bytes.data(), bytes.size(), 147);
  EXPECT_EQ(p.malformed, MalformedReason::kUnsupportedLinkType);
  EXPECT_FALSE(p.isIp());
  EXPECT_EQ(p.linkType, 147);
}

TEST(DecodeLink, CaptureFieldsAreCopied) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4);
  ipv4Udp(b);
  RawPacket raw;
  raw.data = b.bytes().data();
  raw.capturedLength = uint32_t(b.size());
  raw.originalLength = 1000;
  raw.linkType = 1;
  raw.interfaceId = 3;
  raw.timestamp = 123456789;
  DecodedPacket p;
  p.tunnelDepth = 9;  // stale state from a previous packet is cleared
  decodePacket(raw, p);
  EXPECT_EQ(p.timestamp, 123456789);
  EXPECT_EQ(p.wireLength, 1000u);
  EXPECT_EQ(p.capturedLength, b.size());
  EXPECT_EQ(p.interfaceId, 3);
  EXPECT_EQ(p.tunnelDepth, 0);
  EXPECT_EQ(p.l2PayloadLength, 986u);
}

// NFLOG: a 4-byte header, a prefix TLV to skip (padded), then the payload TLV with the IP packet.
TEST(DecodeLink, NflogPayloadTlv) {
  PacketBuilder ip;
  ipv4Udp(ip);
  PacketBuilder b;
  b.u8(2).u8(0).be16(0);                             // AF_INET, version 0, resource id 0
  b.u8(9).u8(0).u8(10).u8(0).raw({'a', 'b', 'c', 'd', 'e'}).zeros(3);  // NFULA_PREFIX "abcde", padded
  const uint16_t length = uint16_t(4 + ip.size());
  b.u8(uint8_t(length)).u8(uint8_t(length >> 8)).u8(9).u8(0);  // NFULA_PAYLOAD, little endian
  for (uint8_t byte : ip.bytes()) b.u8(byte);
  const DecodedPacket p = test::decodeVector(b.bytes(), LinkType::kNflog);
  expectIpv4Udp(p);
  EXPECT_EQ(p.macProtocol, ethertype::kIpv4);
}

TEST(DecodeLink, NflogWithoutPayloadIsTruncated) {
  PacketBuilder b;
  b.u8(2).u8(0).be16(0).u8(8).u8(0).u8(10).u8(0).raw({'a', 'b', 'c', 'd'});
  EXPECT_EQ(test::decodeVector(b.bytes(), LinkType::kNflog).malformed, MalformedReason::kTruncatedLinkHeader);
  PacketBuilder huge;
  huge.u8(2).u8(0).be16(0).u8(0xff).u8(0xff).u8(9).u8(0);
  EXPECT_EQ(test::decodeVector(huge.bytes(), LinkType::kNflog).malformed, MalformedReason::kTruncatedLinkHeader);
}

}  // namespace
}  // namespace netmeter
