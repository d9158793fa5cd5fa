// IP reassembly (decode/ip_reassembler.h), whole datagrams, overlaps and sizes: fragments are driven
// through IpReassembler exactly as the reader does (fragment_builder.h), and the packets that come out
// are checked field by field. Limits, unusable fragments and real captures: ip_reassembler_limits_test.
#include "decode/ip_reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "fragment_builder.h"
#include "packet_builder.h"

namespace netmeter::reassembly_test {
namespace {

// --- whole datagrams ---

// A 3000-byte UDP payload (a large DNS answer, say) in three fragments, in each of the six orders.
TEST(IpReassembler, Ipv4UdpDatagramInEveryOrder) {
  const Bytes segment = udpSegment(5353, 53, 3000);  // 3008 bytes: fragments of 1480, 1480, 48
  const Ipv4Fragments fragments;
  const std::vector<Bytes> frames = fragments.cut(segment, {0, 1480, 2960});
  const uint16_t offsets[] = {0, 1480, 2960};
  std::vector<size_t> order = {0, 1, 2};
  do {
    SCOPED_TRACE(::testing::Message() << "order " << order[0] << order[1] << order[2]);
    Reader reader;
    bool firstSeen = false;
    for (size_t k = 0; k < order.size(); ++k) {
      const size_t i = order[k];
      const Fed fed = reader.feed(frames[i], PacketTime(k) * 1000);
      const DecodedPacket& p = fed.packet;
      EXPECT_EQ(p.malformed, MalformedReason::kNone);
      EXPECT_TRUE(p.isFragment);
      EXPECT_EQ(p.fragmentOffset, offsets[i]);
      EXPECT_EQ(p.wireLength, frames[i].size());
      EXPECT_EQ(p.srcIp, IpAddress::v4(kSrc));
      EXPECT_EQ(p.l4Protocol, ipproto::kUdp);
      if (k + 1 < order.size()) {
        EXPECT_TRUE(fed.whole.empty());
        EXPECT_EQ(p.fragmentRole, FragmentRole::kPiece);
        EXPECT_EQ(p.capturedLength, frames[i].size());
        if (i == 0) {  // the first fragment shows its own UDP header
          EXPECT_TRUE(p.hasPorts);
          EXPECT_EQ(p.payloadLength, 1472u);
        } else {  // a later one has the datagram's ports once the first fragment was seen
          EXPECT_EQ(p.hasPorts, firstSeen);
          EXPECT_EQ(p.srcPort, firstSeen ? 5353 : 0);
          EXPECT_EQ(p.dstPort, firstSeen ? 53 : 0);
          EXPECT_EQ(p.payloadLength, frames[i].size() - 34);  // its data, continuation
        }
        if (p.hasPorts) {
          EXPECT_EQ(p.srcPort, 5353);
          EXPECT_EQ(p.dstPort, 53);
        }
        firstSeen = firstSeen || i == 0;
        continue;
      }
      // The completing fragment carries the whole datagram.
      ASSERT_EQ(fed.whole.size(), 14u + 20 + 3008);
      EXPECT_TRUE(std::equal(frames[i].begin(), frames[i].begin() + 14, fed.whole.begin()));  // its own L2
      EXPECT_TRUE(sameBytes(fed.whole, 34, segment));
      EXPECT_EQ(fed.whole[14 + 2], 3028 >> 8);  // total length
      EXPECT_EQ(fed.whole[14 + 3], 3028 & 0xff);
      EXPECT_EQ(fed.whole[14 + 6], 0);  // no more fragments, offset 0
      EXPECT_EQ(fed.whole[14 + 7], 0);
      EXPECT_EQ(p.fragmentRole, FragmentRole::kReassembled);
      EXPECT_TRUE(p.isFragment);
      EXPECT_EQ(p.isFirstFragment, i == 0);
      EXPECT_EQ(p.fragmentId, 0x4242u);
      EXPECT_EQ(p.wireLength, frames[i].size());  // the fragment's own frame
      EXPECT_EQ(p.capturedLength, fed.whole.size());
      EXPECT_EQ(p.ipOffset, 14);
      EXPECT_EQ(p.ipTotalLength, 3028u);
      EXPECT_EQ(p.ttl, 57);  // the first fragment's header
      EXPECT_TRUE(p.isUdp());
      EXPECT_EQ(p.srcPort, 5353);
      EXPECT_EQ(p.dstPort, 53);
      EXPECT_EQ(p.l4Offset, 34);
      EXPECT_EQ(p.payloadOffset, 42);
      EXPECT_EQ(p.payloadLength, 3000u);
      EXPECT_TRUE(std::equal(segment.begin() + 8, segment.end(), fed.whole.begin() + p.payloadOffset));
    }
    const IpReassemblyStats& s = reader.reassembler.stats();
    EXPECT_EQ(s.fragments, 3u);
    EXPECT_EQ(s.datagrams, 1u);
    EXPECT_EQ(s.incomplete + s.evicted + s.malformed + s.notCaptured, 0u);
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
  } while (std::next_permutation(order.begin(), order.end()));
}

// IPv6 (RFC 8200): a destination options header before the fragment header is part of every
// fragment; the reassembled packet is the one that was fragmented: the destination options name UDP
// and the fragment header is gone (4.5), as in tshark's reassembled packet.
TEST(IpReassembler, Ipv6UdpDatagramWithDestinationOptions) {
  const Bytes segment = udpSegment(53, 40000, 3000);
  const Ipv6Fragments fragments;
  const std::vector<Bytes> frames = fragments.cut(segment, {0, 1440, 2880});
  constexpr size_t kHeaders = 14 + 40 + 8 + 8;  // Ethernet, IPv6, destination options, fragment
  std::vector<size_t> order = {0, 1, 2};
  do {
    SCOPED_TRACE(::testing::Message() << "order " << order[0] << order[1] << order[2]);
    Reader reader;
    bool firstSeen = false;
    for (size_t k = 0; k < 3; ++k) {
      const size_t i = order[k];
      const Fed fed = reader.feed(frames[i], PacketTime(k));
      const DecodedPacket& p = fed.packet;
      EXPECT_EQ(p.malformed, MalformedReason::kNone);
      EXPECT_EQ(p.fragmentDataOffset, kHeaders);
      if (k < 2) {
        EXPECT_TRUE(fed.whole.empty());
        EXPECT_EQ(p.fragmentRole, FragmentRole::kPiece);
        EXPECT_EQ(p.hasPorts, i == 0 || firstSeen);
        firstSeen = firstSeen || i == 0;
        continue;
      }
      ASSERT_EQ(fed.whole.size(), kHeaders - 8 + 3008);
      EXPECT_TRUE(sameBytes(fed.whole, kHeaders - 8, segment));
      EXPECT_EQ((fed.whole[14 + 4] << 8) | fed.whole[14 + 5], 8 + 3008);  // payload length
      EXPECT_EQ(fed.whole[14 + 6], 60);                                   // destination options
      EXPECT_EQ(fed.whole[14 + 40], ipproto::kUdp);                       // which name UDP
      EXPECT_EQ(p.fragmentRole, FragmentRole::kReassembled);
      EXPECT_TRUE(p.isFragment);
      EXPECT_EQ(p.fragmentId, 0xdeadbeefu);
      EXPECT_EQ(p.wireLength, frames[i].size());
      EXPECT_EQ(p.ipVersion, 6);
      EXPECT_EQ(p.ipTotalLength, 40u + 8 + 3008);
      EXPECT_TRUE(p.isUdp());
      EXPECT_EQ(p.srcPort, 53);
      EXPECT_EQ(p.dstPort, 40000);
      EXPECT_EQ(p.payloadOffset, kHeaders - 8 + 8);
      EXPECT_EQ(p.payloadLength, 3000u);

      // The reassembled frame on its own is a whole packet.
      const DecodedPacket alone = test::decodeVector(fed.whole);
      EXPECT_EQ(alone.malformed, MalformedReason::kNone);
      EXPECT_FALSE(alone.isFragment);
      EXPECT_TRUE(alone.isUdp());
      EXPECT_EQ(alone.payloadLength, 3000u);
    }
    EXPECT_EQ(reader.reassembler.stats().datagrams, 1u);
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
  } while (std::next_permutation(order.begin(), order.end()));
}

// Hop-by-hop options and a routing header (24 bytes) before the fragment header: the next-header
// field that named the fragment header, the routing header's, names UDP in the whole packet.
TEST(IpReassembler, Ipv6FragmentHeaderLeavesTheChainOfHeadersBeforeIt) {
  const Bytes segment = udpSegment(53, 40000, 2000);
  auto frame = [&](size_t from, size_t to, bool more) {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv6).ipv6(0, 1, 2).ipv6Options8(43);
    b.u8(44).u8(2).u8(2).u8(0).be32(0);  // routing header type 2, no segments left, one address
    b.raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9});
    b.ipv6Fragment(ipproto::kUdp, uint16_t(from), more, 7).append(segment.data() + from, to - from).finish();
    return b.bytes();
  };
  constexpr size_t kKept = 14 + 40 + 8 + 24;
  Reader reader;
  EXPECT_TRUE(reader.feed(frame(1200, segment.size(), false), 0).whole.empty());
  const Fed fed = reader.feed(frame(0, 1200, true), 1);
  ASSERT_EQ(fed.whole.size(), kKept + segment.size());
  EXPECT_EQ(fed.whole[14 + 6], 0);               // IPv6: hop-by-hop
  EXPECT_EQ(fed.whole[14 + 40], 43);             // hop-by-hop: routing
  EXPECT_EQ(fed.whole[14 + 48], ipproto::kUdp);  // routing: UDP, not the fragment header
  EXPECT_EQ((fed.whole[14 + 4] << 8) | fed.whole[14 + 5], 32 + segment.size());
  EXPECT_TRUE(sameBytes(fed.whole, kKept, segment));
  const DecodedPacket& p = fed.packet;
  EXPECT_EQ(p.fragmentRole, FragmentRole::kReassembled);
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.ipTotalLength, 40u + 32 + segment.size());
  EXPECT_EQ(p.payloadLength, 2000u);
  EXPECT_FALSE(test::decodeVector(fed.whole).isFragment);
}

// A destination options header after the fragment header belongs to the fragmentable part: the
// later fragments name it as their next header until the first fragment has shown the protocol.
// An IPv6 datagram is identified without its protocol: fragments whose next headers differ join.
TEST(IpReassembler, Ipv6ProtocolComesFromTheFirstFragment) {
  PacketBuilder body;
  body.ipv6Options8(ipproto::kUdp);
  const Bytes segment = udpSegment(53, 40000, 2000);
  body.append(segment.data(), segment.size());
  const Bytes& fragmentable = body.bytes();  // 8 + 2008 bytes
  Ipv6Fragments fragments;
  fragments.destinationOptions = false;
  fragments.next = 60;
  const std::vector<Bytes> frames = fragments.cut(fragmentable, {0, 1000, 1504});

  Reader reader;
  const Fed last = reader.feed(frames[2], 0);  // before the first: its own next header
  EXPECT_EQ(last.packet.l4Protocol, 60);
  EXPECT_FALSE(last.packet.hasPorts);
  const Fed first = reader.feed(frames[0], 1);
  EXPECT_EQ(first.packet.l4Protocol, ipproto::kUdp);
  EXPECT_TRUE(first.packet.hasPorts);

  fragments.next = ipproto::kTcp;  // a later fragment naming another protocol: the same datagram
  const Fed middle = reader.feed(fragments.frame(fragmentable, 1000, 1504, true), 2);
  EXPECT_EQ(middle.packet.malformed, MalformedReason::kNone);
  ASSERT_FALSE(middle.whole.empty());
  EXPECT_EQ(middle.packet.fragmentRole, FragmentRole::kReassembled);
  EXPECT_TRUE(middle.packet.isUdp());
  EXPECT_EQ(middle.packet.payloadLength, 2000u);
  EXPECT_EQ(middle.packet.fragmentOffset, 1000);
}

// The IPv4 payload of a tunnel packet: UDP to `port` (2152: GTP-U, TEID 0x0badcafe; 4789: VXLAN, VNI
// 0x1234, inner Ethernet; 6081: Geneve, VNI 0x1234, an 8-byte option, inner Ethernet) around an inner
// IPv4/TCP packet 10.1.1.1:1234 -> 10.2.2.2:80 (IPv6/UDP 2001:db8::1:1234 -> 2001:db8::2:80 when `innerIpv6`)
// with `payloadBytes` bytes of payload (byte i = i). `innerAt`: where the inner IP header begins in it.
Bytes tunnelCarrier(uint16_t port, bool innerIpv6, size_t payloadBytes, size_t* innerAt) {
  PacketBuilder carrier;
  carrier.udp(port, port);
  if (port == 2152) {
    carrier.u8(0x30).u8(0xff).be16(0).be32(0x0badcafe);  // GTPv1 G-PDU, TEID
  } else if (port == 6081) {
    carrier.u8(0x02).u8(0x40).be16(0x6558).be32(0x00123400);  // 2 option words, C; VNI
    carrier.be16(0x0102).u8(0x80).u8(1).be32(0);              // class, type, length 1 word, data
    carrier.ethernet(innerIpv6 ? ethertype::kIpv6 : ethertype::kIpv4, 7);
  } else {
    carrier.u8(0x08).zeros(3).be32(0x00123400).ethernet(innerIpv6 ? ethertype::kIpv6 : ethertype::kIpv4, 7);
  }
  *innerAt = carrier.size();
  if (innerIpv6) {
    carrier.ipv6(ipproto::kUdp, 1, 2, 30).udp(1234, 80);
  } else {
    carrier.ipv4(ipproto::kTcp, ip4(10, 1, 1, 1), ip4(10, 2, 2, 2), 0, 30)
        .tcp(1234, 80, 11, 22, tcpflag::kAck);
  }
  for (size_t i = 0; i < payloadBytes; ++i) carrier.u8(uint8_t(i));
  carrier.finish();
  if (port == 2152) carrier.patch16(8 + 2, uint16_t(carrier.size() - 16));  // the GTP length
  return carrier.bytes();
}

// The reassembled datagram is a GTP-U (or VXLAN, or Geneve) carrier: the whole packet is decapsulated. L2
// stays the completing frame's; L3/L4 describe the inner packet. The first fragment, which holds the inner
// headers, already counts on the inner packet (its View): addresses, ports, tunnel.
TEST(IpReassembler, TunnelInsideTheReassembledDatagram) {
  for (const uint16_t port : {uint16_t(2152), uint16_t(4789), uint16_t(6081)}) {
    SCOPED_TRACE(port);
    const TunnelType tunnel = port == 2152   ? TunnelType::kGtpU
                              : port == 4789 ? TunnelType::kVxlan
                                             : TunnelType::kGeneve;
    size_t innerAt = 0;
    const Bytes payload = tunnelCarrier(port, false, 2000, &innerAt);

    Ipv4Fragments fragments;
    fragments.vlan = 100;
    const Bytes first = fragments.frame(payload, 0, 1480, true);
    fragments.macSeed = 2;  // another frame's MACs: the completing one's are kept
    const Bytes second = fragments.frame(payload, 1480, payload.size(), false);

    Reader reader;
    const Fed piece = reader.feed(first, 0);
    EXPECT_TRUE(piece.whole.empty());
    EXPECT_EQ(piece.packet.fragmentRole, FragmentRole::kPiece);
    EXPECT_EQ(piece.packet.malformed, MalformedReason::kNone);
    EXPECT_EQ(piece.packet.tunnel, tunnel);
    EXPECT_EQ(piece.packet.tunnelDepth, 1);
    EXPECT_EQ(piece.packet.srcIp, IpAddress::v4(ip4(10, 1, 1, 1)));
    EXPECT_EQ(piece.packet.outerSrcIp, IpAddress::v4(kSrc));
    EXPECT_TRUE(piece.packet.isTcp());
    EXPECT_EQ(piece.packet.dstPort, 80);
    EXPECT_EQ(piece.packet.ipOffset, 18);  // the carrier's header: its frame fields stay
    EXPECT_EQ(piece.packet.ipTotalLength, 1500u);

    const Fed fed = reader.feed(second, 1);
    ASSERT_FALSE(fed.whole.empty());
    const DecodedPacket& p = fed.packet;
    EXPECT_EQ(p.malformed, MalformedReason::kNone);
    EXPECT_EQ(p.fragmentRole, FragmentRole::kReassembled);
    EXPECT_EQ(p.tunnel, tunnel);
    EXPECT_EQ(p.tunnelDepth, 1);
    EXPECT_EQ(p.tunnelId, port == 2152 ? 0x0badcafeu : 0x1234u);
    EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kSrc));
    EXPECT_EQ(p.outerDstIp, IpAddress::v4(kDst));
    EXPECT_EQ(p.srcIp, IpAddress::v4(ip4(10, 1, 1, 1)));
    EXPECT_EQ(p.dstIp, IpAddress::v4(ip4(10, 2, 2, 2)));
    EXPECT_EQ(p.ttl, 30);
    EXPECT_EQ(p.ipOffset, 14 + 4 + 20 + innerAt);
    EXPECT_TRUE(p.isTcp());
    EXPECT_EQ(p.srcPort, 1234);
    EXPECT_EQ(p.dstPort, 80);
    EXPECT_EQ(p.tcpFlags, tcpflag::kAck);
    EXPECT_EQ(p.payloadLength, 2000u);
    EXPECT_EQ(fed.whole[p.payloadOffset + 1999], uint8_t(1999));
    // Layer 2: the completing frame's, the outermost.
    const DecodedPacket secondAlone = test::decodeVector(second);
    EXPECT_EQ(p.srcMac, secondAlone.srcMac);
    EXPECT_EQ(p.dstMac, secondAlone.dstMac);
    EXPECT_NE(p.srcMac, piece.packet.srcMac);
    EXPECT_EQ(p.outerVlan, 100);
    EXPECT_EQ(p.vlanCount, 1);
    EXPECT_EQ(p.macProtocol, ethertype::kIpv4);
    EXPECT_EQ(p.l2PayloadLength, secondAlone.l2PayloadLength);
    EXPECT_EQ(p.wireLength, second.size());
  }
}

// The fragment that completes a datagram is described by the whole datagram alone, never by the view
// the earlier fragments took: here an IPv6 packet in a GTP-U carrier over IPv4, in three fragments and
// every order (the view's IP version, 6, is not the carrier's header's at the fragment's ipOffset).
TEST(IpReassembler, CompletingFragmentTakesNoView) {
  size_t innerAt = 0;
  const Bytes payload = tunnelCarrier(2152, true, 2500, &innerAt);  // 8 + 8 + 40 + 8 + 2500 bytes
  const std::vector<Bytes> frames = Ipv4Fragments().cut(payload, {0, 1480, 2000});
  std::vector<size_t> order = {0, 1, 2};
  do {
    SCOPED_TRACE(::testing::Message() << "order " << order[0] << order[1] << order[2]);
    Reader reader;
    bool firstSeen = false;
    for (size_t k = 0; k < 3; ++k) {
      const size_t i = order[k];
      const Fed fed = reader.feed(frames[i], PacketTime(k));
      const DecodedPacket& p = fed.packet;
      EXPECT_EQ(p.malformed, MalformedReason::kNone);
      if (k < 2) {
        firstSeen = firstSeen || i == 0;
        ASSERT_TRUE(fed.whole.empty());
        EXPECT_EQ(p.fragmentRole, FragmentRole::kPiece);
        EXPECT_EQ(p.ipOffset, 14);
        EXPECT_EQ(p.fragmentIpVersion, 4);  // an IPv4 fragment, whatever view it takes
        if (firstSeen) {  // the inner packet's view
          EXPECT_EQ(p.ipVersion, 6);
          EXPECT_EQ(p.tunnel, TunnelType::kGtpU);
          EXPECT_TRUE(p.isUdp());
          EXPECT_EQ(p.srcPort, 1234);
        } else {  // the carrier's own decoding
          EXPECT_EQ(p.ipVersion, 4);
          EXPECT_EQ(p.tunnel, TunnelType::kNone);
          EXPECT_FALSE(p.hasPorts);
        }
        continue;
      }
      ASSERT_FALSE(fed.whole.empty());
      EXPECT_EQ(fed.whole.size(), 14 + 20 + payload.size());
      EXPECT_EQ(fed.whole[14] >> 4, 4);  // the carrier's header, patched as IPv4
      EXPECT_EQ((fed.whole[16] << 8) | fed.whole[17], 20 + payload.size());
      EXPECT_EQ(fed.whole[20] & 0x3f, 0);
      EXPECT_EQ(p.fragmentRole, FragmentRole::kReassembled);
      EXPECT_EQ(p.fragmentIpVersion, 4);
      EXPECT_EQ(p.ipVersion, 6);
      EXPECT_EQ(p.ipOffset, 14 + 20 + innerAt);
      EXPECT_EQ(p.tunnel, TunnelType::kGtpU);
      EXPECT_EQ(p.tunnelDepth, 1);
      EXPECT_EQ(p.tunnelId, 0x0badcafeu);
      EXPECT_EQ(p.outerSrcIp, IpAddress::v4(kSrc));
      EXPECT_EQ(p.srcIp.bytes[15], 1);
      EXPECT_EQ(p.ttl, 30);
      EXPECT_TRUE(p.isUdp());
      EXPECT_EQ(p.srcPort, 1234);
      EXPECT_EQ(p.dstPort, 80);
      EXPECT_EQ(p.payloadLength, 2500u);
    }
    EXPECT_EQ(reader.reassembler.stats().datagrams, 1u);
  } while (std::next_permutation(order.begin(), order.end()));
}

// --- overlaps, sizes ---

TEST(IpReassembler, RepeatedAndAgreeingOverlapsAreAccepted) {
  const Bytes segment = udpSegment(5353, 53, 3000);
  const Ipv4Fragments fragments;
  const std::vector<Bytes> frames = fragments.cut(segment, {0, 1480, 2960});
  Reader reader;
  EXPECT_TRUE(reader.feed(frames[0], 0).whole.empty());
  EXPECT_TRUE(reader.feed(frames[1], 1).whole.empty());
  const Fed repeated = reader.feed(frames[1], 2);
  EXPECT_EQ(repeated.packet.malformed, MalformedReason::kNone);
  EXPECT_EQ(repeated.packet.fragmentRole, FragmentRole::kPiece);
  // [1000, 2000) overlaps both with the same bytes.
  const Fed overlap = reader.feed(fragments.frame(segment, 1000, 2000, true), 3);
  EXPECT_EQ(overlap.packet.malformed, MalformedReason::kNone);
  EXPECT_TRUE(overlap.whole.empty());
  const Fed last = reader.feed(frames[2], 4);
  ASSERT_FALSE(last.whole.empty());
  EXPECT_TRUE(sameBytes(last.whole, 34, segment));
  EXPECT_EQ(reader.reassembler.stats().fragments, 5u);
  EXPECT_EQ(reader.reassembler.stats().datagrams, 1u);
  EXPECT_EQ(reader.reassembler.stats().malformed, 0u);
}

// Overlapping bytes that differ (RFC 5722) drop the datagram; the fragment that shows the difference
// is the damaged packet.
TEST(IpReassembler, OverlapWithDifferentBytesDropsTheDatagram) {
  const Bytes segment = udpSegment(5353, 53, 3000);
  Bytes changed = segment;
  changed[1600] ^= 0xff;
  const Ipv4Fragments fragments;
  const std::vector<Bytes> frames = fragments.cut(segment, {0, 1480, 2960});

  Reader reader;
  reader.feed(frames[0], 0);
  reader.feed(frames[1], 1);
  const Fed conflicting = reader.feed(fragments.frame(changed, 1480, 2960, true), 2);
  EXPECT_EQ(conflicting.packet.malformed, MalformedReason::kOverlappingIpFragment);
  EXPECT_EQ(conflicting.packet.fragmentRole, FragmentRole::kPiece);
  EXPECT_TRUE(conflicting.whole.empty());
  EXPECT_EQ(reader.reassembler.stats().malformed, 1u);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
  // The old pieces are gone: the last fragment starts a new datagram that is not whole.
  const Fed last = reader.feed(frames[2], 3);
  EXPECT_TRUE(last.whole.empty());
  EXPECT_EQ(last.packet.malformed, MalformedReason::kNone);
  EXPECT_EQ(last.packet.fragmentRole, FragmentRole::kPiece);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 1u);
  EXPECT_EQ(reader.reassembler.stats().datagrams, 0u);

  // A difference in bytes not received yet is no overlap; the fragment that brings the other
  // version later is the damaged one.
  Reader second;
  second.feed(frames[0], 0);
  EXPECT_EQ(second.feed(fragments.frame(changed, 1000, 2000, true), 1).packet.malformed,
            MalformedReason::kNone);
  EXPECT_EQ(second.feed(frames[1], 2).packet.malformed, MalformedReason::kOverlappingIpFragment);
  EXPECT_EQ(second.reassembler.stats().malformed, 1u);
  EXPECT_EQ(second.reassembler.datagramsInProgress(), 0u);
}

// An IPv4 datagram ends by 65535 bytes (its header included): a fragment's end beyond that drops it.
TEST(IpReassembler, Ipv4DatagramBeyond65535BytesIsDropped) {
  const Bytes data(64, 0x5a);
  const Ipv4Fragments fragments;
  // The last possible end: 65535 - 20 bytes of data; offset 65512 = 8189 * 8.
  Bytes fits = fragments.frame(data, 0, 3, false);
  fits[14 + 6] = uint8_t(65512 / 8 >> 8);
  fits[14 + 7] = uint8_t(65512 / 8);
  Bytes beyond = fragments.frame(data, 0, 4, false);
  beyond[14 + 6] = fits[14 + 6];
  beyond[14 + 7] = fits[14 + 7];

  Reader reader;
  const Fed ok = reader.feed(fits, 0);
  EXPECT_EQ(ok.packet.fragmentOffset, 65512);
  EXPECT_EQ(ok.packet.malformed, MalformedReason::kNone);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 1u);
  reader.reassembler.finish();

  Reader tooLarge;
  const Fed bad = tooLarge.feed(beyond, 0);  // alone
  EXPECT_EQ(bad.packet.malformed, MalformedReason::kIpDatagramTooLarge);
  EXPECT_EQ(bad.packet.fragmentRole, FragmentRole::kPiece);
  EXPECT_EQ(tooLarge.reassembler.stats().malformed, 1u);
  EXPECT_EQ(tooLarge.reassembler.datagramsInProgress(), 0u);
  // With its datagram in progress: the datagram is dropped.
  const Bytes segment = udpSegment(5353, 53, 3000);
  tooLarge.feed(fragments.frame(segment, 0, 1480, true), 1);
  EXPECT_EQ(tooLarge.reassembler.datagramsInProgress(), 1u);
  EXPECT_EQ(tooLarge.feed(beyond, 2).packet.malformed, MalformedReason::kIpDatagramTooLarge);
  EXPECT_EQ(tooLarge.reassembler.stats().malformed, 2u);
  EXPECT_EQ(tooLarge.reassembler.datagramsInProgress(), 0u);
  // A frame that does not complete the datagram was returned for nothing.
  EXPECT_EQ(tooLarge.reassembler.stats().datagrams, 0u);
}

// The first fragment's header counts: with 4 bytes of options, data ending at 65515 (which fits the
// last fragment's 20-byte header) makes a 65539-byte datagram, dropped when it would be whole.
TEST(IpReassembler, Ipv4FirstFragmentOptionsCountInTheDatagramLength) {
  Bytes payload(65515);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(i);
  Ipv4Fragments fragments;
  fragments.protocol = 253;  // experimental: no L4 header to decode
  fragments.optionWords = 1;
  Reader reader;
  EXPECT_TRUE(reader.feed(fragments.frame(payload, 0, 32768, true), 0).whole.empty());
  const Fed last = reader.feed(fragments.frame(payload, 32768, payload.size(), false), 1);
  EXPECT_TRUE(last.whole.empty());
  EXPECT_EQ(last.packet.malformed, MalformedReason::kIpDatagramTooLarge);
  EXPECT_EQ(reader.reassembler.stats().malformed, 1u);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);

  // Without the options the same data is a datagram of exactly 65535 bytes.
  fragments.optionWords = 0;
  Reader fits;
  fits.feed(fragments.frame(payload, 0, 32768, true), 0);
  const Fed whole = fits.feed(fragments.frame(payload, 32768, payload.size(), false), 1);
  ASSERT_EQ(whole.whole.size(), 14u + 65535);
  EXPECT_EQ(whole.packet.ipTotalLength, 65535u);
  EXPECT_EQ(whole.packet.payloadLength, 65515u);
  EXPECT_TRUE(sameBytes(whole.whole, 34, payload));
}

TEST(IpReassembler, Ipv6DatagramBeyond65535BytesIsDropped) {
  const Bytes data(64, 0x5a);
  Ipv6Fragments fragments;
  fragments.destinationOptions = false;
  fragments.next = 253;
  // The whole packet's payload length at most 65535 (RFC 8200 4.5; the fragment header is not part
  // of it), so data may end at 65535.
  Reader reader;
  // Offset 0 and no M: an atomic fragment (RFC 6946), a whole packet, not offered to reassembly.
  EXPECT_FALSE(reader.feed(fragments.frame(data, 0, 7, false), 0).packet.isFragment);
  EXPECT_EQ(reader.reassembler.stats().fragments, 0u);
  auto at = [&](size_t length) {
    Bytes frame = fragments.frame(data, 0, length, false);
    frame[14 + 40 + 2] = uint8_t(65520 >> 8);
    frame[14 + 40 + 3] = uint8_t(65520 & 0xf8);
    return frame;
  };
  EXPECT_EQ(reader.feed(at(15), 1).packet.malformed, MalformedReason::kNone);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 1u);
  EXPECT_EQ(reader.feed(at(16), 2).packet.malformed, MalformedReason::kIpDatagramTooLarge);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
  EXPECT_EQ(reader.reassembler.stats().malformed, 1u);
}

// Fragments that disagree on where the datagram ends.
TEST(IpReassembler, FragmentsDisagreeingOnTheEndDropTheDatagram) {
  const Bytes segment = udpSegment(5353, 53, 3000);
  const Ipv4Fragments fragments;
  {
    SCOPED_TRACE("two last fragments");
    Reader reader;
    EXPECT_EQ(reader.feed(fragments.frame(segment, 1480, 1580, false), 1).packet.malformed,
              MalformedReason::kNone);
    EXPECT_EQ(reader.feed(fragments.frame(segment, 1480, 1680, false), 2).packet.malformed,
              MalformedReason::kIpDatagramTooLarge);
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
    EXPECT_EQ(reader.reassembler.stats().malformed, 1u);
  }
  {
    SCOPED_TRACE("a fragment beyond the known end");
    Reader reader;
    reader.feed(fragments.frame(segment, 1480, 2000, false), 0);
    EXPECT_EQ(reader.feed(fragments.frame(segment, 2000, 2008, true), 1).packet.malformed,
              MalformedReason::kIpDatagramTooLarge);
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
  }
  {
    SCOPED_TRACE("a last fragment ending before data already received");
    Reader reader;
    reader.feed(fragments.frame(segment, 2960, 3008, true), 0);
    EXPECT_EQ(reader.feed(fragments.frame(segment, 1480, 2000, false), 1).packet.malformed,
              MalformedReason::kIpDatagramTooLarge);
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
  }
  {
    SCOPED_TRACE("the same last fragment twice");
    Reader reader;
    reader.feed(fragments.frame(segment, 1480, 3008, false), 0);
    reader.feed(fragments.frame(segment, 1480, 3008, false), 1);
    const Fed first = reader.feed(fragments.frame(segment, 0, 1480, true), 2);
    EXPECT_EQ(first.packet.malformed, MalformedReason::kNone);
    EXPECT_EQ(first.packet.payloadLength, 3000u);
    EXPECT_EQ(first.packet.fragmentRole, FragmentRole::kReassembled);
  }
}

}  // namespace
}  // namespace netmeter::reassembly_test
