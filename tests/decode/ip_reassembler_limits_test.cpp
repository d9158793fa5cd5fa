// IP reassembly (decode/ip_reassembler.h): the timeout, the memory limit, fragments it cannot use, the
// end of the input, what identifies a datagram, and real captures (fragment_builder.h drives it as
// the reader does).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "capture_reader.h"
#include "decode/ip_reassembler.h"
#include "fragment_builder.h"
#include "test_paths.h"

namespace netmeter::reassembly_test {
namespace {

// --- limits ---

// Incomplete datagrams are given up `timeout` of packet time after their first fragment.
TEST(IpReassembler, TimeoutByPacketTime) {
  const Bytes segment = udpSegment(5353, 53, 3000);
  const std::vector<Bytes> frames = Ipv4Fragments().cut(segment, {0, 1480, 2960});
  {
    SCOPED_TRACE("within the timeout");
    Reader reader;  // 30 s
    reader.feed(frames[0], 100 * kSecond);
    reader.feed(frames[1], 115 * kSecond);
    EXPECT_FALSE(reader.feed(frames[2], 130 * kSecond).whole.empty());
    EXPECT_EQ(reader.reassembler.stats().incomplete, 0u);
  }
  {
    SCOPED_TRACE("beyond: counted from the first fragment, not the last");
    Reader reader;
    reader.feed(frames[0], 100 * kSecond);
    reader.feed(frames[1], 115 * kSecond);
    const Fed late = reader.feed(frames[2], 130 * kSecond + 1);
    EXPECT_TRUE(late.whole.empty());
    EXPECT_EQ(late.packet.fragmentRole, FragmentRole::kPiece);
    EXPECT_EQ(reader.reassembler.stats().incomplete, 1u);
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 1u);  // the late fragment's new datagram
    reader.reassembler.finish();
    EXPECT_EQ(reader.reassembler.stats().incomplete, 2u);
  }
  {
    SCOPED_TRACE("a shorter timeout; packet time only ever moves forward");
    Reader reader({int64_t{8} << 20, 2 * kSecond});
    reader.feed(frames[0], 10 * kSecond);
    reader.feed(frames[1], 50 * kSecond);  // gives the first fragment's datagram up, begins another
    EXPECT_EQ(reader.reassembler.stats().incomplete, 1u);
    EXPECT_TRUE(reader.feed(frames[2], 0).whole.empty());  // an older time is taken as the newest
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 1u);
    EXPECT_EQ(reader.reassembler.stats().incomplete, 1u);
  }
}
// A flood of first fragments never makes the buffers exceed the limit: the oldest datagrams are
// given up first, and the one a fragment is added to last.
TEST(IpReassembler, MemoryLimitEvictsTheOldest) {
  constexpr int64_t kLimit = 64 << 10;
  Reader reader({kLimit, 30 * kSecond});
  const Bytes segment = udpSegment(5353, 53, 3000);
  Ipv4Fragments oldOne;
  oldOne.id = 1;
  Ipv4Fragments newOne;
  newOne.id = 2;
  const std::vector<Bytes> old = oldOne.cut(segment, {0, 1480, 2960});
  const std::vector<Bytes> fresh = newOne.cut(segment, {0, 1480, 2960});

  reader.feed(old[0], 0);
  std::mt19937 random(7);
  for (int i = 0; i < 2000; ++i) {
    reader.feed(floodFragment(random, 8 + 8 * (random() % 185)), 1);
    ASSERT_LE(reader.reassembler.memoryBytes(), kLimit) << i;
  }
  const IpReassemblyStats& s = reader.reassembler.stats();
  EXPECT_GT(s.evicted, 0u);
  // Each datagram begun is either still there or was evicted.
  EXPECT_EQ(s.evicted + reader.reassembler.datagramsInProgress(), 2001u);
  EXPECT_GT(reader.reassembler.datagramsInProgress(), 10u);

  // The old datagram was evicted: its other fragments do not complete it.
  EXPECT_TRUE(reader.feed(old[1], 2).whole.empty());
  EXPECT_TRUE(reader.feed(old[2], 2).whole.empty());
  // A datagram begun now is the newest: growing it evicts others, never itself.
  for (const Bytes& frame : fresh) {
    const Fed fed = reader.feed(frame, 3);
    EXPECT_LE(reader.reassembler.memoryBytes(), kLimit);
    if (&frame == &fresh.back()) {
      ASSERT_FALSE(fed.whole.empty());
      EXPECT_EQ(fed.packet.payloadLength, 3000u);
    } else {
      EXPECT_TRUE(fed.whole.empty());
    }
  }
  EXPECT_EQ(s.datagrams, 1u);
  EXPECT_EQ(s.incomplete + s.malformed + s.notCaptured, 0u);
}

// A datagram that alone needs more than the limit is given up.
TEST(IpReassembler, DatagramLargerThanTheLimitIsGivenUp) {
  constexpr int64_t kLimit = 4 << 10;
  Reader reader({kLimit, 30 * kSecond});
  const Bytes segment = udpSegment(5353, 53, 9000);
  const std::vector<Bytes> frames = Ipv4Fragments().cut(segment, {0, 1480, 2960, 4440, 5920, 7400, 8880});
  for (const Bytes& frame : frames) {
    EXPECT_TRUE(reader.feed(frame, 0).whole.empty());
    EXPECT_LE(reader.reassembler.memoryBytes(), kLimit);
  }
  EXPECT_GE(reader.reassembler.stats().evicted, 1u);
  EXPECT_EQ(reader.reassembler.stats().datagrams, 0u);
}

// A fragment dropped as too large may have begun its datagram (and grown the index) first: the
// limit holds after it too.
TEST(IpReassembler, MemoryLimitHoldsAfterDroppedFragments) {
  const Bytes beyondData(16, 1);
  for (int64_t limit : {int64_t{16} << 10, int64_t{24} << 10, int64_t{64} << 10}) {
    for (size_t dataBytes = 8; dataBytes <= 1480; dataBytes += 24) {
      Reader reader({limit, 30 * kSecond});
      std::mt19937 random{uint32_t(dataBytes)};
      for (int i = 0; i < 400; ++i) {
        reader.feed(floodFragment(random, dataBytes), 0);
        ASSERT_LE(reader.reassembler.memoryBytes(), limit) << "limit " << limit << ", data " << dataBytes;
        Ipv4Fragments f;  // a new datagram whose only fragment ends beyond 65535 bytes
        f.src = uint32_t(random());
        Bytes beyond = f.frame(beyondData, 0, 16, false);
        beyond[14 + 6] = 0x1f;
        beyond[14 + 7] = 0xff;
        EXPECT_EQ(reader.feed(beyond, 0).packet.malformed, MalformedReason::kIpDatagramTooLarge);
        ASSERT_LE(reader.reassembler.memoryBytes(), limit) << "limit " << limit << ", data " << dataBytes;
      }
    }
  }
}

// --- fragments reassembly cannot use ---

TEST(IpReassembler, FragmentCutBySnapLengthIsAnalyzedAlone) {
  const Bytes segment = udpSegment(5353, 53, 3000);
  const std::vector<Bytes> frames = Ipv4Fragments().cut(segment, {0, 1480, 2960});
  {
    SCOPED_TRACE("a datagram in progress");
    Reader reader;
    reader.feed(frames[0], 0);
    const Bytes cut(frames[1].begin(), frames[1].begin() + 600);
    const Fed fed = reader.feed(cut, 1, frames[1].size());
    EXPECT_EQ(fed.packet.malformed, MalformedReason::kNone);  // a snap length is no damage
    EXPECT_TRUE(fed.packet.isFragment);
    EXPECT_EQ(fed.packet.fragmentRole, FragmentRole::kNone);
    EXPECT_EQ(reader.reassembler.stats().notCaptured, 1u);
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
    EXPECT_TRUE(reader.feed(frames[2], 2).whole.empty());
    EXPECT_TRUE(reader.feed(frames[1], 3).whole.empty());  // the first fragment's data is gone
  }
  {
    SCOPED_TRACE("nothing in progress; a cut first fragment keeps its ports");
    Reader reader;
    const Bytes cut(frames[0].begin(), frames[0].begin() + 200);
    const Fed fed = reader.feed(cut, 0, frames[0].size());
    EXPECT_EQ(fed.packet.fragmentRole, FragmentRole::kNone);
    EXPECT_TRUE(fed.packet.isUdp());
    EXPECT_EQ(fed.packet.dstPort, 53);
    EXPECT_EQ(reader.reassembler.stats().notCaptured, 0u);
    EXPECT_EQ(reader.reassembler.stats().fragments, 1u);
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
  }
}

TEST(IpReassembler, FragmentWithoutAUsableIpLengthIsAnalyzedAlone) {
  const Bytes segment = udpSegment(5353, 53, 3000);
  const Ipv4Fragments fragments;
  const std::vector<Bytes> frames = fragments.cut(segment, {0, 1480, 2960});
  Reader reader;
  reader.feed(frames[0], 0);

  Bytes longer = frames[1];  // IPv4 total length 100 bytes beyond the frame on the wire
  const uint16_t total = uint16_t((longer[16] << 8 | longer[17]) + 100);
  longer[16] = uint8_t(total >> 8);
  longer[17] = uint8_t(total);
  Fed fed = reader.feed(longer, 1);
  EXPECT_EQ(fed.packet.malformed, MalformedReason::kBadIpv4TotalLength);
  EXPECT_EQ(fed.packet.fragmentRole, FragmentRole::kNone);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 1u);  // the datagram is left as it was

  Bytes tso = frames[1];  // total length 0: a TSO capture's
  tso[16] = tso[17] = 0;
  fed = reader.feed(tso, 2);
  EXPECT_EQ(fed.packet.fragmentRole, FragmentRole::kNone);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 1u);

  Bytes v6 = Ipv6Fragments().frame(segment, 1440, 2880, true);  // IPv6 payload length beyond the frame
  v6[14 + 4] = uint8_t(v6[14 + 4] + 1);
  fed = reader.feed(v6, 3);
  EXPECT_EQ(fed.packet.malformed, MalformedReason::kBadIpv6PayloadLength);
  EXPECT_EQ(fed.packet.fragmentRole, FragmentRole::kNone);

  EXPECT_EQ(reader.reassembler.stats().fragments, 4u);
  EXPECT_EQ(reader.reassembler.stats().notCaptured, 0u);
  // The datagram still completes with its real fragments.
  reader.feed(frames[1], 4);
  EXPECT_FALSE(reader.feed(frames[2], 5).whole.empty());
}

// --- the end of the input; what identifies a datagram ---

TEST(IpReassembler, FinishGivesUpWhatIsInProgressAndFreesIt) {
  IpReassembler fresh({});
  EXPECT_EQ(fresh.memoryBytes(), 0);

  Reader reader;
  std::mt19937 random(11);
  for (int i = 0; i < 100; ++i) reader.feed(floodFragment(random, 1480), 0);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 100u);
  EXPECT_GT(reader.reassembler.memoryBytes(), 100 * 1480);
  reader.reassembler.finish();
  EXPECT_EQ(reader.reassembler.stats().incomplete, 100u);
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 0u);
  EXPECT_EQ(reader.reassembler.memoryBytes(), fresh.memoryBytes());
  reader.reassembler.finish();  // twice: nothing more
  EXPECT_EQ(reader.reassembler.stats().incomplete, 100u);
}

TEST(IpReassembler, VlanProtocolAndInterfaceSeparateDatagrams) {
  const Bytes segment = udpSegment(5353, 53, 3000);
  Ipv4Fragments vlan10;
  vlan10.vlan = 10;
  Ipv4Fragments vlan20 = vlan10;
  vlan20.vlan = 20;
  {
    SCOPED_TRACE("VLANs");
    Reader reader;
    const std::vector<Bytes> a = vlan10.cut(segment, {0, 1480, 2960});
    const std::vector<Bytes> b = vlan20.cut(segment, {0, 1480, 2960});
    reader.feed(a[0], 0);
    EXPECT_TRUE(reader.feed(b[1], 0).whole.empty());
    EXPECT_TRUE(reader.feed(b[2], 0).whole.empty());
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 2u);
    reader.feed(a[1], 0);
    const Fed whole = reader.feed(a[2], 0);
    ASSERT_FALSE(whole.whole.empty());
    EXPECT_EQ(whole.packet.outerVlan, 10);
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 1u);
  }
  {
    SCOPED_TRACE("IPv4 protocol");
    Reader reader;
    Ipv4Fragments other;
    other.protocol = 253;
    reader.feed(Ipv4Fragments().frame(segment, 0, 1480, true), 0);
    EXPECT_TRUE(reader.feed(other.frame(segment, 1480, 2960, true), 0).whole.empty());
    EXPECT_TRUE(reader.feed(other.frame(segment, 2960, 3008, false), 0).whole.empty());
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 2u);
  }
  {
    SCOPED_TRACE("interfaces");
    Reader reader;
    const std::vector<Bytes> a = Ipv4Fragments().cut(segment, {0, 1480, 2960});
    reader.feed(a[0], 0, 0, 1);
    reader.feed(a[1], 0, 0, 2);
    EXPECT_TRUE(reader.feed(a[2], 0, 0, 2).whole.empty());
    EXPECT_EQ(reader.reassembler.datagramsInProgress(), 2u);
    EXPECT_TRUE(reader.feed(a[1], 0, 0, 1).whole.empty());
    EXPECT_FALSE(reader.feed(a[2], 0, 0, 1).whole.empty());
  }
}

// Fragments inside a tunnel (IP-in-IP here) are told apart by the tunnel around them: two tunnels
// carrying the same inner addresses and identification make two datagrams.
TEST(IpReassembler, TunnelsAroundFragmentsSeparateDatagrams) {
  const Bytes segment = udpSegment(5353, 53, 3000);
  const std::vector<Bytes> inner = Ipv4Fragments().cut(segment, {0, 1480, 2960});
  auto inTunnel = [](const Bytes& frame, uint32_t outerSrc) {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv4).ipv4(ipproto::kIpIp, outerSrc, 0x0a000063);
    b.append(frame.data() + 14, frame.size() - 14).finish();  // the inner IP packet, without Ethernet
    return b.bytes();
  };
  Reader reader;
  reader.feed(inTunnel(inner[0], 0x0a000001), 0);
  reader.feed(inTunnel(inner[1], 0x0a000002), 0);
  const Fed other = reader.feed(inTunnel(inner[2], 0x0a000002), 0);
  EXPECT_EQ(other.packet.tunnelDepth, 1);
  EXPECT_EQ(other.packet.fragmentRole, FragmentRole::kPiece);
  EXPECT_TRUE(other.whole.empty());
  EXPECT_EQ(reader.reassembler.datagramsInProgress(), 2u);
  reader.feed(inTunnel(inner[1], 0x0a000001), 0);
  const Fed whole = reader.feed(inTunnel(inner[2], 0x0a000001), 0);
  ASSERT_FALSE(whole.whole.empty());
  EXPECT_EQ(whole.packet.outerSrcIp, IpAddress::v4(0x0a000001));
  EXPECT_EQ(whole.packet.payloadLength, 3000u);
}

// --- real captures ---

// Drives a capture through the reassembler; returns every packet as the reader hands it on.
std::vector<DecodedPacket> reassembleCapture(const std::string& relative, IpReassemblyStats* stats) {
  std::string error;
  const std::vector<test::CapturedPacket> packets = test::readCapture(test::sharedPcap(relative), &error);
  EXPECT_TRUE(error.empty()) << error;
  IpReassembler reassembler({});
  std::vector<DecodedPacket> out;
  for (const test::CapturedPacket& packet : packets) {
    DecodedPacket p = packet.decoded;
    if (p.isFragment) {
      const std::span<const uint8_t> whole = reassembler.add(packet.bytes.data(), p);
      if (!whole.empty()) decodeReassembled(whole.data(), uint32_t(whole.size()), p);
    }
    out.push_back(p);
  }
  reassembler.finish();
  *stats = reassembler.stats();
  return out;
}

// Zeek core.ipv6-frag (ipv6-fragmented-dns.pcap): the second TXT answer, in fragments, is one UDP
// datagram of 3238 bytes (ulen=3238) from 2607:f740:b::f93 port 53 to port 51851.
TEST(IpReassembler, ZeekIpv6FragmentedDns) {
  IpReassemblyStats stats;
  const std::vector<DecodedPacket> packets =
      reassembleCapture("zeek/traces/ipv6-fragmented-dns.pcap", &stats);
  ASSERT_FALSE(packets.empty());
  std::vector<const DecodedPacket*> whole;
  for (const DecodedPacket& p : packets) {
    EXPECT_EQ(p.malformed, MalformedReason::kNone);
    if (p.fragmentRole == FragmentRole::kReassembled) whole.push_back(&p);
  }
  ASSERT_EQ(whole.size(), 1u);  // frames 6-8 (ident 2)
  EXPECT_TRUE(whole[0]->isUdp());
  EXPECT_EQ(whole[0]->srcIp, *IpAddress::parse("2607:f740:b::f93"));
  EXPECT_EQ(whole[0]->srcPort, 53);
  EXPECT_EQ(whole[0]->dstPort, 51851);
  EXPECT_EQ(whole[0]->payloadLength, 3238u - 8);
  EXPECT_EQ(stats.fragments, 4u);
  EXPECT_EQ(stats.datagrams, 1u);
  EXPECT_EQ(stats.incomplete, 1u);  // frame 4, a last fragment (ident 1) alone in the capture
  EXPECT_EQ(stats.evicted + stats.malformed + stats.notCaptured, 0u);
}

// Zeek core.tunnels.gtp.outer_ip_frag (gtp1_gn_normal_incl_fragmentation.pcap): GTP-U whose outer
// IPv4 is fragmented. Zeek's conn.log: the inner HTTP connection 10.131.47.185:1923 ->
// 79.101.110.141:80 has 27 packets one way and 41 the other, as does the GTP carrier: every
// datagram, fragmented or not, is decapsulated. Four first fragments (frames 56, 80, 90, 92) have no
// second one in the capture (tshark reassembles none of them either).
TEST(IpReassembler, ZeekGtpWithOuterFragments) {
  IpReassemblyStats stats;
  const std::vector<DecodedPacket> packets =
      reassembleCapture("zeek/traces/tunnels/gtp/gtp1_gn_normal_incl_fragmentation.pcap", &stats);
  ASSERT_FALSE(packets.empty());
  const IpAddress client = *IpAddress::parse("10.131.47.185");
  const IpAddress server = *IpAddress::parse("79.101.110.141");
  size_t toServer = 0, toClient = 0, pieces = 0;
  for (const DecodedPacket& p : packets) {
    EXPECT_EQ(p.malformed, MalformedReason::kNone);
    // Every frame, pieces included, counts on the inner connection (the first fragments hold the inner
    // headers and come first): a piece with the inner addresses and ports, the whole datagram at its
    // last fragment, a tunnel depth of 1 for both.
    EXPECT_EQ(p.tunnel, TunnelType::kGtpU);
    EXPECT_EQ(p.tunnelDepth, 1);
    EXPECT_TRUE(p.srcIp == client || p.srcIp == server) << p.srcIp.toString();
    EXPECT_TRUE(p.isTcp());
    if (p.fragmentRole == FragmentRole::kPiece) {
      ++pieces;
      continue;
    }
    if (p.srcIp == client && p.dstIp == server && p.srcPort == 1923 && p.dstPort == 80 && p.isTcp())
      ++toServer;
    if (p.srcIp == server && p.dstIp == client && p.srcPort == 80 && p.dstPort == 1923 && p.isTcp())
      ++toClient;
  }
  EXPECT_EQ(toServer, 27u);
  EXPECT_EQ(toClient, 41u);
  EXPECT_EQ(pieces + toServer + toClient, packets.size());
  EXPECT_EQ(stats.fragments, 76u);
  EXPECT_EQ(stats.datagrams, 36u);
  EXPECT_EQ(pieces, 40u);
  EXPECT_EQ(stats.incomplete, 4u);
  EXPECT_EQ(stats.evicted + stats.malformed + stats.notCaptured, 0u);
}

}  // namespace
}  // namespace netmeter::reassembly_test
