#include <gtest/gtest.h>

#include <vector>

#include "l7_test_util.h"
#include "modules/dns/dns_parser.h"

namespace netmeter {
namespace {

using test::segment;

// Query for www.example.com (A), id 0x1234; with `answers`, a response with a compressed A answer.
std::string dnsMessage(bool response, uint8_t rcode = 0) {
  std::string m = {0x12, 0x34, char(response ? 0x81 : 0x01), char(response ? 0x80 | rcode : 0x00), 0, 1,
                   0,    char(response ? 1 : 0), 0, 0, 0, 0};
  m += std::string("\3www\7example\3com\0", 17);
  m += std::string("\0\1\0\1", 4);
  if (response) {
    m += std::string("\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4", 12);
    m += std::string("\x5d\xb8\xd8\x22", 4);  // 93.184.216.34
  }
  return m;
}

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(DnsParser, ReadsQuestionAndCompressedAnswer) {
  const std::string m = dnsMessage(true);
  DnsMessage out;
  ASSERT_EQ(parseDnsMessage(bytes(m), out), DnsParseResult::kOk);
  EXPECT_TRUE(out.response);
  EXPECT_EQ(out.id, 0x1234);
  EXPECT_EQ(out.name(), "www.example.com");
  EXPECT_EQ(out.qtype, 1);
  ASSERT_EQ(out.addressCount, 1);
  EXPECT_EQ(out.addresses[0].toString(), "93.184.216.34");
  EXPECT_TRUE(looksLikeDns(bytes(m)));
}

TEST(DnsParser, RejectsPointerLoopsAndForwardPointers) {
  std::string m = dnsMessage(false);
  m.resize(12);
  m += std::string("\xc0\x0c\0\1\0\1", 6);  // a name pointing at itself
  DnsMessage out;
  EXPECT_EQ(parseDnsMessage(bytes(m), out), DnsParseResult::kMalformed);
  m.resize(12);
  m += std::string("\xc0\x20\0\1\0\1", 6);  // forwards
  EXPECT_EQ(parseDnsMessage(bytes(m), out), DnsParseResult::kMalformed);
}

TEST(DnsParser, EveryTruncationIsRejectedWithoutReadingPastTheEnd) {
  const std::string m = dnsMessage(true);
  for (size_t n = 0; n < m.size(); ++n) {
    const std::vector<uint8_t> copy(m.begin(), m.begin() + long(n));  // exact size: ASan sees overreads
    DnsMessage out;
    EXPECT_NE(parseDnsMessage(copy, out), DnsParseResult::kOk) << n;
  }
}

TEST(DnsParser, TellsBytesEndingInsideARecordFromDamage) {
  const std::string m = dnsMessage(true);
  DnsMessage out;
  // Cut inside the question (its name, then its type), then inside the answer.
  for (size_t n : {size_t(20), size_t(31), size_t(40), m.size() - 1}) {
    EXPECT_EQ(parseDnsMessage(bytes(m.substr(0, n)), out), DnsParseResult::kTruncated) << n;
    EXPECT_EQ(out.response, true);
  }
  EXPECT_TRUE(looksLikeDns(bytes(m.substr(0, 20)), true));  // the rest was not captured
  EXPECT_FALSE(looksLikeDns(bytes(m.substr(0, 20))));       // the message ends there: not DNS
  // A name longer than 255 bytes (RFC 1035, 2.3.4) is damage, wherever the bytes end.
  std::string longName = m.substr(0, 12);
  for (int i = 0; i < 5; ++i) longName += std::string(1, char(60)) + std::string(60, 'a');
  longName += std::string("\0\0\1\0\1", 5);
  EXPECT_EQ(parseDnsMessage(bytes(longName), out), DnsParseResult::kMalformed);
  EXPECT_EQ(parseDnsMessage(bytes(longName.substr(0, 12 + 4 * 61 + 30)), out), DnsParseResult::kMalformed);
  EXPECT_FALSE(looksLikeDns(bytes(longName), true));
}

TEST(DnsModule, CountsQueriesRepliesResponseTimeAndLearnsNames) {
  test::SyntheticSource source;
  source.add(test::buildFrame(segment(true, dnsMessage(false), 0, 53, 17)), 1'000'000'000);
  source.add(test::buildFrame(segment(false, dnsMessage(true), 0, 53, 17)), 1'005'000'000);
  source.add(test::buildFrame(segment(true, dnsMessage(false), 0, 53, 17)), 2'000'000'000);  // unanswered
  Engine engine(EngineOptions{});
  engine.run(source);
  auto m = test::mergedModules(engine);
  const DnsServerRecord* server = m->app.dns.servers().find(*IpAddress::parse("10.0.0.2"));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.allTime()[0], 2u);
  EXPECT_EQ(server->counters.allTime()[1], 1u);
  EXPECT_EQ(server->responseTime.count, 1u);
  EXPECT_EQ(server->responseTime.max, 5'000'000);
  EXPECT_EQ(server->replyCodes[0], 1u);
  EXPECT_EQ(server->queryTypes[dnsTypeSlot(1)], 2u);
  const HostNameRecord* names = m->app.names.find(*IpAddress::parse("93.184.216.34"));
  ASSERT_NE(names, nullptr);
  EXPECT_EQ(names->names[0].name, "www.example.com");
  EXPECT_TRUE(names->contains("EXAMPLE"));
  EXPECT_FALSE(names->contains("example.org"));
}

TEST(DnsModule, ReassemblesDnsOverTcpAcrossSegmentsAndRetransmissions) {
  const std::string q = dnsMessage(false), r = dnsMessage(true, 3);
  const std::string framedQ = std::string{char(q.size() >> 8), char(q.size())} + q;
  const std::string framedR = std::string{char(r.size() >> 8), char(r.size())} + r;
  test::SyntheticSource source;
  source.add(test::buildFrame(segment(true, framedQ.substr(0, 5), 100, 53)), 1'000'000'000);
  source.add(test::buildFrame(segment(true, framedQ.substr(0, 5), 100, 53)), 1'000'100'000);  // retransmitted
  source.add(test::buildFrame(segment(true, framedQ.substr(5), 105, 53)), 1'000'200'000);
  source.add(test::buildFrame(segment(false, framedR, 900, 53)), 1'010'000'000);
  Engine engine(EngineOptions{});
  engine.run(source);
  auto m = test::mergedModules(engine);
  const DnsServerRecord* server = m->app.dns.servers().find(*IpAddress::parse("10.0.0.2"));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.allTime()[0], 1u);
  EXPECT_EQ(server->counters.allTime()[1], 1u);
  EXPECT_EQ(server->replyCodes[3], 1u);  // NXDOMAIN: no name learned
  EXPECT_EQ(server->responseTime.max, 9'800'000);
  EXPECT_EQ(m->app.names.find(*IpAddress::parse("93.184.216.34")), nullptr);
}

const DnsServerRecord* dnsServer(const ModuleSet& m) {
  return m.app.dns.servers().find(*IpAddress::parse("10.0.0.2"));
}

// What tshark does (dns.retransmission_timer, 5 s): a query repeated before its reply within 5 s is a
// retransmission and its reply is timed from the first; a repeat after 5 s (a resolver's retry
// timeout) is a new transaction, whose reply is timed from it: the server answered the retry, and
// timing it from the lost first query would report the client's timeout as the server's latency. A
// second reply to an answered transaction is not timed again.
TEST(DnsModule, RetransmittedQueriesAndRepliesAreTimedOnce) {
  const std::string q = dnsMessage(false), r = dnsMessage(true);
  test::SyntheticSource source;
  source.add(test::buildFrame(segment(true, q, 0, 53, 17)), 1'000'000'000);
  source.add(test::buildFrame(segment(true, q, 0, 53, 17)), 1'000'044'000);  // duplicate
  source.add(test::buildFrame(segment(false, r, 0, 53, 17)), 1'020'000'000);
  source.add(test::buildFrame(segment(false, r, 0, 53, 17)), 1'020'050'000);  // duplicate reply
  // Same id again later: unanswered at first, retried after exactly 5 s, answered 10 ms later.
  source.add(test::buildFrame(segment(true, q, 0, 53, 17)), 3'000'000'000);
  source.add(test::buildFrame(segment(true, q, 0, 53, 17)), 8'000'000'000);
  source.add(test::buildFrame(segment(false, r, 0, 53, 17)), 8'010'000'000);
  Engine engine(EngineOptions{});
  engine.run(source);
  auto m = test::mergedModules(engine);
  const DnsServerRecord* server = dnsServer(*m);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.allTime()[0], 4u);  // every query is a request
  EXPECT_EQ(server->counters.allTime()[1], 3u);  // and every reply a reply
  EXPECT_EQ(server->responseTime.count, 2u);
  EXPECT_EQ(server->responseTime.max, 20'000'000);
  EXPECT_EQ(server->counters.allTime()[3], 30'000'000u);
}

// A reply whose frame ends inside its question: the header (reply code) is there and the connection
// is DNS (tshark counts such replies too). The frame here is complete and its IPv4 total length runs
// beyond it (badpackets.pcap; the decoder cuts the payload at the frame's end); a small snap length
// gives the same bytes with a longer wire length.
TEST(DnsModule, AReplyCutByTheSnapLengthIsCounted) {
  test::SyntheticSource source;
  std::vector<uint8_t> cut = test::buildFrame(segment(false, dnsMessage(true, 3), 0, 53, 17));
  cut.resize(14 + 20 + 8 + 20);  // Ethernet, IPv4, UDP, 20 bytes of DNS
  source.add(std::move(cut), 1'000'000'000);
  Engine engine(EngineOptions{});
  engine.run(source);
  auto m = test::mergedModules(engine);
  const DnsServerRecord* server = dnsServer(*m);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.allTime()[1], 1u);
  EXPECT_EQ(server->replyCodes[3], 1u);
  EXPECT_EQ(server->malformed, 1u);
}

// Over TCP the first segment may end inside the first question: the length prefix says the message
// goes on.
TEST(DnsModule, ATcpMessageSplitInsideItsQuestionIsRecognized) {
  const std::string q = dnsMessage(false);
  const std::string framed = std::string{char(q.size() >> 8), char(q.size())} + q;
  test::SyntheticSource source;
  source.add(test::buildFrame(segment(true, framed.substr(0, 20), 100, 53)), 1'000'000'000);
  source.add(test::buildFrame(segment(true, framed.substr(20), 120, 53)), 1'000'100'000);
  Engine engine(EngineOptions{});
  engine.run(source);
  auto m = test::mergedModules(engine);
  const DnsServerRecord* server = dnsServer(*m);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.allTime()[0], 1u);
  EXPECT_EQ(server->queryTypes[dnsTypeSlot(1)], 1u);
}

TEST(DnsModule, RealTcpCaptureNamesTheQuery) {
  auto engine = test::analyzeCapture("tcpdump/dns_tcp.pcap");
  ASSERT_NE(engine, nullptr);
  auto m = test::mergedModules(*engine);
  uint64_t requests = 0, replies = 0;
  m->app.dns.servers().forEach([&](const IpAddress&, const DnsServerRecord& r) {
    requests += r.counters.allTime()[0];
    replies += r.counters.allTime()[1];
  });
  EXPECT_EQ(requests, 1u);
  EXPECT_EQ(replies, 1u);
  bool named = false;
  m->app.names.forEach([&](const IpAddress&, const HostNameRecord& r) { named |= r.contains("www.tcpdump.org"); });
  EXPECT_TRUE(named);
}

}  // namespace
}  // namespace netmeter
