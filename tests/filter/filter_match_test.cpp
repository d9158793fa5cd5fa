// Matcher semantics per operand on crafted packets, connection / IP / MAC rows, module context
// fields, the L7 tri-state, and replay of fuzzer regressions.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "decode/decoder.h"
#include "filter/filter.h"
#include "support/packet_builder.h"
#include "test_paths.h"

namespace netmeter::filter {
namespace {

struct Pkt {
  std::vector<uint8_t> bytes;
  DecodedPacket d;
};

Pkt make(const test::FrameSpec& spec, std::string_view payload = {}) {
  test::FrameSpec s = spec;
  s.payload = static_cast<uint32_t>(payload.size());
  Pkt p;
  p.bytes = test::buildFrame(s);
  decodePacket(test::rawPacket(p.bytes, 1), p.d);
  if (!payload.empty()) std::memcpy(p.bytes.data() + p.d.payloadOffset, payload.data(), payload.size());
  return p;
}

Filter compileOrDie(std::string_view text, const CompileOptions& options = {}) {
  CompileResult r = Filter::compile(text, options);
  if (!r.ok()) ADD_FAILURE() << text << ": " << r.error.toString();
  return r.ok() ? std::move(*r.filter) : std::move(*Filter::compile("port == 0").filter);
}

Match eval(std::string_view text, const Pkt& p, const PacketContext* ctx = nullptr) {
  Filter f = compileOrDie(text);
  return f.match(PacketView{p.d, p.bytes.data(), ctx});
}
bool yes(std::string_view text, const Pkt& p, const PacketContext* ctx = nullptr) {
  return eval(text, p, ctx) == Match::kYes;
}

test::FrameSpec tcp(std::string src, uint16_t sport, std::string dst, uint16_t dport, uint8_t flags = 0x10) {
  test::FrameSpec s;
  s.srcIp = std::move(src);
  s.dstIp = std::move(dst);
  s.srcPort = sport;
  s.dstPort = dport;
  s.tcpFlags = flags;
  return s;
}

TEST(FilterMatch, IpAddressNetmaskAndPort) {
  const Pkt p = make(tcp("10.0.0.1", 1234, "10.1.0.1", 9876));
  EXPECT_TRUE(yes("ip == 10.0.0.1", p));
  EXPECT_TRUE(yes("ip == 10.1.0.1", p));
  EXPECT_FALSE(yes("ip == 10.0.0.2", p));
  EXPECT_TRUE(yes("ip == 10.0/16", p));
  EXPECT_TRUE(yes("ip == 10.1", p));  // partial address = its prefix, as BPF `net 10.1`
  EXPECT_TRUE(yes("ip == 10.1.0.0/255.255.0.0", p));
  EXPECT_FALSE(yes("ip == 11.0.0.0/8", p));
  EXPECT_TRUE(yes("ip == 0.0.0.0/0", p));
  // Address and port belong to the same side.
  EXPECT_TRUE(yes("ip == 10.0.0.1:1234 and ip == 10.1.0.1:9876", p));
  EXPECT_FALSE(yes("ip == 10.0.0.1:9876", p));
  EXPECT_TRUE(yes("ip == 10.0.0.0/8:9876", p));
  // The reference's `ip == A and ip != B` example.
  EXPECT_TRUE(yes("ip == 10.0.0.1 and ip != 10.0.0.2", p));
  EXPECT_FALSE(yes("ip == 10.0.0.1 and ip != 10.1.0.1", p));
  EXPECT_FALSE(yes("ip == ::1", p));  // families never mix
}

TEST(FilterMatch, Ipv6WithBracketsAndPort) {
  const Pkt p = make(tcp("2001:db8::1", 443, "2001:db8:1::2", 50000));
  EXPECT_TRUE(yes("ip == 2001:db8::1", p));
  EXPECT_TRUE(yes("ip == [2001:db8::1]:443", p));
  EXPECT_FALSE(yes("ip == [2001:db8::1]:50000", p));
  EXPECT_TRUE(yes("ip == 2001:db8:1::/48", p));
  EXPECT_TRUE(yes("ip == [2001:db8::/32]:50000", p));
  EXPECT_FALSE(yes("ip == 10.0.0.1", p));
  EXPECT_TRUE(yes("macProtocol == IPv6", p));
}

TEST(FilterMatch, MacPortsAndProtocols) {
  const Pkt p = make(tcp("10.0.0.1", 40000, "10.0.0.2", 443, 0x12));
  EXPECT_TRUE(yes("mac == 02:00:00:00:00:01", p));
  EXPECT_TRUE(yes("mac == 02:00:00:00:00:02", p));
  EXPECT_FALSE(yes("mac == 02:00:00:00:00:03", p));
  EXPECT_TRUE(yes("port == 443", p));
  EXPECT_TRUE(yes("port == 40000", p));
  EXPECT_FALSE(yes("port == 80", p));
  EXPECT_TRUE(yes("port != 80", p));
  EXPECT_TRUE(yes("portrange == 80,400-500", p));
  EXPECT_TRUE(yes("portrange == 65000-,-443", p));
  EXPECT_FALSE(yes("portrange == 1-442,444-39999,40001-", p));
  EXPECT_TRUE(yes("l4Protocol == TCP", p));
  EXPECT_TRUE(yes("l4Protocol == udp,6", p));
  EXPECT_FALSE(yes("l4Protocol == ICMP,ICMPv6", p));
  EXPECT_TRUE(yes("macProtocol == IPv4", p));
  EXPECT_TRUE(yes("macProtocol == 0x0800", p));
  EXPECT_FALSE(yes("macProtocol == \"Non IP\"", p));
  EXPECT_TRUE(yes("tcpFlags == syn", p));
  EXPECT_TRUE(yes("tcpFlags == syn+ack", p));
  EXPECT_FALSE(yes("tcpFlags == syn+ack+fin", p));
  EXPECT_TRUE(yes("tcpFlags != fin", p));
  EXPECT_FALSE(yes("icmpType == 0", p));
  EXPECT_TRUE(yes("ipFragment == 0", p));
  EXPECT_TRUE(yes("interface == 0", p));
  EXPECT_FALSE(yes("interface == 1,3-5", p));
}

TEST(FilterMatch, ServerPortFromFlowTableOrHeuristic) {
  const Pkt synAck = make(tcp("10.0.0.2", 8080, "10.0.0.1", 40000, 0x12));
  EXPECT_TRUE(yes("serverport == 8080", synAck));  // SYN-ACK: the sender is the server
  EXPECT_FALSE(yes("serverport == 40000", synAck));
  const Pkt mid = make(tcp("10.0.0.1", 40000, "10.0.0.2", 5000));
  EXPECT_TRUE(yes("serverport == 5000", mid));  // lower port
  PacketContext ctx;
  ctx.serverSide = PacketContext::ServerSide::kSource;
  EXPECT_TRUE(yes("serverport == 40000", mid, &ctx));  // the flow table knows better
}

TEST(FilterMatch, IcmpTypeAndDscp) {
  test::FrameSpec s;
  s.l4Protocol = 1;
  s.icmpType = 8;
  s.dscp = 46;
  const Pkt p = make(s);
  EXPECT_TRUE(yes("icmpType == 8", p));
  EXPECT_FALSE(yes("icmpType == 0", p));
  EXPECT_TRUE(yes("l4Protocol == ICMP,ICMPv6", p));
  EXPECT_FALSE(yes("port == 0", p));  // no ports on ICMP
  EXPECT_TRUE(yes("qosIpDscp == EF", p));
  EXPECT_TRUE(yes("qosIpDscp == 46", p));
  EXPECT_FALSE(yes("qosIpDscp == AF41", p));
  EXPECT_FALSE(yes("tcpFlags == ack", p));
  s.srcIp = "fe80::1";
  s.dstIp = "fe80::2";
  s.icmpType = 128;
  const Pkt v6 = make(s);
  EXPECT_TRUE(yes("icmpType == 128", v6));
  EXPECT_TRUE(yes("l4Protocol == ICMPv6", v6));
}

TEST(FilterMatch, VlanAndMplsNoneAnyNumber) {
  test::FrameSpec s;
  s.vlan = (5u << 13) | 100;
  Pkt p = make(s);
  EXPECT_TRUE(yes("vlan == 100", p));
  EXPECT_TRUE(yes("outervlan == 100", p));
  EXPECT_FALSE(yes("innervlan == 100", p));
  EXPECT_TRUE(yes("vlan == any", p));
  EXPECT_TRUE(yes("innervlan == none", p));
  EXPECT_FALSE(yes("vlan == none", p));
  EXPECT_TRUE(yes("qosVlanPcp == 5", p));
  // QinQ and an MPLS stack, set on the decoded packet directly.
  p.d.vlanCount = 2;
  p.d.innerVlan = 200;
  EXPECT_TRUE(yes("innervlan == 200 and outervlan == 100", p));
  EXPECT_TRUE(yes("vlan == 200", p));
  EXPECT_TRUE(yes("innervlan == any", p));
  EXPECT_TRUE(yes("mpls == none and outerMpls == none and innerMpls == none", p));
  p.d.mplsCount = 3;
  p.d.mplsLabels = {16, 17, 18, 0};
  p.d.mplsTc = 5;
  EXPECT_TRUE(yes("mpls == 18", p));
  EXPECT_TRUE(yes("outerMpls == 16", p));
  EXPECT_FALSE(yes("outerMpls == 17", p));
  EXPECT_TRUE(yes("innerMpls == 17", p));
  EXPECT_FALSE(yes("innerMpls == 16", p));
  EXPECT_TRUE(yes("mpls == any and innerMpls == any", p));
  EXPECT_TRUE(yes("qosMplsTc == 5", p));
  p.d.mplsCount = 1;
  EXPECT_TRUE(yes("innerMpls == none and outerMpls == any", p));
}

TEST(FilterMatch, ArpAndNonIp) {
  Pkt p;
  p.bytes.assign(60, 0);
  const uint8_t arp[] = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0,   0,    0, 0, 1, 0x08, 0x06,                  // Ethernet
      0,    1,    0x08, 0,    6,    4,    0,    1,   0x02, 0, 0, 0, 0,    1,    192, 168, 1, 1,  // sender
      0,    0,    0,    0,    0,    0,    192,  168, 1,    2};
  std::memcpy(p.bytes.data(), arp, sizeof arp);
  decodePacket(test::rawPacket(p.bytes, 1), p.d);
  ASSERT_TRUE(p.d.isArp);
  EXPECT_TRUE(yes("arpip == 192.168.1.2", p));
  EXPECT_TRUE(yes("arpip == 192.168.1.0/24", p));
  EXPECT_FALSE(yes("arpip == 192.168.1.3", p));
  EXPECT_FALSE(yes("ip == 192.168.1.2", p));
  EXPECT_TRUE(yes("macProtocol == ARP", p));
  EXPECT_TRUE(yes("macProtocol == \"Non IP\"", p));
  EXPECT_TRUE(yes("mac == ff:ff:ff:ff:ff:ff", p));
  // regexp on non-IP: the frame after the Ethernet header (the ARP body).
  EXPECT_TRUE(yes("regexp == \"^\\x00\\x01\\x08\\x00\"", p));
  EXPECT_FALSE(yes("regexp == \"\\x08\\x06\"", p));
  EXPECT_FALSE(yes("group == default", p));  // groups are IP groups
}

TEST(FilterMatch, RegexpOnL7Payload) {
  const Pkt p = make(tcp("10.0.0.1", 40000, "10.0.0.2", 80), "GET /allegra HTTP/1.1\r\n");
  EXPECT_TRUE(yes("regexp == \"allegr[o,a]|HTTP\"", p));
  EXPECT_TRUE(yes("regexp == \"^GET \"", p));  // anchored at the start of the L7 payload
  EXPECT_FALSE(yes("regexp == \"http\"", p));  // case sensitive
  EXPECT_TRUE(yes("regexp == \"(?i)http\"", p));
  EXPECT_TRUE(yes("regexp != \"SSH-\"", p));
  EXPECT_FALSE(yes("regexp == \"\\x50\\x00\"", p));  // header bytes (port 80) are not searched
  const Pkt empty = make(tcp("10.0.0.1", 40000, "10.0.0.2", 80));
  EXPECT_FALSE(yes("regexp == \"x\"", empty));
  EXPECT_TRUE(yes("regexp == \"^$\"", empty));
}

TEST(FilterMatch, MulticastGroupFromIgmpAndMld) {
  // IGMPv2 membership report for 239.1.2.3 (IPv4 with router alert).
  Pkt p;
  const uint8_t igmp[] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03, 0x02, 0, 0, 0, 0,   1, 0x08, 0x00, 0x46, 0,
                          0,    32,   0,    0,    0,    0,    1,    2, 0, 0, 10,  0, 0,    1,    239,  1,
                          2,    3,    0x94, 4,    0,    0,    0x16, 0, 0, 0, 239, 1, 2,    3};
  p.bytes.assign(igmp, igmp + sizeof igmp);
  p.bytes.resize(60, 0);
  decodePacket(test::rawPacket(p.bytes, 1), p.d);
  ASSERT_EQ(p.d.l4Protocol, 2);
  EXPECT_TRUE(yes("multicastGroup == 239.1.2.3", p));
  EXPECT_TRUE(yes("multicastGroup == any", p));
  EXPECT_TRUE(yes("multicastGroup == 239.0.0.0/8", p));
  EXPECT_FALSE(yes("multicastGroup == 239.1.2.4", p));
  EXPECT_FALSE(yes("multicastGroup == ff02::1:3", p));
  // IGMPv3 report with two records; the second is 239.9.9.9.
  const uint8_t v3[] = {0x22, 0, 0, 0, 0,   0, 0, 2,               // type, checksum, reserved, 2 records
                        4,    0, 0, 1, 239, 5, 5, 5, 10, 0, 0, 9,  // record 1: one source
                        4,    0, 0, 0, 239, 9, 9, 9};              // record 2
  Pkt q = p;
  q.bytes.resize(38);
  q.bytes.insert(q.bytes.end(), v3, v3 + sizeof v3);
  q.bytes[16] = 0;
  q.bytes[17] = static_cast<uint8_t>(24 + sizeof v3);
  decodePacket(test::rawPacket(q.bytes, 1), q.d);
  EXPECT_TRUE(yes("multicastGroup == 239.9.9.9", q));
  EXPECT_TRUE(yes("multicastGroup == 239.5.5.5", q));
  EXPECT_FALSE(yes("multicastGroup == 239.10.10.10", q));
  // Not IGMP at all.
  const Pkt udp = make(tcp("10.0.0.1", 1, "239.1.2.3", 2));
  EXPECT_FALSE(yes("multicastGroup == any", udp));
  EXPECT_FALSE(yes("multicastGroup == 239.1.2.3", udp));
}

TEST(FilterMatch, ContextFieldsAreUnknownUntilModulesFillThem) {
  const Pkt p = make(tcp("10.0.0.1", 40000, "10.0.0.2", 5060));
  for (const char* text :
       {"countryCode == US", "rtpPayloadType == PCMU", "link == 1", "ptpMsgType == any",
        "profinetFrameId == 0x8000", "profinetCmOpnum == any", "badCRC == 1", "callId == \"a@b\""}) {
    EXPECT_FALSE(yes(text, p)) << text;
  }
  EXPECT_TRUE(yes("badCRC == 0", p));
  EXPECT_TRUE(yes("group == default", p));
  PacketContext ctx;
  ctx.dstCountry = countryCode("de");
  ctx.rtpPayloadType = 0;
  ctx.linkId = 1;
  ctx.ptpMessageType = 11;
  ctx.profinetFrameId = 0x8000;
  ctx.profinetCmOpnum = 5;
  ctx.badCrc = 1;
  ctx.callIdHash = callIdHash("a@b");
  ctx.srcGroups = kDefaultGroupBit;
  ctx.dstGroups = uint64_t{1} << 3;
  for (const char* text : {"countryCode == DE", "countryCode == de", "rtpPayloadType == PCMU", "link == 1",
                           "ptpMsgType == any", "ptpMsgType == Announce", "profinetFrameId == 0x8000",
                           "profinetCmOpnum == \"read implicit\"", "badCRC == 1", "callId == \"a@b\""}) {
    EXPECT_TRUE(yes(text, p, &ctx)) << text;
  }
  EXPECT_FALSE(yes("callId == \"A@b\"", p, &ctx));  // case sensitive
  EXPECT_FALSE(yes("countryCode == US", p, &ctx));
  CompileOptions options;
  options.groupIndex = [](std::string_view name) -> std::optional<uint8_t> {
    return name == "servers" ? std::optional<uint8_t>(3) : std::nullopt;
  };
  Filter g = compileOrDie("group == servers", options);
  EXPECT_EQ(g.match(PacketView{p.d, p.bytes.data(), &ctx}), Match::kYes);
  EXPECT_EQ(g.match(PacketView{p.d, p.bytes.data(), nullptr}), Match::kNo);
}

TEST(FilterMatch, L7IsTriState) {
  const Pkt p = make(tcp("10.0.0.1", 40000, "10.0.0.2", 53), "xx");
  const auto http = *L7ProtocolTable::builtIn().find("HTTP");
  const auto dns = *L7ProtocolTable::builtIn().find("dns");
  PacketContext ctx;
  EXPECT_EQ(eval("l7Protocol == DNS", p, &ctx), Match::kUndecided);
  EXPECT_EQ(eval("l7Protocol != DNS", p, &ctx), Match::kUndecided);
  EXPECT_EQ(eval("l7Protocol == DNS", p, nullptr), Match::kUndecided);
  // Kleene logic: a decided side wins where it can.
  EXPECT_EQ(eval("l7Protocol == DNS and port == 1", p, &ctx), Match::kNo);
  EXPECT_EQ(eval("l7Protocol == DNS or port == 53", p, &ctx), Match::kYes);
  EXPECT_EQ(eval("l7Protocol == DNS and port == 53", p, &ctx), Match::kUndecided);
  ctx.l7 = L7State::kClassified;
  ctx.l7Protocol = dns;
  EXPECT_EQ(eval("l7Protocol == DNS", p, &ctx), Match::kYes);
  EXPECT_EQ(eval("dpiProtocol == HTTP,dns", p, &ctx), Match::kYes);
  EXPECT_EQ(eval("l7Protocol != \"dns\"", p, &ctx), Match::kNo);
  ctx.l7Protocol = http;
  EXPECT_EQ(eval("regexp == \"xx\" and l7protocol != \"dns\"", p, &ctx), Match::kYes);
  // A table of the DPI module's own.
  L7ProtocolTable table({"Unknown", "Foo"});
  CompileOptions options;
  options.l7Protocols = &table;
  Filter f = compileOrDie("l7Protocol == foo", options);
  ctx.l7Protocol = 1;
  EXPECT_EQ(f.match(PacketView{p.d, p.bytes.data(), &ctx}), Match::kYes);
  EXPECT_FALSE(Filter::compile("l7Protocol == HTTP", options).ok());
}

TEST(FilterMatch, IpFragments) {
  Pkt p = make(tcp("10.0.0.1", 1, "10.0.0.2", 2));
  EXPECT_TRUE(yes("ipFragment == 0", p));
  p.d.isFragment = true;
  p.d.fragmentIpVersion = 4;
  EXPECT_TRUE(yes("ipFragment == 1", p));
  EXPECT_TRUE(yes("ipFragment != 0", p));
  Pkt v6 = make(tcp("::1", 1, "::2", 2));
  v6.d.isFragment = true;  // only IPv4 fragments count, as the reference says
  v6.d.fragmentIpVersion = 6;
  EXPECT_TRUE(yes("ipFragment == 0", v6));
  // A fragmented IPv4 tunnel carrier's fragment, given the inner IPv6 packet's view by reassembly:
  // still an IPv4 fragment.
  v6.d.fragmentIpVersion = 4;
  EXPECT_TRUE(yes("ipFragment == 1", v6));
}

// IP reassembly gives a later fragment its datagram's ports (for its connection); port and TCP flag
// predicates still match only the frame with the L4 header, as tcpdump's do.
TEST(FilterMatch, PortsOnlyOnTheFragmentWithTheL4Header) {
  Pkt first = make(tcp("10.0.0.1", 1000, "10.0.0.2", 53, tcpflag::kSyn));
  first.d.isFragment = first.d.isFirstFragment = true;
  first.d.fragmentRole = FragmentRole::kPiece;
  EXPECT_TRUE(yes("port == 53", first));
  EXPECT_TRUE(yes("ip == 10.0.0.2:53", first));
  EXPECT_TRUE(yes("tcpFlags == syn", first));
  Pkt later = first;
  later.d.isFirstFragment = false;
  later.d.fragmentOffset = 1480;
  EXPECT_FALSE(yes("port == 53", later));
  EXPECT_FALSE(yes("ip == 10.0.0.2:53", later));
  EXPECT_FALSE(yes("serverport == 53", later));
  EXPECT_FALSE(yes("tcpFlags == syn", later));
  EXPECT_TRUE(yes("ip == 10.0.0.2", later));
  later.d.fragmentRole = FragmentRole::kReassembled;  // completes the datagram: still no L4 header in its frame
  EXPECT_FALSE(yes("port == 53", later));
}

Connection makeConnection() {
  Connection c;
  c.clientIp = *IpAddress::parse("10.0.0.1");
  c.serverIp = *IpAddress::parse("192.168.5.5");
  c.clientPort = 40000;
  c.serverPort = 443;
  c.l4Protocol = 6;
  c.outerVlan = 10;
  c.interfaceMask = 0b1010;
  c.dir[0].dscp = 46;
  c.dir[1].dscp = 0;
  c.dir[1].mplsCount = 2;
  c.dir[1].mplsLabels = {100, 200, 0, 0};
  return c;
}

TEST(FilterMatch, ConnectionRows) {
  const Connection c = makeConnection();
  auto run = [&](std::string_view text, const ConnectionContext* ctx = nullptr) {
    Filter f = compileOrDie(text);
    return f.match(ConnectionView{c, ctx});
  };
  EXPECT_EQ(run("ip == 10.0.0.1 and port == 443"), Match::kYes);
  EXPECT_EQ(run("ip == 192.168.0.0/16"), Match::kYes);
  EXPECT_EQ(run("ip == 10.0.0.1:40000 and ip == 192.168.5.5:443"), Match::kYes);
  EXPECT_EQ(run("ip == 10.0.0.1:443"), Match::kNo);
  EXPECT_EQ(run("serverport == 443"), Match::kYes);
  EXPECT_EQ(run("serverport == 40000"), Match::kNo);
  EXPECT_EQ(run("portrange == 400-500"), Match::kYes);
  EXPECT_EQ(run("l4Protocol == TCP"), Match::kYes);
  EXPECT_EQ(run("macProtocol == IPv4"), Match::kYes);
  EXPECT_EQ(run("vlan == 10 and innervlan == none"), Match::kYes);
  EXPECT_EQ(run("mpls == 200 and outerMpls == 100 and innerMpls == 200"), Match::kYes);
  EXPECT_EQ(run("qosIpDscp == EF"), Match::kYes);
  EXPECT_EQ(run("interface == 1"), Match::kYes);
  EXPECT_EQ(run("interface == 0"), Match::kNo);
  EXPECT_EQ(run("interface == 2-3"), Match::kYes);
  // Not applicable to a connection: == is false, != its complement.
  EXPECT_EQ(run("regexp == \"x\""), Match::kNo);
  EXPECT_EQ(run("regexp != \"x\""), Match::kYes);
  EXPECT_EQ(run("mac == 02:00:00:00:00:01"), Match::kNo);
  EXPECT_EQ(run("tcpFlags == syn"), Match::kNo);
  EXPECT_EQ(run("icmpType == 8"), Match::kNo);
  // L7 and context.
  EXPECT_EQ(run("l7Protocol == TLS"), Match::kUndecided);
  ConnectionContext ctx;
  ctx.l7 = L7State::kClassified;
  ctx.l7Protocol = *L7ProtocolTable::builtIn().find("TLS");
  ctx.serverCountry = countryCode("US");
  EXPECT_EQ(run("l7Protocol == SSL and countryCode == US", &ctx), Match::kYes);
  EXPECT_EQ(run("group == default", &ctx), Match::kYes);
}

TEST(FilterMatch, IpAndMacRows) {
  Filter f = compileOrDie("ip == 10.0.0.0/8 and countryCode == FR");
  EXPECT_EQ(f.match(IpRow{*IpAddress::parse("10.1.1.1"), countryCode("FR")}), Match::kYes);
  EXPECT_EQ(f.match(IpRow{*IpAddress::parse("11.1.1.1"), countryCode("FR")}), Match::kNo);
  Filter m = compileOrDie("mac == 00:11:22:33:44:55 or port == 80");
  EXPECT_EQ(m.match(MacRow{*MacAddress::parse("00:11:22:33:44:55")}), Match::kYes);
  EXPECT_EQ(m.match(MacRow{*MacAddress::parse("00:11:22:33:44:56")}), Match::kNo);
}

TEST(FilterMatch, CopiesHaveTheirOwnRegexScratch) {
  const Pkt p = make(tcp("10.0.0.1", 1, "10.0.0.2", 2), "hello world");
  Filter a = compileOrDie("regexp == \"wor\"");
  Filter b = a;
  Filter c = std::move(a);
  EXPECT_EQ(b.match(PacketView{p.d, p.bytes.data()}), Match::kYes);
  EXPECT_EQ(c.match(PacketView{p.d, p.bytes.data()}), Match::kYes);
}

// Inputs the fuzzer found (tests/fixtures/regressions/filter/): each must compile or fail cleanly,
// and evaluate without crashing.
TEST(FilterMatch, FuzzRegressions) {
  const std::filesystem::path dir = test::fixture("regressions/filter");
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no regressions";
  const Pkt p = make(tcp("10.0.0.1", 1, "10.0.0.2", 2), "payload");
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CompileResult r = Filter::compile(text);
    if (r.ok()) (void)r.filter->match(PacketView{p.d, p.bytes.data()});
    ++count;
  }
  EXPECT_GT(count, 0u);
}

}  // namespace
}  // namespace netmeter::filter
