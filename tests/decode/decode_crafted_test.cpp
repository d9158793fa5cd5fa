// Hand-crafted packets: Ethernet, VLAN, MPLS, PPPoE, ARP, IPv4, IPv6, TCP, UDP, ICMP, SCTP.
#include <gtest/gtest.h>

#include <set>
#include <string_view>

#include "packet_builder.h"

namespace netmeter {
namespace {

using test::ip4;
using test::PacketBuilder;

TEST(DecodeCrafted, EthernetIpv4Tcp) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kTcp, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 0x4000, 63, 0xb9)
      .tcp(40000, 443, 1000, 2000, tcpflag::kSyn | tcpflag::kAck, 65535, 3)
      .zeros(10)
      .finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.hasMac);
  EXPECT_EQ(p.dstMac.bytes[0], 0x10);
  EXPECT_EQ(p.srcMac.bytes[0], 0x90);
  EXPECT_EQ(p.macProtocol, ethertype::kIpv4);
  EXPECT_EQ(p.l2PayloadLength, b.size() - 14);
  EXPECT_EQ(p.ipVersion, 4);
  EXPECT_EQ(p.srcIp, IpAddress::v4(ip4(10, 0, 0, 1)));
  EXPECT_EQ(p.dstIp, IpAddress::v4(ip4(10, 0, 0, 2)));
  EXPECT_EQ(p.ttl, 63);
  EXPECT_EQ(p.dscp, 0xb9 >> 2);
  EXPECT_EQ(p.ecn, 1);
  EXPECT_EQ(p.ipTotalLength, b.size() - 14);
  EXPECT_EQ(p.ipOffset, 14);
  EXPECT_FALSE(p.isFragment);
  EXPECT_FALSE(p.hasIpOptions);
  EXPECT_EQ(p.fragmentId, 0x1234u);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.srcPort, 40000);
  EXPECT_EQ(p.dstPort, 443);
  EXPECT_EQ(p.tcpSeq, 1000u);
  EXPECT_EQ(p.tcpAck, 2000u);
  EXPECT_EQ(p.tcpFlags, tcpflag::kSyn | tcpflag::kAck);
  EXPECT_EQ(p.tcpWindow, 65535);
  EXPECT_EQ(p.l4Offset, 34);
  EXPECT_EQ(p.tcpOptionsOffset, 54);
  EXPECT_EQ(p.tcpOptionsLength, 12);
  EXPECT_EQ(p.payloadOffset, 66);
  EXPECT_EQ(p.payloadLength, 10u);
  EXPECT_EQ(p.tunnel, TunnelType::kNone);
}

TEST(DecodeCrafted, EthernetPaddingIsIgnored) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kUdp, ip4(1, 2, 3, 4), ip4(5, 6, 7, 8))
      .udp(53, 5353)
      .zeros(2)
      .finish();
  b.zeros(16);  // pad to 60 bytes
  ASSERT_EQ(b.size(), 60u);
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.ipTotalLength, 30u);
  EXPECT_EQ(p.payloadLength, 2u);
  EXPECT_EQ(p.l2PayloadLength, 46u);
}

TEST(DecodeCrafted, Ieee8023LlcIsNotIp) {
  PacketBuilder b;
  b.ethernet(38).raw({0x42, 0x42, 0x03}).zeros(35);  // STP over LLC
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.hasMac);
  EXPECT_EQ(p.macProtocol, 0);
  EXPECT_FALSE(p.isIp());
  EXPECT_EQ(p.l2PayloadLength, b.size() - 14);
}

TEST(DecodeCrafted, VlanIpv6Udp) {
  PacketBuilder b;
  b.ethernet(ethertype::kVlan).vlan(0xa000 | 100, ethertype::kIpv6);
  b.ipv6(ipproto::kUdp, 1, 2, 17, 0x2e).udp(5000, 53).zeros(12).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.vlanCount, 1);
  EXPECT_EQ(p.outerVlan, 100);
  EXPECT_EQ(p.innerVlan, kNoVlan);
  EXPECT_EQ(p.vlanPcp, 5);
  EXPECT_EQ(p.macProtocol, ethertype::kIpv6);
  EXPECT_EQ(p.l2PayloadLength, b.size() - 18);
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_EQ(p.ipOffset, 18);
  EXPECT_EQ(p.ttl, 17);
  EXPECT_EQ(p.dscp, 0x2e >> 2);
  EXPECT_EQ(p.ecn, 2);
  EXPECT_EQ(p.srcIp.bytes[15], 1);
  EXPECT_EQ(p.dstIp.bytes[15], 2);
  EXPECT_EQ(p.ipTotalLength, 40u + 8 + 12);
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.srcPort, 5000);
  EXPECT_EQ(p.dstPort, 53);
  EXPECT_EQ(p.payloadLength, 12u);
  EXPECT_EQ(p.payloadOffset, 18 + 40 + 8);
}

TEST(DecodeCrafted, QinQVariants) {
  for (uint16_t outerType : {ethertype::kQinQ, ethertype::kQinQOld, ethertype::kVlan}) {
    PacketBuilder b;
    b.ethernet(outerType)
        .vlan(0x2000 | 10, ethertype::kVlan)
        .vlan(20, ethertype::kVlan)
        .vlan(30, ethertype::kIpv4);
    b.ipv4(ipproto::kUdp, 1, 2).udp(1, 2).finish();
    const DecodedPacket p = test::decodeVector(b.bytes());
    EXPECT_EQ(p.malformed, MalformedReason::kNone);
    EXPECT_EQ(p.vlanCount, 3);
    EXPECT_EQ(p.outerVlan, 10);
    EXPECT_EQ(p.innerVlan, 20);
    EXPECT_EQ(p.vlanPcp, 1);
    EXPECT_EQ(p.macProtocol, ethertype::kIpv4);
    EXPECT_EQ(p.l2PayloadLength, b.size() - 26);
    EXPECT_TRUE(p.isUdp());
  }
}

TEST(DecodeCrafted, MplsStackIpv4AndIpv6) {
  PacketBuilder b;
  b.ethernet(ethertype::kMplsUnicast).mpls(100, 5, false).mpls(200, 0, false).mpls(300, 0, false);
  b.mpls(400, 0, false).mpls(500, 0, true).ipv4(ipproto::kIcmp, 1, 2).raw({8, 0, 0, 0, 0, 1, 0, 1}).finish();
  DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.macProtocol, ethertype::kMplsUnicast);
  EXPECT_EQ(p.mplsCount, 5);
  EXPECT_EQ(p.mplsLabels[0], 100u);
  EXPECT_EQ(p.mplsLabels[3], 400u);
  EXPECT_EQ(p.mplsTc, 5);
  EXPECT_EQ(p.ipVersion, 4);
  EXPECT_EQ(p.ipOffset, 14 + 20);
  EXPECT_EQ(p.l4Protocol, ipproto::kIcmp);
  EXPECT_EQ(p.icmpType, 8);

  PacketBuilder b6;
  b6.ethernet(ethertype::kMplsMulticast)
      .mpls(16, 0, true)
      .ipv6(ipproto::kTcp, 1, 2)
      .tcp(1, 2, 3, 4, 0x18)
      .finish();
  p = test::decodeVector(b6.bytes());
  EXPECT_EQ(p.mplsCount, 1);
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_TRUE(p.isTcp());
}

TEST(DecodeCrafted, MplsPseudowireEthernet) {
  PacketBuilder b;
  b.ethernet(ethertype::kMplsUnicast).mpls(1000, 0, false).mpls(2000, 0, true).be32(0);  // control word
  b.ethernet(ethertype::kVlan, 3).vlan(55, ethertype::kIpv4).ipv4(ipproto::kUdp, 7, 8).udp(9, 10).finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.mplsCount, 2);
  EXPECT_EQ(p.srcMac.bytes[0], 0x90);  // outer frame's MACs
  EXPECT_EQ(p.vlanCount, 0);           // inner frame's VLAN is not the wire's
  EXPECT_EQ(p.macProtocol, ethertype::kMplsUnicast);
  EXPECT_EQ(p.srcIp, IpAddress::v4(7));
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.dstPort, 10);
}

TEST(DecodeCrafted, MplsUnknownPayloadIsNotIp) {
  PacketBuilder b;
  b.ethernet(ethertype::kMplsUnicast).mpls(3, 0, true).raw({0x91, 0, 0, 0});
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_FALSE(p.isIp());
}

TEST(DecodeCrafted, PppoeSession) {
  PacketBuilder b;
  b.ethernet(ethertype::kPppoeSession).raw({0x11, 0x00}).be16(0x3b).be16(0).be16(0x0021);
  b.ipv4(ipproto::kUdp, 1, 2).udp(67, 68).finish();
  DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.hasPppoe);
  EXPECT_EQ(p.pppoeSessionId, 0x3b);
  EXPECT_EQ(p.macProtocol, ethertype::kPppoeSession);
  EXPECT_EQ(p.l2PayloadLength, b.size() - 14);
  EXPECT_TRUE(p.isUdp());

  PacketBuilder b6;
  b6.ethernet(ethertype::kPppoeSession).raw({0x11, 0x00}).be16(7).be16(0).be16(0x0057);
  b6.ipv6(ipproto::kIcmpv6, 1, 2).raw({135, 0, 0, 0, 0, 0, 0, 0}).finish();
  p = test::decodeVector(b6.bytes());
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_EQ(p.icmpType, 135);

  PacketBuilder lcp;
  lcp.ethernet(ethertype::kPppoeSession).raw({0x11, 0x00}).be16(7).be16(0).be16(0xc021).zeros(10);
  p = test::decodeVector(lcp.bytes());
  EXPECT_TRUE(p.hasPppoe);
  EXPECT_FALSE(p.isIp());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
}

TEST(DecodeCrafted, PppoeDiscoveryIsNotIp) {
  PacketBuilder b;
  b.ethernet(ethertype::kPppoeDiscovery).raw({0x11, 0x09, 0, 0, 0, 4, 1, 1, 0, 0});
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.macProtocol, ethertype::kPppoeDiscovery);
  EXPECT_FALSE(p.hasPppoe);
  EXPECT_FALSE(p.isIp());
}

TEST(DecodeCrafted, ArpEthernetIpv4) {
  PacketBuilder b;
  b.ethernet(ethertype::kArp).be16(1).be16(0x0800).u8(6).u8(4).be16(2);
  b.raw({1, 2, 3, 4, 5, 6}).be32(ip4(192, 168, 0, 1)).raw({7, 8, 9, 10, 11, 12}).be32(ip4(192, 168, 0, 2));
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.isArp);
  EXPECT_FALSE(p.isIp());
  EXPECT_EQ(p.arpOperation, 2);
  EXPECT_EQ(p.arpSenderMac.bytes[5], 6);
  EXPECT_EQ(p.arpTargetMac.bytes[0], 7);
  EXPECT_EQ(p.arpSenderIp, IpAddress::v4(ip4(192, 168, 0, 1)));
  EXPECT_EQ(p.arpTargetIp, IpAddress::v4(ip4(192, 168, 0, 2)));
}

TEST(DecodeCrafted, ArpOtherHardwareOnlyFlag) {
  PacketBuilder b;
  b.ethernet(ethertype::kArp).be16(6).be16(0x0800).u8(14).u8(4).be16(1).zeros(36);
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.isArp);
  EXPECT_TRUE(p.arpSenderIp.empty());
}

TEST(DecodeCrafted, Ipv4OptionsAndFragments) {
  PacketBuilder first;
  first.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kUdp, 1, 2, 0x2000, 64, 0, 2, 0x4242)
      .udp(1000, 2000)
      .zeros(100);
  first.finish();
  first.patch16(14 + 28 + 4, 3000);  // the UDP length covers the whole datagram
  DecodedPacket p = test::decodeVector(first.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.hasIpOptions);
  EXPECT_TRUE(p.isFragment);
  EXPECT_TRUE(p.isFirstFragment);
  EXPECT_EQ(p.fragmentOffset, 0);
  EXPECT_EQ(p.fragmentId, 0x4242u);
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.l4Offset, 14 + 28);
  EXPECT_EQ(p.payloadLength, 100u);

  PacketBuilder later;
  later.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kUdp, 1, 2, 0x2000 | 185, 64, 0, 0, 0x4242)
      .zeros(200)
      .finish();
  p = test::decodeVector(later.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.isFragment);
  EXPECT_FALSE(p.isFirstFragment);
  EXPECT_EQ(p.fragmentOffset, 1480);
  EXPECT_EQ(p.l4Protocol, ipproto::kUdp);
  EXPECT_FALSE(p.hasPorts);
  EXPECT_EQ(p.payloadOffset, 34);
  EXPECT_EQ(p.payloadLength, 200u);

  PacketBuilder last;
  last.ethernet(ethertype::kIpv4).ipv4(ipproto::kTcp, 1, 2, 10, 64).zeros(20).finish();
  p = test::decodeVector(last.bytes());
  EXPECT_TRUE(p.isFragment);
  EXPECT_FALSE(p.isFirstFragment);
  EXPECT_EQ(p.fragmentOffset, 80);
  EXPECT_FALSE(p.hasPorts);
}

TEST(DecodeCrafted, Ipv4TotalLengthBeyondCaptureIsSnapLength) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kTcp, 1, 2).tcp(1, 2, 3, 4, tcpflag::kAck).zeros(1400).finish();
  const size_t wire = b.size();
  const DecodedPacket p = test::decodeBytes(b.bytes().data(), 68, 1, wire);
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.capturedLength, 68u);
  EXPECT_EQ(p.wireLength, wire);
  EXPECT_EQ(p.ipTotalLength, wire - 14);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.payloadLength, 1400u);
  EXPECT_EQ(p.l2PayloadLength, wire - 14);
}

TEST(DecodeCrafted, Ipv4TotalLengthBeyondWireIsReportedButDecoded) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, 1, 2).udp(3, 53).zeros(20).finish();
  b.patch16(16, uint16_t(b.size() - 14 + 1));  // like tcpdump's ipv4_invalid_total_length.pcap
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kBadIpv4TotalLength);
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.dstPort, 53);
}

// The frame ends before the IPv4 total length (a damaged length, not the snap length): reported, and
// the payload ends with the frame, as tshark's tcp.len (counting bytes never sent would advance the
// TCP sequence and make the next real segment a retransmission).
TEST(DecodeCrafted, Ipv4TotalLengthBeyondWireEndsThePayloadAtTheFrame) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kTcp, 1, 2).tcp(1, 2, 3, 4, tcpflag::kAck).zeros(10).finish();
  b.patch16(16, uint16_t(b.size() - 14 + 6));
  DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kBadIpv4TotalLength);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.payloadLength, 10u);
  // Cut by the snap length as well: the payload on the wire still ends with the frame.
  p = test::decodeBytes(b.bytes().data(), 60, static_cast<uint16_t>(LinkType::kEthernet), b.size());
  EXPECT_EQ(p.payloadLength, 10u);
}

// The PPPoE length ends the packet (zeek/traces/pppoe-over-qinq.pcap: IPv4 total length 46 in a
// PPPoE payload of 42 bytes, the rest Ethernet padding): tshark "IPv4 total length exceeds packet
// length", tcp.len 0.
TEST(DecodeCrafted, PppoeLengthEndsThePacket) {
  PacketBuilder b;
  b.ethernet(ethertype::kPppoeSession).raw({0x11, 0x00}).be16(0x3b).be16(42).be16(0x0021);
  b.ipv4(ipproto::kTcp, 1, 2).tcp(1, 2, 3, 4, tcpflag::kAck).zeros(6).finish();  // IPv4 total length 46
  DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kBadIpv4TotalLength);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.payloadLength, 0u);
  // A PPPoE length that covers the IP packet changes nothing; 0 is taken as not set.
  for (const uint16_t length : {uint16_t(48), uint16_t(0)}) {
    b.patch16(18, length);
    p = test::decodeVector(b.bytes());
    EXPECT_EQ(p.malformed, MalformedReason::kNone) << length;
    EXPECT_EQ(p.payloadLength, 6u) << length;
  }
}

TEST(DecodeCrafted, Ipv4TsoZeroTotalLength) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kTcp, 1, 2).tcp(1, 2, 3, 4, tcpflag::kAck).zeros(100).finish();
  b.patch16(16, 0);
  const DecodedPacket p = test::decodeVector(b.bytes(), LinkType::kEthernet, 70000);
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.ipTotalLength, 0u);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.payloadLength, 70000u - 54);
}

TEST(DecodeCrafted, Ipv6ExtensionHeaders) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv6).ipv6(0, 1, 2);
  b.u8(43).u8(0).zeros(6);                                  // hop-by-hop -> routing
  b.u8(60).u8(2).u8(0).u8(1).zeros(20);                     // routing (24 bytes) -> destination options
  b.u8(51).u8(0).zeros(6);                                  // destination options -> AH
  b.u8(135).u8(1).zeros(10);                                // AH (12 bytes) -> mobility
  b.u8(44).u8(0).zeros(6);                                  // mobility -> fragment
  b.u8(ipproto::kUdp).u8(0).be16(0x0001).be32(0xdeadbeef);  // fragment: offset 0, M=1
  b.udp(1, 2).zeros(4).finish();
  DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.l4Protocol, ipproto::kUdp);
  EXPECT_TRUE(p.isFragment);
  EXPECT_TRUE(p.isFirstFragment);
  EXPECT_EQ(p.fragmentId, 0xdeadbeefu);
  EXPECT_TRUE(p.hasPorts);
  EXPECT_EQ(p.l4Offset, 14 + 40 + 8 + 24 + 8 + 12 + 8 + 8);

  PacketBuilder later;
  later.ethernet(ethertype::kIpv6)
      .ipv6(44, 1, 2)
      .u8(ipproto::kTcp)
      .u8(0)
      .be16(0x0100)
      .be32(7)
      .zeros(64)
      .finish();
  p = test::decodeVector(later.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.isFragment);
  EXPECT_FALSE(p.isFirstFragment);
  EXPECT_EQ(p.fragmentOffset, 256);
  EXPECT_EQ(p.l4Protocol, ipproto::kTcp);
  EXPECT_FALSE(p.hasPorts);
  EXPECT_EQ(p.payloadLength, 64u);

  PacketBuilder atomic;
  atomic.ethernet(ethertype::kIpv6).ipv6(44, 1, 2).u8(ipproto::kTcp).u8(0).be16(0).be32(7);
  atomic.tcp(80, 1234, 1, 2, tcpflag::kAck).finish();
  p = test::decodeVector(atomic.bytes());
  EXPECT_FALSE(p.isFragment);
  EXPECT_TRUE(p.isTcp());
}

TEST(DecodeCrafted, Ipv6JumboUsesFrameLength) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv6).ipv6(0, 1, 2).u8(ipproto::kTcp).u8(0).raw({0xc2, 4, 0, 1, 0, 0});
  b.tcp(1, 2, 3, 4, tcpflag::kAck).zeros(10);
  const DecodedPacket p = test::decodeVector(b.bytes(), LinkType::kEthernet, 100000);
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.ipTotalLength, 0u);
  EXPECT_TRUE(p.isTcp());
  EXPECT_EQ(p.payloadLength, 100000u - 14 - 40 - 8 - 20);
}

TEST(DecodeCrafted, UdpShorterThanIpPayloadIsFine) {
  PacketBuilder b;
  b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, 1, 2).udp(1, 2).zeros(10).finish();
  b.patch16(14 + 20 + 4, 12);
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.payloadLength, 4u);
}

TEST(DecodeCrafted, IcmpEchoAndErrorDoesNotDecodeQuotedPacket) {
  PacketBuilder echo;
  echo.ethernet(ethertype::kIpv4).ipv4(ipproto::kIcmp, 1, 2).raw({0, 0, 0, 0, 0, 1, 0, 2}).zeros(56).finish();
  DecodedPacket p = test::decodeVector(echo.bytes());
  EXPECT_EQ(p.icmpType, 0);
  EXPECT_EQ(p.payloadLength, 56u);
  EXPECT_FALSE(p.hasPorts);

  PacketBuilder error;
  error.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kIcmp, ip4(9, 9, 9, 9), ip4(1, 1, 1, 1))
      .raw({3, 3, 0, 0, 0, 0, 0, 0});
  error.ipv4(ipproto::kUdp, ip4(1, 1, 1, 1), ip4(8, 8, 8, 8)).udp(5555, 53).finish();
  p = test::decodeVector(error.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.l4Protocol, ipproto::kIcmp);
  EXPECT_EQ(p.icmpType, 3);
  EXPECT_EQ(p.icmpCode, 3);
  EXPECT_EQ(p.srcIp, IpAddress::v4(ip4(9, 9, 9, 9)));
  EXPECT_FALSE(p.hasPorts);
  EXPECT_EQ(p.tunnel, TunnelType::kNone);

  PacketBuilder v6;
  v6.ethernet(ethertype::kIpv6).ipv6(ipproto::kIcmpv6, 1, 2).raw({128, 0, 0, 0, 0, 1, 0, 1}).finish();
  p = test::decodeVector(v6.bytes());
  EXPECT_EQ(p.l4Protocol, ipproto::kIcmpv6);
  EXPECT_EQ(p.icmpType, 128);
}

TEST(DecodeCrafted, SctpAndOtherProtocols) {
  PacketBuilder sctp;
  sctp.ethernet(ethertype::kIpv4)
      .ipv4(ipproto::kSctp, 1, 2)
      .be16(2905)
      .be16(2906)
      .zeros(8)
      .zeros(16)
      .finish();
  DecodedPacket p = test::decodeVector(sctp.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.hasPorts);
  EXPECT_EQ(p.srcPort, 2905);
  EXPECT_EQ(p.dstPort, 2906);
  EXPECT_EQ(p.payloadLength, 16u);

  PacketBuilder ospf;
  ospf.ethernet(ethertype::kIpv4).ipv4(89, 1, 2).zeros(44).finish();
  p = test::decodeVector(ospf.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.l4Protocol, 89);
  EXPECT_FALSE(p.hasPorts);
  EXPECT_EQ(p.l4Offset, 34);
  EXPECT_EQ(p.payloadLength, 44u);

  PacketBuilder esp;
  esp.ethernet(ethertype::kIpv6).ipv6(ipproto::kEsp, 1, 2).zeros(40).finish();
  p = test::decodeVector(esp.bytes());
  EXPECT_EQ(p.l4Protocol, ipproto::kEsp);
  EXPECT_FALSE(p.hasPorts);
}

TEST(DecodeCrafted, MalformedReasonNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int i = 0; i < static_cast<int>(MalformedReason::kCount); ++i) {
    const std::string_view name = malformedReasonName(static_cast<MalformedReason>(i));
    EXPECT_NE(name, "unknown") << i;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(malformedReasonName(MalformedReason::kTruncatedIpv4), "truncated_ipv4");
  EXPECT_EQ(malformedReasonName(MalformedReason::kNone), "none");
}

}  // namespace
}  // namespace netmeter
