// The TCP module: per-IP and global aggregation (flushed per second), open server ports, memory.
#include "modules/tcp/tcp_module.h"

#include <gtest/gtest.h>

#include "tcp_segments.h"

namespace netmeter {
namespace {

using namespace test;

class TcpModuleTest : public ::testing::Test {
 protected:
  void feed(const Segment& s) {
    const DecodedPacket p = s.packet();
    const FlowUpdate flow = flows_.update(p, account_);
    module_.onPacket(p, flow, account_);
  }
  void exchange(double at) {
    feed({.dir = kClientToServer, .flags = kSyn, .seq = 1000, .t = ms(at)});
    feed({.dir = kServerToClient, .flags = kSynAck, .seq = 5000, .ack = 1001, .t = ms(at + 10)});
    feed({.dir = kClientToServer, .flags = kAck, .seq = 1001, .ack = 5001, .t = ms(at + 12)});
    feed({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(at + 20)});
    feed({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(at + 400)});
    feed({.dir = kServerToClient, .flags = kPshAck, .seq = 5001, .ack = 1101, .len = 300, .t = ms(at + 410)});
  }
  const TcpIpRecord* ip(const char* text) const { return module_.ips().find(*IpAddress::parse(text)); }

  FlowTable flows_;
  TcpModule module_;
  MemoryAccount account_;
};

TEST_F(TcpModuleTest, PerIpStatisticsAppearAtTheNextSecond) {
  exchange(0);
  EXPECT_EQ(ip("10.0.0.1"), nullptr);  // still in the connection, not flushed
  feed({.dir = kClientToServer, .flags = kAck, .seq = 1101, .ack = 5301, .t = ms(1500)});
  const TcpIpRecord* client = ip("10.0.0.1");
  const TcpIpRecord* server = ip("10.0.0.2");
  ASSERT_NE(client, nullptr);
  ASSERT_NE(server, nullptr);
  const auto& c = client->counters.allTime();
  const auto& s = server->counters.allTime();
  EXPECT_EQ(c[kTcpHandshakesAsClient], 1u);
  EXPECT_EQ(c[kTcpHandshakeNsAsClient], 12'000'000u);
  EXPECT_EQ(s[kTcpHandshakesAsServer], 1u);
  EXPECT_EQ(c[kTcpPayloadBytes], 200u);
  EXPECT_EQ(c[kTcpRetransmittedBytes], 100u);
  EXPECT_EQ(s[kTcpPayloadBytes], 300u);
  EXPECT_EQ(s[kTcpTransactionsAsServer], 1u);
  EXPECT_EQ(client->connectionsAsClient, 1u);
  EXPECT_EQ(client->validAsClient, 1u);
  EXPECT_EQ(server->connectionsAsServer, 1u);
  // The flushed growth is dated in the second it happened (second 0), not the flush's.
  const auto history = client->counters.sum(secondOf(kTcpT0), secondOf(kTcpT0) + 1);
  EXPECT_EQ(history[kTcpPayloadBytes], 200u);
  EXPECT_EQ(module_.global().counters.allTime()[kTcpPayloadBytes], 500u);
  const TcpServerPortRecord* port = module_.serverPorts().find({*IpAddress::parse("10.0.0.2"), 80});
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->connections, 1u);
  EXPECT_EQ(port->firstActivity, ms(0));
  EXPECT_EQ(module_.serverPorts().find({*IpAddress::parse("10.0.0.1"), 40000}), nullptr);
}

TEST_F(TcpModuleTest, CompactFlushesAndCountsOnce) {
  exchange(0);
  module_.compact(secondOf(ms(2000)), RetentionPolicy{}, account_);
  module_.compact(secondOf(ms(2000)), RetentionPolicy{}, account_);
  EXPECT_EQ(ip("10.0.0.1")->counters.allTime()[kTcpPayloadBytes], 200u);
  EXPECT_EQ(ip("10.0.0.1")->connectionsAsClient, 1u);
  EXPECT_EQ(module_.global().connectionsAsClient, 1u);
}

TEST_F(TcpModuleTest, MergingShardsAdds) {
  exchange(0);
  module_.compact(secondOf(ms(2000)), RetentionPolicy{}, account_);
  TcpModule merged;
  MemoryAccount scratch;
  merged.mergeFrom(module_, scratch);
  merged.mergeFrom(module_, scratch);
  EXPECT_EQ(merged.global().counters.allTime()[kTcpPayloadBytes], 1000u);
  EXPECT_EQ(merged.ips().find(*IpAddress::parse("10.0.0.2"))->extremes.handshakeMaxNsAsServer, 12'000'000);
}

TEST_F(TcpModuleTest, StateIsAccountedAndFreedWithTheConnection) {
  const int64_t before = account_.bytes;
  exchange(0);
  EXPECT_GE(account_.bytes - before, kTcpStateAccountedBytes);
  module_.evictBefore(ms(100000), account_);
  flows_.evictBefore(ms(100000), account_);
  size_t connections = 0;
  flows_.forEach([&](const Connection&) { ++connections; });
  EXPECT_EQ(connections, 0u);
  // Only the module's own records remain; evicting them too brings the account back.
  EXPECT_EQ(module_.ips().size(), 0u);
  EXPECT_EQ(account_.bytes, before + 0);
}

// A connection that ended without FIN/RST: its open burst counts per IP and globally, dated in the
// second of its last packet even though the records have moved on since, and only once.
TEST_F(TcpModuleTest, FinishedConnectionCountsItsOpenBurstAtItsLastPacket) {
  exchange(0);  // the server's response (410 ms) is still in progress
  feed({.dir = kClientToServer, .flags = kAck, .seq = 1101, .ack = 5301, .t = ms(1500)});
  // Another client of the same server moves the records on to second 7.
  for (const Direction d : {kClientToServer, kServerToClient}) {
    DecodedPacket p =
        Segment{.dir = d, .flags = kPshAck, .seq = 1, .ack = 1, .len = 10, .t = ms(7000)}.packet();
    (d == kClientToServer ? p.srcIp : p.dstIp) = *IpAddress::parse("10.0.0.3");
    module_.onPacket(p, flows_.update(p, account_), account_);
  }
  module_.flush(account_);
  const TcpIpRecord* server = ip("10.0.0.2");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.openSecond(), secondOf(ms(7000)));
  EXPECT_EQ(server->counters.allTime()[kTcpDataTransfers], 0u);
  EXPECT_EQ(server->counters.allTime()[kTcpRequestResponsesAsServer], 0u);
  EXPECT_EQ(server->counters.allTime()[kTcpTransactionsAsServer], 2u);  // both clients answered

  Connection* first = nullptr;
  flows_.forEach([&](Connection& c) {
    if (c.clientIp == *IpAddress::parse("10.0.0.1")) first = &c;
  });
  ASSERT_NE(first, nullptr);
  for (int i = 0; i < 2; ++i) module_.finishConnection(*first, account_);
  module_.addFinished(account_);
  EXPECT_EQ(first->tcp->side[kServerToClient].counters.dataTransfers, 1u);
  const auto second1 = [&](const TcpIpRecord& r) {
    return r.counters.sum(secondOf(ms(1500)), secondOf(ms(1500)) + 1);
  };
  EXPECT_EQ(server->counters.allTime()[kTcpDataTransfers], 1u);
  EXPECT_EQ(second1(*server)[kTcpDataTransfers], 1u) << "dated at the last packet (1.5 s)";
  EXPECT_EQ(server->counters.openValues()[kTcpDataTransfers], 0u);
  EXPECT_EQ(second1(*server)[kTcpRequestResponsesAsServer], 1u);
  EXPECT_EQ(second1(*server)[kTcpRequestResponseNsAsServer], 390'000'000u);  // 20 -> 410 ms
  EXPECT_EQ(server->extremes.requestResponseMaxNsAsServer, 390'000'000);
  EXPECT_EQ(second1(module_.global())[kTcpDataTransfers], 1u);
  EXPECT_EQ(module_.global().counters.allTime()[kTcpRequestResponsesAsServer], 1u);
  EXPECT_EQ(module_.global().counters.allTime()[kTcpTransactionsAsServer], 2u);
  EXPECT_EQ(server->lastActivity, ms(7000));
  // The client's burst (20 ms and its retransmission) had ended when the server answered.
  EXPECT_EQ(ip("10.0.0.1")->counters.allTime()[kTcpDataTransfers], 1u);
}

TEST_F(TcpModuleTest, UdpIsIgnored) {
  Segment s;
  DecodedPacket p = s.packet();
  p.l4Protocol = ipproto::kUdp;
  const FlowUpdate flow = flows_.update(p, account_);
  module_.onPacket(p, flow, account_);
  EXPECT_EQ(flow.connection->tcp, nullptr);
}

}  // namespace
}  // namespace netmeter
