// Every MalformedReason from a crafted packet, truncation at every byte offset of multi-layer
// packets (run under ASan/UBSan: no read past capturedLength), and replay of fuzz reproducers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "packet_builder.h"
#include "test_paths.h"

namespace netmeter {
namespace {

using test::ip4;
using test::PacketBuilder;

struct MalformedCase {
  std::string name;
  std::vector<uint8_t> bytes;
  uint16_t linkType;
  MalformedReason expected;
};

std::vector<MalformedCase> malformedCases() {
  std::vector<MalformedCase> cases;
  const auto add = [&](std::string name, std::vector<uint8_t> bytes, MalformedReason reason,
                       uint16_t link = 1) {
    cases.push_back({std::move(name), std::move(bytes), link, reason});
  };
  add("unsupported link", std::vector<uint8_t>(30, 0), MalformedReason::kUnsupportedLinkType, 999);
  add("short ethernet", std::vector<uint8_t>(13, 0), MalformedReason::kTruncatedLinkHeader);
  {
    PacketBuilder b;
    b.ethernet(ethertype::kVlan).be16(1);
    add("cut vlan tag", b.bytes(), MalformedReason::kTruncatedVlan);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kMplsUnicast).mpls(1, 0, false).be16(0);
    add("cut mpls", b.bytes(), MalformedReason::kTruncatedMpls);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kMplsUnicast);
    for (int i = 0; i < 17; ++i) b.mpls(uint32_t(i), 0, false);
    add("deep mpls", b.bytes(), MalformedReason::kMplsStackTooDeep);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kPppoeSession).raw({0x11, 0, 0, 1, 0});
    add("cut pppoe", b.bytes(), MalformedReason::kTruncatedPppoe);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kArp).be16(1).be16(0x0800).u8(6).u8(4).be16(1).zeros(10);
    add("cut arp", b.bytes(), MalformedReason::kTruncatedArp);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).raw({0x45, 0, 0, 20});
    add("cut ipv4", b.bytes(), MalformedReason::kTruncatedIpv4);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv6(ipproto::kUdp, 1, 2);
    add("ipv4 with version 6", b.bytes(), MalformedReason::kBadIpv4Version);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, 1, 2).finish();
    b.bytes()[14] = 0x44;
    add("ihl 4", b.bytes(), MalformedReason::kBadIpv4HeaderLength);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, 1, 2).finish();
    b.patch16(16, 19);
    add("total length < header", b.bytes(), MalformedReason::kBadIpv4TotalLength);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv6).raw({0x60, 0, 0, 0, 0, 0, 17, 64}).zeros(20);
    add("cut ipv6", b.bytes(), MalformedReason::kTruncatedIpv6);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv6).ipv4(ipproto::kUdp, 1, 2).zeros(20);
    add("ipv6 with version 4", b.bytes(), MalformedReason::kBadIpv6Version);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv6).ipv6(0, 1, 2).u8(ipproto::kUdp).u8(1).zeros(6).finish();
    add("cut hop-by-hop", b.bytes(), MalformedReason::kTruncatedIpv6ExtensionHeader);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv6).ipv6(60, 1, 2);
    for (int i = 0; i < 12; ++i) b.u8(60).u8(0).zeros(6);
    b.finish();
    add("too many extension headers", b.bytes(), MalformedReason::kTooManyIpv6ExtensionHeaders);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kTcp, 1, 2).zeros(10).finish();
    add("cut tcp", b.bytes(), MalformedReason::kTruncatedTcp);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kTcp, 1, 2).tcp(1, 2, 3, 4, 0).finish();
    b.bytes()[14 + 20 + 12] = 0x40;
    add("tcp data offset 4", b.bytes(), MalformedReason::kBadTcpHeaderLength);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, 1, 2).be16(1).be16(2).finish();
    add("cut udp", b.bytes(), MalformedReason::kTruncatedUdp);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, 1, 2).udp(1, 2).zeros(4).finish();
    b.patch16(14 + 20 + 4, 40);
    add("udp length > ip payload", b.bytes(), MalformedReason::kBadUdpLength);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kIcmp, 1, 2).raw({8, 0, 0}).finish();
    add("cut icmp", b.bytes(), MalformedReason::kTruncatedIcmp);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kSctp, 1, 2).zeros(8).finish();
    add("cut sctp", b.bytes(), MalformedReason::kTruncatedSctp);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kGre, 1, 2).be16(0x2000).be16(0x0800).be16(0).finish();
    add("cut gre", b.bytes(), MalformedReason::kTruncatedGre);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, 1, 2).udp(1, 4789).raw({8, 0, 0}).finish();
    add("cut vxlan", b.bytes(), MalformedReason::kTruncatedVxlan);
  }
  {
    PacketBuilder b;  // one option word announced, none there
    b.ethernet(ethertype::kIpv4)
        .ipv4(ipproto::kUdp, 1, 2)
        .udp(1, 6081)
        .raw({1, 0, 0x65, 0x58, 0, 0, 1, 0})
        .finish();
    add("cut geneve options", b.bytes(), MalformedReason::kTruncatedGeneve);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kUdp, 1, 2).udp(2152, 2152).raw({0x30, 0xff, 0, 0}).finish();
    add("cut gtp", b.bytes(), MalformedReason::kTruncatedGtp);
  }
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4);
    for (int i = 0; i < 5; ++i) b.ipv4(ipproto::kIpIp, 1, 2);
    b.ipv4(ipproto::kUdp, 1, 2).udp(1, 2).finish();
    add("five tunnels", b.bytes(), MalformedReason::kTunnelTooDeep);
  }
  add("raw ip version 5", {0x50, 0, 0, 0}, MalformedReason::kBadIpVersion, 101);
  {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv6).ipv6(ipproto::kUdp, 1, 2).udp(1, 2).finish();
    b.patch16(14 + 4, 100);
    add("ipv6 payload length beyond frame", b.bytes(), MalformedReason::kBadIpv6PayloadLength);
  }
  return cases;
}

TEST(DecodeMalformed, EveryReasonHasACraftedPacket) {
  std::set<MalformedReason> seen;
  for (const MalformedCase& c : malformedCases()) {
    const DecodedPacket p = test::decodeBytes(c.bytes.data(), c.bytes.size(), c.linkType);
    EXPECT_EQ(p.malformed, c.expected) << c.name << ": got " << malformedReasonName(p.malformed);
    seen.insert(c.expected);
  }
  for (int i = 1; i < static_cast<int>(MalformedReason::kCount); ++i) {
    const auto reason = static_cast<MalformedReason>(i);
    // Set by IP reassembly, not by decoding one packet (tests/decode/ip_reassembler_test.cpp).
    if (reason == MalformedReason::kOverlappingIpFragment || reason == MalformedReason::kIpDatagramTooLarge) continue;
    EXPECT_TRUE(seen.count(static_cast<MalformedReason>(i)) != 0)
        << "no crafted packet for " << malformedReasonName(static_cast<MalformedReason>(i));
  }
}

TEST(DecodeMalformed, LayersBeforeTheDamageStay) {
  PacketBuilder b;
  b.ethernet(ethertype::kVlan)
      .vlan(7, ethertype::kIpv4)
      .ipv4(ipproto::kTcp, ip4(1, 2, 3, 4), 2)
      .zeros(10)
      .finish();
  const DecodedPacket p = test::decodeVector(b.bytes());
  EXPECT_EQ(p.malformed, MalformedReason::kTruncatedTcp);
  EXPECT_EQ(p.outerVlan, 7);
  EXPECT_EQ(p.srcIp, IpAddress::v4(ip4(1, 2, 3, 4)));
  EXPECT_EQ(p.l4Protocol, ipproto::kTcp);
  EXPECT_FALSE(p.hasPorts);
}

// Truncates `full` at every length (wire length stays the full one, as a snap length would) and
// checks the reason: header bytes cut -> a truncation reason; only payload cut -> no damage.
void truncateEverywhere(const std::vector<uint8_t>& full, uint16_t linkType, size_t headersEnd) {
  for (size_t length = 0; length < full.size(); ++length) {
    // A copy of exactly `length` bytes: ASan flags any read past capturedLength.
    std::vector<uint8_t> bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
    const DecodedPacket p = test::decodeBytes(bytes.data(), bytes.size(), linkType, full.size());
    if (length < headersEnd) {
      EXPECT_NE(p.malformed, MalformedReason::kNone) << "length " << length;
      EXPECT_NE(malformedReasonName(p.malformed).find("truncated"), std::string_view::npos)
          << "length " << length << ": " << malformedReasonName(p.malformed);
    } else {
      EXPECT_EQ(p.malformed, MalformedReason::kNone) << "length " << length;
    }
  }
}

TEST(DecodeMalformed, TruncationAtEveryOffsetVxlan) {
  PacketBuilder b;
  b.ethernet(ethertype::kVlan)
      .vlan(100, ethertype::kIpv4)
      .ipv4(ipproto::kUdp, 1, 2, 0, 64, 0, 1)
      .udp(5, 4789);
  b.raw({8, 0, 0, 0}).be32(0x100).ethernet(ethertype::kIpv6, 2).ipv6(ipproto::kTcp, 1, 2);
  b.tcp(1, 2, 3, 4, tcpflag::kAck, 100, 2).zeros(30).finish();
  truncateEverywhere(b.bytes(), 1, b.size() - 30);
}

TEST(DecodeMalformed, TruncationAtEveryOffsetMplsPppoeGtp) {
  PacketBuilder b;
  b.ethernet(ethertype::kQinQ).vlan(1, ethertype::kVlan).vlan(2, ethertype::kPppoeSession);
  b.raw({0x11, 0}).be16(5).be16(0).be16(0x0021).ipv4(ipproto::kUdp, 1, 2).udp(2152, 2152);
  b.u8(0x34).u8(0xff).be16(0).be32(9).be16(0).u8(0).u8(0x85).u8(1).u8(0).u8(0).u8(0);
  b.ipv6(0, 1, 2).u8(ipproto::kUdp).u8(0).zeros(6).udp(7, 8).zeros(12).finish();
  truncateEverywhere(b.bytes(), 1, b.size() - 12);

  PacketBuilder m;
  m.ethernet(ethertype::kMplsUnicast).mpls(1, 0, false).mpls(2, 0, true).be32(0);
  m.ethernet(ethertype::kIpv4, 2).ipv4(ipproto::kGre, 1, 2).be16(0xb000).be16(0x0800).zeros(12);
  m.ipv4(ipproto::kIcmp, 3, 4).raw({8, 0, 0, 0, 0, 0, 0, 0}).zeros(8).finish();
  truncateEverywhere(m.bytes(), 1, m.size() - 8);
}

TEST(DecodeMalformed, TruncationAtEveryOffsetOtherLinks) {
  PacketBuilder sll2;
  sll2.be16(ethertype::kIpv4).be16(0).be32(1).be16(1).u8(0).u8(6).zeros(8);
  sll2.ipv4(ipproto::kIpv6, 1, 2).ipv6(ipproto::kSctp, 1, 2).zeros(12).zeros(4).finish();
  truncateEverywhere(sll2.bytes(), 276, sll2.size() - 4);

  PacketBuilder ppp;
  ppp.raw({0xff, 0x03}).be16(0x0021).ipv4(ipproto::kUdp, 1, 2).udp(40000, 3544).be16(0).zeros(6);
  ppp.ipv6(ipproto::kIcmpv6, 1, 2).raw({128, 0, 0, 0, 0, 0, 0, 0}).finish();
  // Teredo is recognised only once the inner IPv6 header is there: before that it is plain UDP.
  for (size_t length = 0; length < ppp.size(); ++length) {
    std::vector<uint8_t> bytes(ppp.bytes().begin(),
                               ppp.bytes().begin() + static_cast<std::ptrdiff_t>(length));
    const DecodedPacket p = test::decodeBytes(bytes.data(), bytes.size(), 9, ppp.size());
    if (length < 4 + 28) {
      EXPECT_NE(p.malformed, MalformedReason::kNone) << length;
    }
  }
}

// Reproducers found by fuzz/fuzz_decoder (same input format: 2 bytes link type, big endian, then
// the packet) are replayed here.
TEST(DecodeMalformed, FuzzRegressions) {
  const std::filesystem::path dir = test::fixture("regressions/decode");
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no reproducers";
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<uint8_t> input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (input.size() < 2) continue;
    // Same mapping as fuzz/fuzz_decoder.cpp: the top bit selects a wire length 1000 bytes longer.
    const auto link = static_cast<uint16_t>(((input[0] << 8) | input[1]) & 0x7fff);
    std::vector<uint8_t> packet(input.begin() + 2, input.end());
    const size_t wire = packet.size() + ((input[0] & 0x80) != 0 ? 1000 : 0);
    const DecodedPacket p = test::decodeBytes(packet.data(), packet.size(), link, wire == 0 ? 0 : wire);
    EXPECT_LE(static_cast<int>(p.malformed), static_cast<int>(MalformedReason::kCount)) << entry.path();
    ++replayed;
  }
  SUCCEED() << replayed << " reproducers";
}

}  // namespace
}  // namespace netmeter
