// Tunnels: IP-in-IP, 6in4, GRE (v0 options, TEB, MPLS, PPTP), VXLAN, Geneve, GTP-U, Teredo, MPLS over
// UDP, depth limit and damaged inner packets.
#include <gtest/gtest.h>

#include "packet_builder.h"

namespace netmeter {
namespace {

using test::ip4;
using test::PacketBuilder;

const uint32_t kOuterSrc = ip4(192, 0, 2, 1);
const uint32_t kOuterDst = ip4(192, 0, 2, 2);
const uint32_t kInnerSrc = ip4(10, 1, 1, 1);
const uint32_t kInnerDst = ip4(10, 2, 2, 2);

PacketBuilder& innerTcp(PacketBuilder& b) {
  return b.ipv4(ipproto::kTcp, kInnerSrc, kInnerDst, 0, 30)
      .tcp(1234, 80, 11, 22, tcpflag::kPsh | tcpflag::kAck)
      .zeros(5);
}

void expectInnerTcp(const DecodedPacket& p, TunnelType tunnel) {
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, tunnel);
  EXPECT_EQ(p.tunnelDepth, 1);
  EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kOuterSrc));
  EXPECT_EQ(p.outerDstIp, IpAddress::v4(kOuterDst));
  EXPECT_EQ(p.srcIp, IpAddress::v4(kInnerSrc));
  EXPECT_EQ(p.dstIp, IpAddress::v4(kInnerDst));
  EXPECT_EQ(p.ttl, 30);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.dstPort, 80);
  EXPECT_EQ(p.tcpFlags, tcpflag::kPsh | tcpflag::kAck);
  EXPECT_EQ(p.payloadLength, 5u);
}

TEST(DecodeTunnel, IpInIpAndSixInFour) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kIpIp, kOuterSrc, kOuterDst);
  innerTcp(b).finish();
  DecodedPacket p = test::decodeVector(b.bytes());
  expectInnerTcp(p, TunnelType::kIpInIp);
  EXPECT_EQ(p.ipOffset, 34);
  EXPECT_EQ(p.macProtocol, ethertype::kIpv4);

  PacketBuilder six;
  six.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kIpv6, kOuterSrc, kOuterDst)
      .ipv6(ipproto::kUdp, 1, 2)
      .udp(1, 2)
      .finish();
  p = test::decodeVector(six.bytes());
  EXPECT_EQ(p.tunnel, TunnelType::kIpInIp);
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kOuterSrc));

  PacketBuilder fourInSix;
  fourInSix.ethernet(ethertype::kIpv6).ipv6(ipproto::kIpIp, 1, 2);
  innerTcp(fourInSix).finish();
  p = test::decodeVector(fourInSix.bytes());
  EXPECT_EQ(p.tunnel, TunnelType::kIpInIp);
  EXPECT_EQ(p.outerSrcIp.family, 6);
  EXPECT_EQ(p.srcIp, IpAddress::v4(kInnerSrc));

  PacketBuilder sixInSix;
  sixInSix.ethernet(ethertype::kIpv6)
      .ipv6(ipproto::kIpv6, 1, 2)
      .ipv6(ipproto::kIcmpv6, 3, 4)
      .raw({128, 0, 0, 0, 0, 0, 0, 0});
  sixInSix.finish();
  p = test::decodeVector(sixInSix.bytes());
  EXPECT_EQ(p.tunnel, TunnelType::kIpInIp);
  EXPECT_EQ(p.srcIp.bytes[15], 3);
  EXPECT_EQ(p.outerSrcIp.bytes[15], 1);
  EXPECT_EQ(p.icmpType, 128);
}

TEST(DecodeTunnel, GreWithOptions) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kGre, kOuterSrc, kOuterDst);
  b.be16(0xb000).be16(ethertype::kIpv4).be32(0).be32(0xabcd).be32(7);  // C, K, S
  innerTcp(b).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  expectInnerTcp(p, TunnelType::kGre);
  EXPECT_EQ(p.tunnelId, 0xabcdu);
  EXPECT_EQ(p.ipOffset, 34 + 16);
}

TEST(DecodeTunnel, GreTransparentEthernetAndMpls) {
  PacketBuilder teb;
  teb.ethernet(ethertype::kVlan).vlan(5, ethertype::kIpv4).ipv4(ipproto::kGre, kOuterSrc, kOuterDst);
  teb.be16(0).be16(0x6558).ethernet(ethertype::kVlan, 4).vlan(99, ethertype::kIpv4);
  innerTcp(teb).finish();
  DecodedPacket p = test::decodeVector(teb.bytes());
  expectInnerTcp(p, TunnelType::kGre);
  EXPECT_EQ(p.outerVlan, 5);  // the outer frame's tag, not the inner one
  EXPECT_EQ(p.vlanCount, 1);
  EXPECT_EQ(p.srcMac.bytes[0], 0x90);
  EXPECT_EQ(p.l2PayloadLength, teb.size() - 18);

  PacketBuilder mpls;
  mpls.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kGre, kOuterSrc, kOuterDst)
      .be16(0)
      .be16(ethertype::kMplsUnicast);
  mpls.mpls(33, 0, true);
  innerTcp(mpls).finish();
  p = test::decodeVector(mpls.bytes());
  expectInnerTcp(p, TunnelType::kGre);
  EXPECT_EQ(p.mplsCount, 0);  // MPLS inside a tunnel is not the wire's L2
}

TEST(DecodeTunnel, GreKeepaliveWithEmptyPayload) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kGre, kOuterSrc, kOuterDst)
      .be16(0x2000)
      .be16(0x0800)
      .be32(0x28)
      .finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kGre);
  EXPECT_EQ(p.tunnelId, 0x28u);
  EXPECT_EQ(p.srcIp, IpAddress::v4(kOuterSrc));
  EXPECT_EQ(p.l4Protocol, ipproto::kGre);
}

TEST(DecodeTunnel, PptpEnhancedGre) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kGre, kOuterSrc, kOuterDst);
  b.be16(0x3081).be16(0x880b).be16(0).be16(0x4321).be32(1).be32(2);  // K, S, A, version 1; call id
  b.raw({0xff, 0x03}).be16(0x0021);
  innerTcp(b).finish();
  b.patch16(34 + 4, uint16_t(b.size() - 34 - 16));
  DecodedPacket p = test::decodeVector(b.bytes());
  expectInnerTcp(p, TunnelType::kGre);
  EXPECT_EQ(p.tunnelId, 0x4321u);

  PacketBuilder ack;  // acknowledgement only: no payload
  ack.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kGre, kOuterSrc, kOuterDst)
      .be16(0x2081)
      .be16(0x880b)
      .be32(9)
      .be32(1);
  ack.finish();
  p = test::decodeVector(ack.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kGre);
  EXPECT_EQ(p.l4Protocol, ipproto::kGre);
}

TEST(DecodeTunnel, Vxlan) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(55555, 4789);
  b.raw({0x08, 0, 0, 0}).be32(0x00123400).ethernet(ethertype::kIpv4, 5);
  innerTcp(b).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  expectInnerTcp(p, TunnelType::kVxlan);
  EXPECT_EQ(p.tunnelId, 0x1234u);
  EXPECT_EQ(p.srcMac.bytes[0], 0x90);
  EXPECT_EQ(p.ipOffset, 14 + 20 + 8 + 8 + 14);
}

TEST(DecodeTunnel, VxlanInnerArpKeepsCarrier) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(55555, 4789);
  b.raw({0x08, 0, 0, 0}).be32(0x100).ethernet(ethertype::kArp, 5).be16(1).be16(0x0800).u8(6).u8(4).be16(1);
  b.zeros(6).be32(kInnerSrc).zeros(6).be32(kInnerDst).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kVxlan);
  EXPECT_TRUE(p.isArp);
  EXPECT_EQ(p.arpTargetIp, IpAddress::v4(kInnerDst));
  EXPECT_EQ(p.srcIp, IpAddress::v4(kOuterSrc));
  EXPECT_EQ(p.dstPort, 4789);
  EXPECT_EQ(p.macProtocol, ethertype::kIpv4);
}

// Geneve header (RFC 8926): version 0 unless `version`, `optionWords` 4-byte words of options (one
// option of that length: class 0x0102, type 0x80 (critical), then zeros), O and C flags, protocol
// type, 24-bit VNI.
PacketBuilder& geneve(PacketBuilder& b, uint16_t protocol, uint32_t vni, uint8_t optionWords = 0,
                      bool oam = false, uint8_t version = 0) {
  b.u8(uint8_t(version << 6 | optionWords)).u8(uint8_t((oam ? 0x80 : 0) | (optionWords != 0 ? 0x40 : 0)));
  b.be16(protocol).be32(vni << 8);
  if (optionWords != 0) b.be16(0x0102).u8(0x80).u8(uint8_t(optionWords - 1)).zeros(4 * (optionWords - 1));
  return b;
}

PacketBuilder geneveCarrier(uint16_t srcPort = 50000, uint16_t dstPort = 6081) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(srcPort, dstPort);
  return b;
}

// An Ethernet frame after options (tcpdump/geneve.pcap: protocol 0x6558, one 8-byte option, C).
TEST(DecodeTunnel, GeneveEthernetWithOptions) {
  PacketBuilder b = geneveCarrier();
  geneve(b, 0x6558, 0xabcdef, 3).ethernet(ethertype::kVlan, 5).vlan(99, ethertype::kIpv4);
  innerTcp(b).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  expectInnerTcp(p, TunnelType::kGeneve);
  EXPECT_EQ(p.tunnelId, 0xabcdefu);
  EXPECT_EQ(p.ipOffset, 14 + 20 + 8 + 8 + 12 + 18);
  EXPECT_EQ(p.srcMac.bytes[0], 0x90);  // the outer frame's L2
  EXPECT_EQ(p.vlanCount, 0);
  EXPECT_EQ(p.macProtocol, ethertype::kIpv4);
}

// IPv4 and IPv6 directly after the header (protocol types 0x0800 and 0x86dd); a control packet (O)
// is decapsulated like any other.
TEST(DecodeTunnel, GeneveIpPayloads) {
  PacketBuilder v4 = geneveCarrier();
  geneve(v4, ethertype::kIpv4, 7, 0, true);
  innerTcp(v4).finish();
  DecodedPacket p = test::decodeVector(v4.bytes());
  expectInnerTcp(p, TunnelType::kGeneve);
  EXPECT_EQ(p.tunnelId, 7u);
  EXPECT_EQ(p.ipOffset, 14 + 20 + 8 + 8);

  PacketBuilder v6 = geneveCarrier();
  geneve(v6, ethertype::kIpv6, 0xffffff, 1).ipv6(ipproto::kUdp, 1, 2, 9).udp(1000, 53).zeros(3).finish();
  p = test::decodeVector(v6.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kGeneve);
  EXPECT_EQ(p.tunnelId, 0xffffffu);
  EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kOuterSrc));
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_EQ(p.srcIp.bytes[15], 1);
  EXPECT_EQ(p.ttl, 9);
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.dstPort, 53);
  EXPECT_EQ(p.payloadLength, 3u);
}

// Not Geneve: another version (RFC 8926 3.4), port 6081 as the source only (the reply of a Geneve
// endpoint goes to 6081 too). Recognised, but neither IP nor Ethernet inside (an unknown protocol
// type, an empty payload): the carrier stays the decoded packet, not damaged.
TEST(DecodeTunnel, GeneveNotDecapsulated) {
  for (const uint8_t version : {1, 2, 3}) {
    PacketBuilder b = geneveCarrier();
    geneve(b, ethertype::kIpv4, 7, 0, false, version);
    innerTcp(b).finish();
    const DecodedPacket p = test::decodeVector(b.bytes());
    EXPECT_EQ(p.malformed, MalformedReason::kNone) << int(version);
    EXPECT_EQ(p.tunnel, TunnelType::kNone) << int(version);
    EXPECT_EQ(p.tunnelDepth, 0);
    EXPECT_EQ(p.srcIp, IpAddress::v4(kOuterSrc));
    EXPECT_TRUE(p.isUdp());
    EXPECT_EQ(p.dstPort, 6081);
  }
  PacketBuilder reverse = geneveCarrier(6081, 50000);
  geneve(reverse, ethertype::kIpv4, 7);
  innerTcp(reverse).finish();
  DecodedPacket p = test::decodeVector(reverse.bytes());
  EXPECT_EQ(p.tunnel, TunnelType::kNone);
  EXPECT_EQ(p.srcPort, 6081);

  PacketBuilder unknown = geneveCarrier();
  geneve(unknown, 0x88b5, 8, 2).zeros(20).finish();
  p = test::decodeVector(unknown.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kGeneve);
  EXPECT_EQ(p.tunnelId, 8u);
  EXPECT_EQ(p.srcIp, IpAddress::v4(kOuterSrc));
  EXPECT_EQ(p.dstPort, 6081);

  PacketBuilder empty = geneveCarrier();
  geneve(empty, 0x6558, 9, 1).finish();
  p = test::decodeVector(empty.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kGeneve);
  EXPECT_TRUE(p.isUdp());
}

// A header or options beyond the UDP datagram, or beyond the capture: kTruncatedGeneve, the carrier
// stays (the VNI is kept once the fixed header was read).
TEST(DecodeTunnel, GeneveTruncated) {
  PacketBuilder header = geneveCarrier();
  header.raw({0x00, 0x00, 0x65, 0x58, 0x00}).finish();
  DecodedPacket p = test::decodeVector(header.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kTruncatedGeneve);
  EXPECT_EQ(p.tunnel, TunnelType::kGeneve);
  EXPECT_EQ(p.tunnelId, 0u);
  EXPECT_EQ(p.srcIp, IpAddress::v4(kOuterSrc));
  EXPECT_EQ(p.dstPort, 6081);

  PacketBuilder options = geneveCarrier();  // 5 option words announced, 2 there
  geneve(options, ethertype::kIpv4, 0x42, 2).finish();
  options.bytes()[14 + 20 + 8] = 5;
  p = test::decodeVector(options.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kTruncatedGeneve);
  EXPECT_EQ(p.tunnel, TunnelType::kGeneve);
  EXPECT_EQ(p.tunnelId, 0x42u);
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.dstPort, 6081);

  PacketBuilder padded = geneveCarrier();  // the options run into Ethernet padding after the datagram
  geneve(padded, ethertype::kIpv4, 0x42).finish();
  padded.bytes()[14 + 20 + 8] = 2;
  padded.zeros(8);
  p = test::decodeVector(padded.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kTruncatedGeneve);

  PacketBuilder snapped = geneveCarrier();  // cut by the snap length inside the options
  geneve(snapped, 0x6558, 0x42, 4).ethernet(ethertype::kIpv4, 5);
  innerTcp(snapped).finish();
  const size_t cut = 14 + 20 + 8 + 8 + 10;
  p = test::decodeBytes(snapped.bytes().data(), cut, uint16_t(LinkType::kEthernet), snapped.size());
  EXPECT_EQ(p.malformed, MalformedReason::kTruncatedGeneve);
  EXPECT_EQ(p.tunnel, TunnelType::kGeneve);
  EXPECT_EQ(p.srcIp, IpAddress::v4(kOuterSrc));
}

// Geneve counts towards the depth limit like any tunnel; in Geneve, the outermost addresses stay.
TEST(DecodeTunnel, GeneveDepth) {
  PacketBuilder nested = geneveCarrier();
  geneve(nested, 0x6558, 1, 2)
      .ethernet(ethertype::kIpv4, 3)
      .ipv4(ipproto::kUdp, ip4(172, 16, 0, 1), ip4(172, 16, 0, 2));
  nested.udp(50001, 6081);
  geneve(nested, ethertype::kIpv4, 2);
  innerTcp(nested).finish();
  DecodedPacket p = test::decodeVector(nested.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kGeneve);
  EXPECT_EQ(p.tunnelDepth, 2);
  EXPECT_EQ(p.tunnelId, 2u);
  EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kOuterSrc));
  EXPECT_EQ(p.srcIp, IpAddress::v4(kInnerSrc));
  EXPECT_TRUE(p.isTcp());

  for (const int levels : {3, 4}) {  // Geneve inside `levels` IP-in-IP headers
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4);
    for (int i = 0; i < levels; ++i) b.ipv4(ipproto::kIpIp, kOuterSrc + uint32_t(i), kOuterDst);
    b.ipv4(ipproto::kUdp, ip4(172, 16, 0, 1), ip4(172, 16, 0, 2)).udp(50000, 6081);
    geneve(b, ethertype::kIpv4, 3);
    innerTcp(b).finish();
    p = test::decodeVector(b.bytes());
    EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kOuterSrc));
    if (levels == 3) {
      EXPECT_EQ(p.malformed, MalformedReason::kNone);
      EXPECT_EQ(p.tunnel, TunnelType::kGeneve);
      EXPECT_EQ(p.tunnelDepth, 4);
      EXPECT_EQ(p.srcIp, IpAddress::v4(kInnerSrc));
    } else {
      EXPECT_EQ(p.malformed, MalformedReason::kTunnelTooDeep);
      EXPECT_EQ(p.tunnel, TunnelType::kIpInIp);
      EXPECT_EQ(p.tunnelDepth, 4);
      EXPECT_EQ(p.srcIp, IpAddress::v4(ip4(172, 16, 0, 1)));  // the carrier of the Geneve not removed
      EXPECT_TRUE(p.isUdp());
      EXPECT_EQ(p.dstPort, 6081);
    }
  }
}

TEST(DecodeTunnel, GtpUser) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(2152, 2152);
  b.u8(0x34).u8(0xff).be16(0).be32(0xcafe0001);  // v1, PT, E
  b.be16(0).u8(0).u8(0x85);                      // seq, N-PDU, next: PDU session container
  b.u8(1).u8(0x10).u8(9).u8(0);                  // 4-byte extension, last
  innerTcp(b).finish();
  DecodedPacket p = test::decodeVector(b.bytes());
  expectInnerTcp(p, TunnelType::kGtpU);
  EXPECT_EQ(p.tunnelId, 0xcafe0001u);

  PacketBuilder v6;
  v6.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(2152, 2152);
  v6.u8(0x30).u8(0xff).be16(0).be32(5).ipv6(ipproto::kUdp, 1, 2).udp(1, 2).finish();
  p = test::decodeVector(v6.bytes());
  EXPECT_EQ(p.tunnel, TunnelType::kGtpU);
  EXPECT_EQ(p.ipVersion, 6);

  PacketBuilder echo;  // echo request on the user plane: not a tunnel
  echo.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(2152, 2152);
  echo.u8(0x32).u8(1).be16(4).be32(0).be16(1).be16(0).finish();
  p = test::decodeVector(echo.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kNone);
  EXPECT_EQ(p.dstPort, 2152);

  PacketBuilder control;  // GTP-C is signalling, never a tunnel
  control.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(2123, 2123);
  control.u8(0x32).u8(0x10).be16(4).be32(0).be16(1).be16(0).finish();
  p = test::decodeVector(control.bytes());
  EXPECT_EQ(p.tunnel, TunnelType::kNone);
  EXPECT_EQ(p.dstPort, 2123);
}

TEST(DecodeTunnel, Teredo) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(3544, 40000);
  b.be16(0x0001).u8(0).u8(0).zeros(8).u8(0);     // authentication indication
  b.be16(0x0000).be16(0x1234).be32(0x01020304);  // origin indication
  b.ipv6(ipproto::kTcp, 1, 2).tcp(80, 1000, 1, 2, tcpflag::kAck).finish();
  DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kTeredo);
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kOuterSrc));

  PacketBuilder notIpv6;
  notIpv6.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kUdp, kOuterSrc, kOuterDst)
      .udp(40000, 3544)
      .zeros(60)
      .finish();
  p = test::decodeVector(notIpv6.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kNone);
  EXPECT_TRUE(p.isUdp());
}

// Teredo through a relay on another port (Zeek's tunnels/Teredo.pcap, port 32900): only exactly one
// IPv6 packet to or from a Teredo address (2001:0::/32) is taken; the same bytes with a non-Teredo
// address, or with anything after the IPv6 packet, stay plain UDP.
TEST(DecodeTunnel, TeredoOnAnotherPort) {
  auto build = [](bool teredoAddress, bool trailer) {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(32900, 3797);
    b.ipv6(ipproto::kTcp, 1, 2).tcp(80, 1000, 1, 2, tcpflag::kAck);
    if (trailer) b.zeros(4);
    b.finish();
    std::vector<uint8_t> bytes = b.bytes();
    const size_t src = 14 + 20 + 8 + 8;  // the inner IPv6 source address: 2001:db8::1
    if (teredoAddress) bytes[src + 2] = bytes[src + 3] = 0;  // 2001:0::1
    if (trailer) {  // the builder's IPv6 length covers the trailer: the packet ends 4 bytes earlier
      const size_t length = 14 + 20 + 8 + 4;
      const uint16_t v = uint16_t((bytes[length] << 8 | bytes[length + 1]) - 4);
      bytes[length] = uint8_t(v >> 8);
      bytes[length + 1] = uint8_t(v);
    }
    return bytes;
  };
  DecodedPacket p = test::decodeVector(build(true, false));
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kTeredo);
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.dstPort, 1000);
  for (const auto& [teredo, trailer] : {std::pair{false, false}, std::pair{true, true}}) {
    p = test::decodeVector(build(teredo, trailer));
    EXPECT_EQ(p.tunnel, TunnelType::kNone) << teredo << trailer;
    EXPECT_TRUE(p.isUdp());
    EXPECT_EQ(p.dstPort, 3797);
  }
}

TEST(DecodeTunnel, MplsOverUdp) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(58699, 6635).mpls(21, 0, true);
  innerTcp(b).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  expectInnerTcp(p, TunnelType::kMplsUdp);
  EXPECT_EQ(p.tunnelId, 21u);
  EXPECT_EQ(p.mplsCount, 0);
}

PacketBuilder nestedIpInIp(int levels) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4);
  for (int i = 0; i < levels; ++i) b.ipv4(ipproto::kIpIp, kOuterSrc + uint32_t(i), kOuterDst);
  innerTcp(b).finish();
  return b;
}

TEST(DecodeTunnel, DepthLimit) {
  PacketBuilder four = nestedIpInIp(4);
  DecodedPacket p = test::decodeVector(four.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnelDepth, 4);
  EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kOuterSrc));
  EXPECT_TRUE(p.isTcp());

  PacketBuilder five = nestedIpInIp(5);
  p = test::decodeVector(five.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kTunnelTooDeep);
  EXPECT_EQ(p.tunnelDepth, 4);
  EXPECT_EQ(p.srcIp, IpAddress::v4(kOuterSrc + 4));  // the deepest IP header decoded
  EXPECT_EQ(p.l4Protocol, ipproto::kIpIp);
}

TEST(DecodeTunnel, NestedGreInGre) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kGre, kOuterSrc, kOuterDst).be16(0x2000).be16(0x0800).be32(1);
  b.ipv4(ipproto::kGre, ip4(172, 16, 0, 1), ip4(172, 16, 0, 2)).be16(0x2000).be16(0x0800).be32(2);
  innerTcp(b).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnelDepth, 2);
  EXPECT_EQ(p.tunnelId, 2u);
  EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kOuterSrc));
  EXPECT_EQ(p.srcIp, IpAddress::v4(kInnerSrc));
}

TEST(DecodeTunnel, DamagedInnerHeaderKeepsCarrier) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst).udp(55555, 4789);
  b.raw({0x08, 0, 0, 0}).be32(0x00000700).ethernet(ethertype::kIpv4, 5).raw({0x45, 0, 0, 40, 0, 0}).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kTruncatedIpv4);
  EXPECT_EQ(p.tunnel, TunnelType::kVxlan);
  EXPECT_EQ(p.tunnelDepth, 1);
  EXPECT_EQ(p.tunnelId, 7u);
  EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kOuterSrc));
  EXPECT_EQ(p.srcIp, IpAddress::v4(kOuterSrc));  // still the carrier
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.dstPort, 4789);
  EXPECT_EQ(p.ipOffset, 14);
}

TEST(DecodeTunnel, FragmentedCarrierIsNotDecapsulated) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, kOuterSrc, kOuterDst, 0x2000).udp(2152, 2152);
  b.u8(0x30).u8(0xff).be16(0).be32(5);
  innerTcp(b).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kNone);
  EXPECT_TRUE(p.isFirstFragment);
  EXPECT_EQ(p.dstPort, 2152);
}

}  // namespace
}  // namespace netmeter
