// Golden tests on real captures from ../shared/pcaps, read with libpcap. Expected values were taken
// from the tcpdump outputs next to the captures (tcpdump/*.out, "tcpdump -n -r FILE" decode), from
// tshark 4.0 ("tshark -r FILE -T fields -e ...") and from Zeek baselines; each block says which.
// Packet counts are the capinfos counts in ../shared/pcaps/MANIFEST.tsv.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <string_view>

#include "capture_reader.h"
#include "test_paths.h"

namespace netmeter {
namespace {

using test::ip;
using test::readCapture;
using test::sharedPcap;

std::vector<test::CapturedPacket> load(const std::string& relative, size_t expectedCount) {
  std::string error;
  auto packets = readCapture(sharedPcap(relative), &error);
  EXPECT_TRUE(error.empty()) << relative << ": " << error;
  EXPECT_EQ(packets.size(), expectedCount) << relative;
  return packets;
}

size_t countIf(const std::vector<test::CapturedPacket>& packets, auto predicate) {
  return static_cast<size_t>(
      std::count_if(packets.begin(), packets.end(), [&](const auto& p) { return predicate(p.decoded); }));
}

// tcpdump/802.1ad_QinQ.out (-e): "00:20:d2:5a:fb:3f > ff:ff:ff:ff:ff:ff, ethertype 802.1Q-QinQ (0x88a8),
// length 64: vlan 200, p 0, ethertype 802.1Q (0x8100), vlan 2001, p 0, ethertype ARP (0x0806), Request
// who-has 172.21.79.100 tell 172.21.79.97, length 42"; packet 2 is the reply.
TEST(DecodeGolden, TcpdumpQinQ) {
  const auto packets = load("tcpdump/802.1ad_QinQ.pcap", 2);
  ASSERT_EQ(packets.size(), 2u);
  const DecodedPacket& p = packets[0].decoded;
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.srcMac, *MacAddress::parse("00:20:d2:5a:fb:3f"));
  EXPECT_TRUE(p.dstMac.isBroadcast());
  EXPECT_EQ(p.vlanCount, 2);
  EXPECT_EQ(p.outerVlan, 200);
  EXPECT_EQ(p.innerVlan, 2001);
  EXPECT_EQ(p.vlanPcp, 0);
  EXPECT_EQ(p.macProtocol, ethertype::kArp);
  EXPECT_EQ(p.l2PayloadLength, 42u);
  EXPECT_TRUE(p.isArp);
  EXPECT_EQ(p.arpOperation, 1);
  EXPECT_EQ(p.arpTargetIp, ip("172.21.79.100"));
  EXPECT_EQ(p.arpSenderIp, ip("172.21.79.97"));
  EXPECT_EQ(packets[1].decoded.arpOperation, 2);
  EXPECT_EQ(packets[1].decoded.arpSenderMac, *MacAddress::parse("00:80:ea:81:88:63"));
}

// tcpdump/pppoes.out: "PPPoE [ses 0x17] LCP, Echo-Request", "PPPoE [ses 0x3b] LCP, Echo-Request".
TEST(DecodeGolden, TcpdumpPppoeSession) {
  const auto packets = load("tcpdump/pppoes.pcap", 2);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_TRUE(packets[0].decoded.hasPppoe);
  EXPECT_EQ(packets[0].decoded.pppoeSessionId, 0x17);
  EXPECT_EQ(packets[1].decoded.pppoeSessionId, 0x3b);
  EXPECT_FALSE(packets[0].decoded.isIp());  // LCP
  EXPECT_EQ(packets[0].decoded.malformed, MalformedReason::kNone);
}

// tcpdump/pppoe.out: PADI (discovery, not IP).
TEST(DecodeGolden, TcpdumpPppoeDiscovery) {
  const auto packets = load("tcpdump/pppoe.pcap", 1);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[0].decoded.macProtocol, ethertype::kPppoeDiscovery);
  EXPECT_FALSE(packets[0].decoded.isIp());
  EXPECT_EQ(packets[0].decoded.malformed, MalformedReason::kNone);
}

// tcpdump/mpls-over-udp.out: "IP 10.100.12.170.58699 > 10.100.13.157.6635: MPLS (label 21, tc 0, [S],
// ttl 63) IP 10.3.0.10 > 10.1.0.10: ICMP echo request", packet 2 label 46, echo reply.
TEST(DecodeGolden, TcpdumpMplsOverUdp) {
  const auto packets = load("tcpdump/mpls-over-udp.pcap", 2);
  ASSERT_EQ(packets.size(), 2u);
  const DecodedPacket& p = packets[0].decoded;
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.tunnel, TunnelType::kMplsUdp);
  EXPECT_EQ(p.tunnelId, 21u);
  EXPECT_EQ(p.outerSrcIp, ip("10.100.12.170"));
  EXPECT_EQ(p.outerDstIp, ip("10.100.13.157"));
  EXPECT_EQ(p.srcIp, ip("10.3.0.10"));
  EXPECT_EQ(p.dstIp, ip("10.1.0.10"));
  EXPECT_EQ(p.ttl, 63);
  EXPECT_EQ(p.l4Protocol, ipproto::kIcmp);
  EXPECT_EQ(p.icmpType, 8);
  EXPECT_EQ(packets[1].decoded.tunnelId, 46u);
  EXPECT_EQ(packets[1].decoded.icmpType, 0);
}

// tcpdump/various_gre.out (-v): packet 11 "10.172.64.7 > 10.172.64.6: GREv0, Flags [key present],
// key=0x28, length 44 gre-proto-0x8909" (VLAN 1213 per tshark); packet 12 "length 28" with an empty GRE
// payload. The 0x8909 payload is not IP: the GRE packet stays the decoded one.
TEST(DecodeGolden, TcpdumpVariousGre) {
  const auto packets = load("tcpdump/various_gre.pcap", 100);
  ASSERT_GE(packets.size(), 49u);
  const DecodedPacket& p = packets[10].decoded;
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.outerVlan, 1213);
  EXPECT_EQ(p.srcIp, ip("10.172.64.7"));
  EXPECT_EQ(p.dstIp, ip("10.172.64.6"));
  EXPECT_EQ(p.ttl, 255);
  EXPECT_EQ(p.dscp, 0xc0 >> 2);
  EXPECT_EQ(p.l4Protocol, ipproto::kGre);
  EXPECT_EQ(p.tunnel, TunnelType::kGre);
  EXPECT_EQ(p.tunnelId, 0x28u);
  EXPECT_EQ(p.payloadLength, 44u);
  EXPECT_EQ(packets[11].decoded.ipTotalLength, 28u);
  EXPECT_EQ(packets[11].decoded.malformed, MalformedReason::kNone);
  EXPECT_EQ(packets[48].decoded.ipTotalLength, 381u);
  // Packets 1..10 are Loopback/STP/CDP (not IP) and none of the 92 is damaged.
  EXPECT_FALSE(packets[0].decoded.isIp());
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.malformed != MalformedReason::kNone; }),
            0u);
}

// A packet of tcpdump's -vv output of a Geneve capture (tcpdump/geneve-vv.out): the outer IPv4/UDP
// line, the Geneve line, the inner IPv4 header line and the inner transport line.
struct TcpdumpGenevePacket {
  std::string time;  // as printed: "2015-02-01 22:04:33.817203"
  IpAddress outerSrc, outerDst;
  uint32_t vni = 0;
  IpAddress src, dst;
  uint32_t ttl = 0, ipLength = 0, protocol = 0;
  uint16_t srcPort = 0, dstPort = 0;  // TCP
  std::string tcpFlags;               // tcpdump's letters: "S.", "P.", "."
  int icmpType = -1;                  // echo request 8, reply 0
  uint32_t payloadLength = 0;         // the transport line's "length N" (ICMP: with its 8-byte header)
};

std::vector<std::string> readLines(const std::string& relative) {
  std::ifstream in(sharedPcap(relative));
  EXPECT_TRUE(in.good()) << relative;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The timestamps of the packets a tcpdump output lists (one record per packet, "   N  DATE TIME ...").
std::vector<std::string> tcpdumpTimes(const std::string& relative) {
  static const std::regex kRecord(R"(^\s*\d+\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) .*)");
  std::vector<std::string> times;
  std::smatch m;
  for (const std::string& line : readLines(relative)) {
    if (std::regex_match(line, m, kRecord)) times.push_back(m[1]);
  }
  return times;
}

std::vector<TcpdumpGenevePacket> tcpdumpGenevePackets(const std::string& relative) {
  static const std::regex kOuter(R"(^\s*\d+\s+(\S+ \S+) IP \(.*proto UDP \(17\), length \d+\)$)");
  static const std::regex kGeneve(
      R"(^\s+([\d.]+)\.\d+ > ([\d.]+)\.6081: \[no cksum\] Geneve, Flags \[[^\]]*\], vni 0x([0-9a-f]+)(, options .*)?$)");
  static const std::regex kInner(
      R"(^\tIP \(tos 0x[0-9a-f]+, ttl (\d+), id \d+, offset 0, flags \[[^\]]*\], proto \w+ \((\d+)\), length (\d+)\)$)");
  static const std::regex kTcp(
      R"(^\s+([\d.]+)\.(\d+) > ([\d.]+)\.(\d+): Flags \[([^\]]*)\], .* length (\d+)(: .*)?$)");
  static const std::regex kIcmp(
      R"(^\s+([\d.]+) > ([\d.]+): ICMP echo (request|reply), id \d+, seq \d+, length (\d+)$)");
  const std::vector<std::string> lines = readLines(relative);
  std::vector<TcpdumpGenevePacket> packets;
  std::smatch m;
  for (size_t i = 0; i + 3 < lines.size(); ++i) {
    if (!std::regex_match(lines[i], m, kOuter)) continue;
    TcpdumpGenevePacket p;
    p.time = m[1];
    EXPECT_TRUE(std::regex_match(lines[i + 1], m, kGeneve)) << lines[i + 1];
    p.outerSrc = ip(m.str(1).c_str());
    p.outerDst = ip(m.str(2).c_str());
    p.vni = uint32_t(std::stoul(m[3], nullptr, 16));
    EXPECT_TRUE(std::regex_match(lines[i + 2], m, kInner)) << lines[i + 2];
    p.ttl = uint32_t(std::stoul(m[1]));
    p.protocol = uint32_t(std::stoul(m[2]));
    p.ipLength = uint32_t(std::stoul(m[3]));
    if (std::regex_match(lines[i + 3], m, kTcp)) {
      p.src = ip(m.str(1).c_str());
      p.srcPort = uint16_t(std::stoul(m[2]));
      p.dst = ip(m.str(3).c_str());
      p.dstPort = uint16_t(std::stoul(m[4]));
      p.tcpFlags = m[5];
      p.payloadLength = uint32_t(std::stoul(m[6]));
    } else if (std::regex_match(lines[i + 3], m, kIcmp)) {
      p.src = ip(m.str(1).c_str());
      p.dst = ip(m.str(2).c_str());
      p.icmpType = m[3] == "request" ? 8 : 0;
      p.payloadLength = uint32_t(std::stoul(m[4]));
    } else {
      ADD_FAILURE() << "unexpected transport line: " << lines[i + 3];
    }
    packets.push_back(p);
  }
  return packets;
}

// tcpdump's TCP flag letters ("S.", "P.", "F.", "none"): the flag of bit i is kLetters[i].
uint8_t tcpdumpTcpFlags(const std::string& letters) {
  static constexpr std::string_view kLetters = "FSRP.UEW";
  if (letters == "none") return 0;
  uint8_t flags = 0;
  for (const char c : letters) {
    const size_t bit = kLetters.find(c);
    EXPECT_NE(bit, std::string_view::npos) << "tcpdump flag " << c;
    if (bit != std::string_view::npos) flags |= uint8_t(1u << bit);
  }
  return flags;
}

// tcpdump/geneve.pcap: 39 Geneve packets (protocol 0x6558, VNI 0xa with one 8-byte critical option,
// VNI 0xb without) around an SSH connection and ICMP echoes between 30.0.0.1 and 30.0.0.2. Every
// packet is decapsulated as tcpdump -vv decodes it (geneve-vv.out: outer addresses, VNI, inner
// addresses, TTL, IP length, protocol, ports, TCP flags, payload length, ICMP type); the packets of
// VNI 0xb are those of `tcpdump 'geneve 0xb'` (geneve-vni.out) and the inner TCP ones those of
// `tcpdump 'geneve and tcp'` (geneve-tcp.out; options in tcpdump/TESTS.tsv).
TEST(DecodeGolden, TcpdumpGeneve) {
  const auto packets = load("tcpdump/geneve.pcap", 39);
  const std::vector<TcpdumpGenevePacket> expected = tcpdumpGenevePackets("tcpdump/geneve-vv.out");
  ASSERT_EQ(expected.size(), packets.size());
  std::set<std::string> vniB, tcp;
  for (size_t i = 0; i < packets.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "packet " << i + 1);
    const DecodedPacket& d = packets[i].decoded;
    const TcpdumpGenevePacket& e = expected[i];
    EXPECT_EQ(d.malformed, MalformedReason::kNone);
    EXPECT_EQ(d.tunnel, TunnelType::kGeneve);
    EXPECT_EQ(d.tunnelDepth, 1);
    EXPECT_EQ(d.tunnelId, e.vni);
    EXPECT_EQ(d.outerSrcIp, e.outerSrc);
    EXPECT_EQ(d.outerDstIp, e.outerDst);
    EXPECT_EQ(d.srcIp, e.src);
    EXPECT_EQ(d.dstIp, e.dst);
    EXPECT_EQ(d.ttl, e.ttl);
    EXPECT_EQ(d.ipTotalLength, e.ipLength);
    EXPECT_EQ(d.l4Protocol, e.protocol);
    if (e.icmpType >= 0) {
      EXPECT_EQ(d.icmpType, e.icmpType);
      EXPECT_EQ(d.payloadLength + 8, e.payloadLength);
    } else {
      EXPECT_EQ(d.payloadLength, e.payloadLength);
      EXPECT_TRUE(d.isTcp());
      EXPECT_EQ(d.srcPort, e.srcPort);
      EXPECT_EQ(d.dstPort, e.dstPort);
      EXPECT_EQ(d.tcpFlags, tcpdumpTcpFlags(e.tcpFlags));
    }
    if (d.tunnel == TunnelType::kGeneve && d.tunnelId == 0xb) vniB.insert(e.time);
    if (d.tunnel == TunnelType::kGeneve && d.isTcp()) tcp.insert(e.time);
  }
  const std::vector<std::string> vniOut = tcpdumpTimes("tcpdump/geneve-vni.out");
  const std::vector<std::string> tcpOut = tcpdumpTimes("tcpdump/geneve-tcp.out");
  EXPECT_EQ(vniOut.size(), 20u);
  EXPECT_EQ(tcpOut.size(), 33u);
  EXPECT_EQ(vniB, std::set<std::string>(vniOut.begin(), vniOut.end()));
  EXPECT_EQ(tcp, std::set<std::string>(tcpOut.begin(), tcpOut.end()));
}

// tcpdump/icmpv6.out (-vv): packet 1 "IP6 (hlim 255, next-header ICMPv6 (58), payload length 176)
// fe80::b299:28ff:fec8:d66c > ff02::1: ICMP6, router advertisement"; packet 2 "IP6 (hlim 1,
// next-header HBH (0), payload length 36) ... HBH (rtalert) ... multicast listener report v2" (143).
TEST(DecodeGolden, TcpdumpIcmpv6) {
  const auto packets = load("tcpdump/icmpv6.pcap", 5);
  ASSERT_GE(packets.size(), 2u);
  const DecodedPacket& p = packets[0].decoded;
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_EQ(p.ttl, 255);
  EXPECT_EQ(p.srcIp, ip("fe80::b299:28ff:fec8:d66c"));
  EXPECT_EQ(p.dstIp, ip("ff02::1"));
  EXPECT_EQ(p.ipTotalLength, 40u + 176);
  EXPECT_EQ(p.l4Protocol, ipproto::kIcmpv6);
  EXPECT_EQ(p.icmpType, 134);
  const DecodedPacket& q = packets[1].decoded;
  EXPECT_EQ(q.ttl, 1);
  EXPECT_EQ(q.ipTotalLength, 40u + 36);
  EXPECT_EQ(q.l4Protocol, ipproto::kIcmpv6);  // after the hop-by-hop header
  EXPECT_EQ(q.icmpType, 143);
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.malformed != MalformedReason::kNone; }),
            0u);
}

// tcpdump/ipv6-routing-header.out: "IP6 (hlim 4, next-header Routing (43), payload length 32)
// 2200::244:212:3fff:feae:22f7 > 2200::240:2:0:0:4: RT6 (len=2, ...) ICMP6, echo request"; packet 3
// carries UDP 5645 > 5642 (tshark udp.srcport/udp.dstport).
TEST(DecodeGolden, TcpdumpIpv6RoutingHeader) {
  const auto packets = load("tcpdump/ipv6-routing-header.pcap", 4);
  ASSERT_GE(packets.size(), 3u);
  const DecodedPacket& p = packets[0].decoded;
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_EQ(p.srcIp, ip("2200::244:212:3fff:feae:22f7"));
  EXPECT_EQ(p.dstIp, ip("2200::240:2:0:0:4"));
  EXPECT_EQ(p.ttl, 4);
  EXPECT_EQ(p.l4Protocol, ipproto::kIcmpv6);
  EXPECT_EQ(p.icmpType, 128);
  EXPECT_EQ(p.l4Offset, 14 + 40 + 24);
  EXPECT_TRUE(packets[2].decoded.isUdp());
  EXPECT_EQ(packets[2].decoded.srcPort, 5645);
  EXPECT_EQ(packets[2].decoded.dstPort, 5642);
}

// tcpdump/ip6_frag_asan.out: "IP6 ... next-header Fragment (44), payload length 27136) ... frag ( [|frag6]":
// the fragment header is cut.
TEST(DecodeGolden, TcpdumpIpv6FragmentAsan) {
  const auto packets = load("tcpdump/ip6_frag_asan.pcap", 1);
  ASSERT_EQ(packets.size(), 1u);
  const DecodedPacket& p = packets[0].decoded;
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_EQ(p.srcIp, ip("452:22:19:0:41a:e4ff:10ff:484d"));
  EXPECT_EQ(p.ttl, 16);
  EXPECT_EQ(p.malformed, MalformedReason::kTruncatedIpv6ExtensionHeader);
  EXPECT_FALSE(p.hasPorts);
}

// tcpdump/ipv4_invalid_total_length.out (-v): "IP [total length 85 > length 84] (invalid) (tos 0x0,
// ttl 64, id 61862, ...) 140.211.9.206.39095 > 45.33.127.156.53": reported, UDP still decoded.
TEST(DecodeGolden, TcpdumpIpv4InvalidTotalLength) {
  const auto packets = load("tcpdump/ipv4_invalid_total_length.pcap", 1);
  ASSERT_EQ(packets.size(), 1u);
  const DecodedPacket& p = packets[0].decoded;
  EXPECT_EQ(p.malformed, MalformedReason::kBadIpv4TotalLength);
  EXPECT_EQ(p.ipTotalLength, 85u);
  EXPECT_EQ(p.l2PayloadLength, 84u);
  EXPECT_EQ(p.fragmentId, 61862u);
  EXPECT_EQ(p.srcIp, ip("140.211.9.206"));
  EXPECT_TRUE(p.isUdp());
  EXPECT_EQ(p.srcPort, 39095);
  EXPECT_EQ(p.dstPort, 53);
}

// tcpdump/LINKTYPE_RAW_ipv4.out: "IP 192.168.1.100.12345 > 9.9.9.9.53: 4660+ A? example.com. (29)".
TEST(DecodeGolden, TcpdumpRawIpv4) {
  const auto packets = load("tcpdump/LINKTYPE_RAW_ipv4.pcap", 1);
  ASSERT_EQ(packets.size(), 1u);
  const DecodedPacket& p = packets[0].decoded;
  EXPECT_EQ(p.malformed, MalformedReason::kNone);
  EXPECT_FALSE(p.hasMac);
  EXPECT_EQ(p.ipOffset, 0);
  EXPECT_EQ(p.srcIp, ip("192.168.1.100"));
  EXPECT_EQ(p.dstIp, ip("9.9.9.9"));
  EXPECT_EQ(p.srcPort, 12345);
  EXPECT_EQ(p.dstPort, 53);
  EXPECT_EQ(p.payloadLength, 29u);
}

// tcpdump/tcp-handshake-nano.out (Linux SLL, -q): "131.155.215.69.46656 > 137.116.81.94.80: tcp 0",
// reply and ACK; seq/ack/flags from tshark (tcp.seq_raw 797190859, SYN-ACK seq 3078856592).
TEST(DecodeGolden, TcpdumpTcpHandshakeSll) {
  const auto packets = load("tcpdump/tcp-handshake-nano.pcap", 3);
  ASSERT_EQ(packets.size(), 3u);
  const DecodedPacket& syn = packets[0].decoded;
  EXPECT_EQ(syn.linkType, 113);
  EXPECT_EQ(syn.ipOffset, 16);
  EXPECT_EQ(syn.srcIp, ip("131.155.215.69"));
  EXPECT_EQ(syn.dstPort, 80);
  EXPECT_EQ(syn.tcpFlags, tcpflag::kSyn);
  EXPECT_EQ(syn.tcpSeq, 797190859u);
  const DecodedPacket& synAck = packets[1].decoded;
  EXPECT_EQ(synAck.tcpFlags, tcpflag::kSyn | tcpflag::kAck);
  EXPECT_EQ(synAck.tcpSeq, 3078856592u);
  EXPECT_EQ(synAck.tcpAck, 797190860u);
  EXPECT_EQ(packets[2].decoded.tcpFlags, tcpflag::kAck);
  EXPECT_EQ(packets[2].decoded.payloadLength, 0u);
}

// Zeek traces/q-in-q.pcap (conn.log with vlan-logging: vlan 10 inner_vlan 20 per tshark "vlan.id").
TEST(DecodeGolden, ZeekQinQ) {
  const auto packets = load("zeek/traces/q-in-q.pcap", 5);
  for (const auto& packet : packets) {
    EXPECT_EQ(packet.decoded.vlanCount, 2);
    EXPECT_EQ(packet.decoded.outerVlan, 13);
    EXPECT_EQ(packet.decoded.innerVlan, 10);
    EXPECT_EQ(packet.decoded.malformed, MalformedReason::kNone);
  }
}

// Zeek traces/mixed-vlan-mpls.pcap: plain, VLAN 4093 and MPLS label 29 traffic ("tshark -T fields
// -e vlan.id -e mpls.label": 22 plain, 11 label 29, 14 VLAN 4093).
TEST(DecodeGolden, ZeekMixedVlanMpls) {
  const auto packets = load("zeek/traces/mixed-vlan-mpls.pcap", 47);
  EXPECT_EQ(
      countIf(packets, [](const DecodedPacket& d) { return d.mplsCount == 1 && d.mplsLabels[0] == 29; }),
      11u);
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.outerVlan == 4093; }), 14u);
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.isTcp(); }), packets.size());
}

// Zeek traces/mpls-in-vlan.pcap: MPLS under a VLAN tag (tshark: vlan 3399, labels 254/99).
TEST(DecodeGolden, ZeekMplsInVlan) {
  const auto packets = load("zeek/traces/mpls-in-vlan.pcap", 3);
  ASSERT_FALSE(packets.empty());
  const auto& withStack =
      *std::find_if(packets.begin(), packets.end(), [](const auto& p) { return p.decoded.mplsCount == 2; });
  EXPECT_EQ(withStack.decoded.outerVlan, 3399);
  EXPECT_EQ(withStack.decoded.macProtocol, ethertype::kMplsUnicast);
  EXPECT_EQ(withStack.decoded.mplsLabels[0], 254u);
  EXPECT_EQ(withStack.decoded.mplsLabels[1], 99u);
  EXPECT_TRUE(withStack.decoded.isTcp());
  EXPECT_EQ(withStack.decoded.dstPort, 80);
}

// Zeek traces/pppoe-over-qinq.pcap (conn.log with pppoe-session-id-logging: session 3847; tshark: vlan
// 3704 outer, 2474 inner; flow 1.1.1.1:20394 -> 2.2.2.2:443). Six of the server's ACKs (frame 19
// and five more) have an IPv4 total length of 46 in a PPPoE payload of 42 bytes (40 of IP): tshark
// "IPv4 total length exceeds packet length (40 bytes)", tcp.len 0; the 6 bytes after the PPPoE
// payload are the frame's padding.
TEST(DecodeGolden, ZeekPppoeOverQinQ) {
  const auto packets = load("zeek/traces/pppoe-over-qinq.pcap", 86);
  int beyondPppoe = 0;
  for (const auto& packet : packets) {
    const DecodedPacket& d = packet.decoded;
    if (d.malformed == MalformedReason::kBadIpv4TotalLength) {
      ++beyondPppoe;
      EXPECT_EQ(d.ipTotalLength, 46u);
      EXPECT_EQ(d.payloadLength, 0u);
    } else {
      ASSERT_EQ(d.malformed, MalformedReason::kNone);
    }
    EXPECT_EQ(d.outerVlan, 3704);
    EXPECT_EQ(d.innerVlan, 2474);
    EXPECT_TRUE(d.hasPppoe);
    EXPECT_EQ(d.pppoeSessionId, 3847);
    EXPECT_TRUE(d.isTcp());
    EXPECT_TRUE((d.srcPort == 20394 && d.dstPort == 443) || (d.srcPort == 443 && d.dstPort == 20394));
  }
  EXPECT_EQ(beyondPppoe, 6);
}

// Zeek traces/linux_dlt_sll2.pcap: ICMPv6 echo, ARP, IPv4 ICMP echo on SLL2 (tshark).
TEST(DecodeGolden, ZeekSll2) {
  const auto packets = load("zeek/traces/linux_dlt_sll2.pcap", 6);
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.isArp; }), 1u);
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.ipVersion == 6 && d.icmpType == 128; }),
            1u);
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.ipVersion == 4 && d.icmpType == 8; }), 1u);
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.malformed != MalformedReason::kNone; }),
            0u);
}

// Zeek traces/tunnels/vxlan.pcap (tunnel.log: VXLAN 192.168.56.11 <-> 192.168.56.12; ICMP echo
// 10.0.0.1 -> 10.0.0.2 inside, VNI 123, plus inner ARP).
TEST(DecodeGolden, ZeekVxlan) {
  const auto packets = load("zeek/traces/tunnels/vxlan.pcap", 10);
  EXPECT_EQ(
      countIf(packets,
              [](const DecodedPacket& d) { return d.tunnel == TunnelType::kVxlan && d.tunnelId == 123; }),
      packets.size());
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.isArp; }), 2u);
  const auto& echo =
      *std::find_if(packets.begin(), packets.end(), [](const auto& p) { return p.decoded.icmpType == 8; });
  EXPECT_EQ(echo.decoded.srcIp, ip("10.0.0.1"));
  EXPECT_EQ(echo.decoded.dstIp, ip("10.0.0.2"));
  EXPECT_EQ(echo.decoded.outerSrcIp, ip("192.168.56.11"));
  EXPECT_EQ(echo.decoded.outerDstIp, ip("192.168.56.12"));
}

// Zeek traces/tunnels/geneve.pcap (conn.log: ICMP 30.0.0.1 -> 30.0.0.2, 3 packets each way, whose
// tunnel_parents are the UDP carriers 20.0.0.1:50901 -> 20.0.0.2:6081 and 20.0.0.2:0 ->
// 20.0.0.1:6081; tunnel.log: Tunnel::GENEVE for both). VNI 0, protocol 0x6558, the requests with
// one 8-byte option (tcpdump -vv).
TEST(DecodeGolden, ZeekGeneve) {
  const auto packets = load("zeek/traces/tunnels/geneve.pcap", 6);
  EXPECT_EQ(countIf(packets,
                    [](const DecodedPacket& d) {
                      return d.malformed == MalformedReason::kNone && d.tunnel == TunnelType::kGeneve &&
                             d.tunnelDepth == 1 && d.tunnelId == 0 && d.l4Protocol == ipproto::kIcmp;
                    }),
            6u);
  EXPECT_EQ(countIf(packets,
                    [](const DecodedPacket& d) {
                      return d.icmpType == 8 && d.srcIp == ip("30.0.0.1") && d.dstIp == ip("30.0.0.2") &&
                             d.outerSrcIp == ip("20.0.0.1") && d.outerDstIp == ip("20.0.0.2");
                    }),
            3u);
  EXPECT_EQ(countIf(packets,
                    [](const DecodedPacket& d) {
                      return d.icmpType == 0 && d.srcIp == ip("30.0.0.2") && d.dstIp == ip("30.0.0.1") &&
                             d.outerSrcIp == ip("20.0.0.2") && d.outerDstIp == ip("20.0.0.1");
                    }),
            3u);
}

// Zeek traces/tunnels/gre-sample.pcap (tunnel.log: GRE 172.27.1.66 <-> 66.59.109.137; conn.log: ssh
// 66.59.111.190:40264 -> 172.28.2.3:22 and ICMP inside).
TEST(DecodeGolden, ZeekGreSample) {
  const auto packets = load("zeek/traces/tunnels/gre-sample.pcap", 40);
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.tunnel == TunnelType::kGre; }),
            packets.size());
  const auto& ssh =
      *std::find_if(packets.begin(), packets.end(), [](const auto& p) { return p.decoded.isTcp(); });
  EXPECT_TRUE(ssh.decoded.dstPort == 22 || ssh.decoded.srcPort == 22);
  EXPECT_TRUE(ssh.decoded.outerSrcIp == ip("172.27.1.66") || ssh.decoded.outerSrcIp == ip("66.59.109.137"));
}

// Zeek traces/tunnels/gre-within-gre.pcap: two GRE levels (tunnel.log has both; tshark shows two
// "gre" layers); ICMP 10.10.25.1 <-> 192.168.1.2 innermost.
TEST(DecodeGolden, ZeekGreWithinGre) {
  const auto packets = load("zeek/traces/tunnels/gre-within-gre.pcap", 628);
  EXPECT_EQ(
      countIf(packets,
              [](const DecodedPacket& d) { return d.tunnelDepth == 2 && d.tunnel == TunnelType::kGre; }),
      packets.size());
  EXPECT_EQ(
      countIf(packets, [](const DecodedPacket& d) { return d.icmpType == 8 && d.srcIp == ip("10.10.25.1"); }),
      312u);
}

// Zeek traces/tunnels/Teredo.pcap: 29 packets are Teredo (tshark -d udp.port==32900,teredo -Y teredo):
// 4 on port 3544, e.g. a router solicitation fe80::8000:ffff:ffff:fffd -> ff02::2 from 192.168.2.16 to
// 65.55.158.80, and 25 through a relay on port 32900 (an ICMPv6 echo and an HTTP connection to
// [2001:4860:0:2001::68]:80), which tshark decodes only when told the port, Zeek and netmeter by content.
TEST(DecodeGolden, ZeekTeredo) {
  const auto packets = load("zeek/traces/tunnels/Teredo.pcap", 78);
  EXPECT_EQ(countIf(packets, [](const DecodedPacket& d) { return d.tunnel == TunnelType::kTeredo; }), 29u);
  EXPECT_EQ(countIf(packets,
                    [](const DecodedPacket& d) {
                      return d.tunnel == TunnelType::kTeredo && d.isTcp() && d.dstIp == ip("2001:4860:0:2001::68");
                    }),
            10u);  // the client's 10 packets to the server (Zeek: 10 and 12)
  const auto& rs =
      *std::find_if(packets.begin(), packets.end(), [](const auto& p) { return p.decoded.icmpType == 133; });
  EXPECT_EQ(rs.decoded.tunnel, TunnelType::kTeredo);
  EXPECT_EQ(rs.decoded.dstIp, ip("ff02::2"));
  EXPECT_EQ(rs.decoded.outerSrcIp, ip("192.168.2.16"));
  EXPECT_EQ(rs.decoded.outerDstIp, ip("65.55.158.80"));
}

// Zeek traces/tunnels/gtp/gtp1_gn_normal_incl_fragmentation.pcap: GTP-U whose outer IP is
// fragmented. Unfragmented packets are decapsulated; fragments decoded alone keep the carrier
// (IpReassembler.ZeekGtpWithOuterFragments reassembles them).
TEST(DecodeGolden, ZeekGtpWithFragments) {
  std::string error;
  const auto packets =
      readCapture(sharedPcap("zeek/traces/tunnels/gtp/gtp1_gn_normal_incl_fragmentation.pcap"), &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_FALSE(packets.empty());
  for (const auto& packet : packets) {
    const DecodedPacket& d = packet.decoded;
    EXPECT_EQ(d.malformed, MalformedReason::kNone);
    if (d.tunnel == TunnelType::kGtpU) {
      EXPECT_FALSE(d.outerSrcIp.empty());
    } else {
      EXPECT_TRUE(d.isFragment);
    }
  }
  EXPECT_GT(countIf(packets, [](const DecodedPacket& d) { return d.tunnel == TunnelType::kGtpU; }), 0u);
}

// nDPI vxlan.pcap.out: "[proto: VXLAN:91.119/TLS.Facebook]" flows 10.10.20.4 <-> 157.240.224.35:443,
// VNI 1111 and outer VLAN 5 per tshark (vxlan.vni, vlan.id).
TEST(DecodeGolden, NdpiVxlan) {
  const auto packets = load("ndpi/vxlan.pcap", 127);
  ASSERT_FALSE(packets.empty());
  const DecodedPacket& p = packets[0].decoded;
  EXPECT_EQ(p.tunnel, TunnelType::kVxlan);
  EXPECT_EQ(p.tunnelId, 1111u);
  EXPECT_EQ(p.outerVlan, 5);
  EXPECT_GT(countIf(packets,
                    [](const DecodedPacket& d) {
                      return d.isTcp() && d.srcIp == ip("10.10.20.4") && d.dstPort == 443;
                    }),
            0u);
}

// nDPI ipv6_in_gtp.pcap: GTP-U with IPv6 inside (tshark gtp.teid 310415288 for the UDP packet).
TEST(DecodeGolden, NdpiIpv6InGtp) {
  const auto packets = load("ndpi/ipv6_in_gtp.pcap", 2);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].decoded.tunnel, TunnelType::kGtpU);
  EXPECT_EQ(packets[0].decoded.ipVersion, 6);
  EXPECT_EQ(packets[0].decoded.tunnelId, 310415288u);
  EXPECT_EQ(packets[0].decoded.outerSrcIp, ip("10.238.80.26"));
  EXPECT_EQ(packets[0].decoded.vlanCount, 2);
}

// nDPI 6in4tunnel.pcap: IPv6 in IPv4 (protocol 41), 184.105.255.26 <-> 174.3.73.24.
TEST(DecodeGolden, Ndpi6in4) {
  std::string error;
  const auto packets = readCapture(sharedPcap("ndpi/6in4tunnel.pcap"), &error);
  ASSERT_TRUE(error.empty());
  EXPECT_EQ(
      countIf(packets,
              [](const DecodedPacket& d) { return d.tunnel == TunnelType::kIpInIp && d.ipVersion == 6; }),
      packets.size());
  EXPECT_EQ(packets[0].decoded.outerSrcIp.isV4(), true);
}

// nDPI dlt_ppp.pcap (PPP link, QUIC 193.167.0.252:44083 -> 193.167.100.100:443 in the .out).
TEST(DecodeGolden, NdpiPppLink) {
  const auto packets = load("ndpi/dlt_ppp.pcap", 1);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[0].decoded.srcIp, ip("193.167.0.252"));
  EXPECT_EQ(packets[0].decoded.srcPort, 44083);
  EXPECT_EQ(packets[0].decoded.dstPort, 443);
}

// nDPI quic-v2.pcapng (Linux SLL): "UDP [::1]:42086 <-> [::1]:4443 [proto: 188/QUIC]".
TEST(DecodeGolden, NdpiQuicV2Sll) {
  const auto packets = load("ndpi/quic-v2.pcapng", 19);
  EXPECT_EQ(countIf(packets,
                    [](const DecodedPacket& d) {
                      return d.isUdp() && d.srcIp == ip("::1") && (d.srcPort == 4443 || d.dstPort == 4443);
                    }),
            packets.size());
}

}  // namespace
}  // namespace netmeter
