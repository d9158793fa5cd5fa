#include "engine/shard.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "decode/decoder.h"
#include "engine/engine.h"
#include "io/input_stall.h"
#include "support/packet_builder.h"
#include "support/synthetic_source.h"

namespace netmeter {
namespace {

constexpr PacketTime kT0 = 1'700'000'000 * kNanosPerSecond;
constexpr PacketTime kMs = kNanosPerMilli;

IpAddress ip(const std::string& text) {
  return *IpAddress::parse(text);
}
MacAddress mac(uint64_t v) {
  MacAddress m;
  for (int i = 0; i < 6; ++i) m.bytes[size_t(i)] = uint8_t(v >> (8 * (5 - i)));
  return m;
}

test::FrameSpec clientToServer(uint32_t payload = 100) {
  test::FrameSpec s;
  s.srcIp = "10.0.0.1";
  s.dstIp = "10.0.0.2";
  s.srcPort = 40000;
  s.dstPort = 80;
  s.payload = payload;
  s.ttl = 60;
  return s;
}

test::FrameSpec serverToClient(uint32_t payload = 1000) {
  test::FrameSpec s = clientToServer(payload);
  std::swap(s.srcIp, s.dstIp);
  std::swap(s.srcPort, s.dstPort);
  std::swap(s.srcMac, s.dstMac);
  s.ttl = 50;
  return s;
}

// Feeds frames to one shard (what a worker does), keeping the decoded packets' sizes.
struct ShardFeeder {
  EngineOptions options;
  Shard shard{options, int64_t{1} << 30};
  uint64_t wire[2] = {0, 0};  // bytes client->server, server->client

  void send(const test::FrameSpec& spec, PacketTime t) {
    const std::vector<uint8_t> frame = test::buildFrame(spec);
    DecodedPacket p;
    decodePacket(test::rawPacket(frame, t), p);
    wire[spec.srcIp == "10.0.0.1" ? 0 : 1] += p.wireLength;
    shard.process(p, IpBytes{frame.data() + p.ipOffset, uint32_t(frame.size() - p.ipOffset)});
  }
  const IpRecord& ipRecord(const char* text) const { return *shard.modules().ip.ips().find(ip(text)); }
};

// A connection's packets reach the IP, IP-pair, MAC and server-port records once per second of packet
// time (or when flushed), with exactly what the packets would have added one by one.
TEST(ShardPendingTraffic, ReachesTheRecordsAtTheNextSecondExactly) {
  ShardFeeder f;
  f.send(clientToServer(100), kT0 + 100 * kMs);
  f.send(serverToClient(1000), kT0 + 200 * kMs);
  f.send(clientToServer(0), kT0 + 300 * kMs);

  // Bound and active, but the second is still open: the traffic waits in the connection.
  const IpRecord& client = f.ipRecord("10.0.0.1");
  EXPECT_EQ(client.firstActivity, kT0 + 100 * kMs);
  EXPECT_EQ(client.counters.allTime()[2], 0u);

  const uint64_t s2c = f.wire[1];
  f.send(clientToServer(10), kT0 + kNanosPerSecond + 5 * kMs);  // a new second flushes the last one
  const IpRecord& server = f.ipRecord("10.0.0.2");
  EXPECT_EQ(client.counters.allTime()[0], 1u);   // rx packets
  EXPECT_EQ(client.counters.allTime()[1], s2c);  // rx bytes
  EXPECT_EQ(client.counters.allTime()[2], 2u);   // tx packets
  EXPECT_EQ(client.counters.allTime()[4], 3u);   // TCP packets
  EXPECT_EQ(server.counters.allTime()[2], 1u);
  EXPECT_EQ(server.counters.allTime()[0], 2u);
  EXPECT_EQ(client.firstActivity, kT0 + 100 * kMs);
  EXPECT_EQ(client.lastActivity, kT0 + 300 * kMs);  // the new packet is pending
  EXPECT_EQ(client.ttlCount, 2u);
  EXPECT_EQ(client.ttlMin, 60);
  EXPECT_EQ(server.ttlMax, 50);
  EXPECT_TRUE(client.macs.contains(mac(0x020000000001)));
  EXPECT_EQ(client.counters.openSecond(), secondOf(kT0));

  f.shard.flushPending();
  EXPECT_EQ(client.counters.allTime()[2], 3u);
  EXPECT_EQ(client.counters.allTime()[3], f.wire[0]);
  EXPECT_EQ(client.lastActivity, kT0 + kNanosPerSecond + 5 * kMs);
  const auto history = client.counters.sum(secondOf(kT0), secondOf(kT0) + 1);
  EXPECT_EQ(history[2], 2u) << "second 0 holds the two packets sent in it";
  EXPECT_EQ(history[1], s2c);

  const IpPairRecord& pair = *f.shard.modules().ip.pairs().find(IpPairKey{ip("10.0.0.1"), ip("10.0.0.2")});
  EXPECT_EQ(pair.counters.allTime()[2], 3u);  // a = 10.0.0.1 sent 3
  EXPECT_EQ(pair.counters.allTime()[0], 1u);
  const L4PortRecord& port = *f.shard.modules().l4Ports.table.find(L4PortKey{6, 80});
  EXPECT_EQ(port.counters.allTime()[0], 3u);  // received by the server port
  EXPECT_EQ(port.counters.allTime()[3], s2c);
  EXPECT_EQ(port.connections, 1u);
  const MacRecord& clientMac = *f.shard.modules().mac.table.find(mac(0x020000000001));
  EXPECT_EQ(clientMac.counters.allTime()[2], 3u);
  EXPECT_EQ(clientMac.counters.allTime()[0], 1u);
  EXPECT_TRUE(clientMac.ips.contains(ip("10.0.0.1")));
}

// Packets that cannot share what is pending are flushed apart: a new MAC within the second, or a
// late packet from an earlier second.
TEST(ShardPendingTraffic, NewMacsAndLatePacketsAreCountedApart) {
  ShardFeeder f;
  f.send(clientToServer(), kT0 + 1100 * kMs);
  test::FrameSpec moved = clientToServer();
  moved.srcMac = 0x020000000099;
  f.send(moved, kT0 + 1200 * kMs);
  f.send(clientToServer(), kT0 + 900 * kMs);  // late: second 0 after second 1
  f.shard.flushPending();

  const MacRecord* first = f.shard.modules().mac.table.find(mac(0x020000000001));
  const MacRecord* second = f.shard.modules().mac.table.find(mac(0x020000000099));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->counters.allTime()[2], 2u);
  EXPECT_EQ(second->counters.allTime()[2], 1u);
  const IpRecord& client = f.ipRecord("10.0.0.1");
  EXPECT_EQ(client.counters.allTime()[2], 3u);
  EXPECT_EQ(client.firstActivity, kT0 + 900 * kMs);
  EXPECT_EQ(client.lastActivity, kT0 + 1200 * kMs);
  EXPECT_EQ(client.macs.size(), 2u);
}

// TCP application times of connections that end without FIN/RST. A request (client, 100 bytes at
// `at`) answered by the server (1000 bytes at `at` + 200 ms), then the client's ACK: the server's
// burst is in progress until the connection ends.
struct TcpExchange {
  std::string client = "10.0.0.1";
  uint16_t clientPort = 40000;
  test::FrameSpec segment(bool fromClient, uint32_t seq, uint32_t ack, uint32_t payload) const {
    test::FrameSpec s = fromClient ? clientToServer(payload) : serverToClient(payload);
    (fromClient ? s.srcIp : s.dstIp) = client;
    (fromClient ? s.srcPort : s.dstPort) = clientPort;
    s.tcpFlags = tcpflag::kAck | (payload != 0 ? tcpflag::kPsh : 0);
    s.tcpSeq = seq;
    s.tcpAck = ack;
    return s;
  }
  void send(ShardFeeder& f, PacketTime at) const {
    f.send(segment(true, 1000, 5000, 100), at);
    f.send(segment(false, 5000, 1100, 1000), at + 200 * kMs);
    f.send(segment(true, 1100, 6000, 0), at + 250 * kMs);
  }
};

const Connection* connectionOf(const Shard& shard, const std::string& client, PacketTime start) {
  const Connection* found = nullptr;
  shard.flows().forEach([&](const Connection& c) {
    if (c.clientIp == ip(client) && c.start == start) found = &c;
  });
  return found;
}

const TcpIpRecord& tcpRecord(const Shard& shard, const char* text) {
  return *shard.modules().tcp.ips().find(ip(text));
}

// Expects the server burst of the exchange sent at `at` to be counted for the connection, its server
// (in the second of its last packet) and globally.
void expectServerBurstCounted(const Shard& shard, const std::string& client, PacketTime at) {
  const Connection* c = connectionOf(shard, client, at);
  ASSERT_NE(c, nullptr);
  ASSERT_NE(c->tcp, nullptr);
  EXPECT_EQ(c->tcp->side[kServerToClient].counters.dataTransfers, 1u);
  EXPECT_EQ(c->tcp->app.requestResponses, 1u);
  EXPECT_EQ(c->tcp->app.requestResponseNs, 200'000'000u);
  const int64_t last = secondOf(at + 250 * kMs);
  const auto server = tcpRecord(shard, "10.0.0.2").counters.sum(last, last + 1);
  EXPECT_GE(server[kTcpDataTransfers], 1u);
  EXPECT_GE(server[kTcpRequestResponsesAsServer], 1u);
  EXPECT_GE(shard.modules().tcp.global().counters.sum(last, last + 1)[kTcpRequestResponsesAsServer], 1u);
}

TEST(ShardTcpEnds, IdleExpiryFinishesTheBurstInProgress) {
  ShardFeeder f;
  TcpExchange{}.send(f, kT0 + 100 * kMs);
  test::FrameSpec other = clientToServer(10);
  other.srcIp = "10.0.0.9";
  f.send(other, kT0 + 200 * kNanosPerSecond);
  EXPECT_EQ(tcpRecord(f.shard, "10.0.0.2").counters.allTime()[kTcpDataTransfers], 0u);
  EXPECT_EQ(f.shard.modules().tcp.global().counters.allTime()[kTcpRequestResponsesAsServer], 0u);
  f.send(other, kT0 + 400 * kNanosPerSecond);  // the expiry scan of second 400 ends the first one
  const Connection* c = connectionOf(f.shard, "10.0.0.1", kT0 + 100 * kMs);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->termination, TerminationReason::kTimeout);
  expectServerBurstCounted(f.shard, "10.0.0.1", kT0 + 100 * kMs);
  EXPECT_EQ(tcpRecord(f.shard, "10.0.0.2").counters.allTime()[kTcpDataTransfers], 1u);
  EXPECT_EQ(tcpRecord(f.shard, "10.0.0.1").counters.allTime()[kTcpDataTransfers], 1u);
}

// A connection's traffic history is rolled up as it ages like the records' (README "Memory"): over
// more than an hour, its old seconds become 1-minute buckets, the memory shrinks, nothing is lost, and
// any interval counts what its IP's history counts.
TEST(ShardHistory, ConnectionHistoriesAreRolledUpLikeTheRecords) {
  ShardFeeder f;
  test::FrameSpec udp = clientToServer(50);
  udp.l4Protocol = 17;
  const int64_t seconds = 2 * 3600 + 120;
  for (int64_t s = 0; s < seconds; s += 2) f.send(udp, kT0 + s * kNanosPerSecond);  // keeps it alive
  f.shard.finish(kT0 + (seconds - 2) * kNanosPerSecond);
  const Connection* c = nullptr;
  f.shard.flows().forEach([&](const Connection& conn) { c = &conn; });
  ASSERT_NE(c, nullptr);
  const IpRecord& client = f.ipRecord("10.0.0.1");
  EXPECT_EQ(c->traffic.allTime()[2], uint64_t(seconds / 2));
  const auto points = c->traffic.series(kT0 / kNanosPerSecond, kT0 / kNanosPerSecond + 600, 600);
  ASSERT_FALSE(points.empty());
  EXPECT_EQ(points.front().step, 60) << "seconds older than an hour are minutes now";
  EXPECT_LT(c->traffic.memoryBytes(), size_t(seconds / 2 * 3)) << "rolled up, not one bucket per active second";
  // An interval cutting a rolled-up minute counts the same share for the connection as for its IP.
  const int64_t from = kT0 / kNanosPerSecond + 30, to = kT0 / kNanosPerSecond + 1830;
  EXPECT_EQ(c->traffic.sum(from, to)[2], client.counters.sum(from, to)[2]);
}

// A packet after the timeout (before a scan noticed it) ends the connection and starts a new one; the
// old one's burst is finished at the next second, dated at its own last packet.
TEST(ShardTcpEnds, APacketAfterTheTimeoutFinishesTheBurstInProgress) {
  ShardFeeder f;
  TcpExchange{}.send(f, kT0 + 100 * kMs);
  test::FrameSpec other = clientToServer(10);
  other.srcIp = "10.0.0.9";
  f.send(other, kT0 + 300 * kNanosPerSecond);          // scans at second 300: not idle for 300 s yet
  TcpExchange{}.send(f, kT0 + 301 * kNanosPerSecond);  // same ports, 300.75 s later: a new connection
  const Connection* old = connectionOf(f.shard, "10.0.0.1", kT0 + 100 * kMs);
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->termination, TerminationReason::kTimeout);
  EXPECT_EQ(old->tcp->app.requestResponses, 0u) << "finished when the next second begins";
  f.send(other, kT0 + 302 * kNanosPerSecond);
  expectServerBurstCounted(f.shard, "10.0.0.1", kT0 + 100 * kMs);
  EXPECT_EQ(tcpRecord(f.shard, "10.0.0.2").counters.allTime()[kTcpRequestResponsesAsServer], 1u)
      << "the new connection's response is still in progress";
}

// While the analysis runs, a burst in progress is not counted (a query of a live analysis sees the
// finished ones only); the end of the analysis finishes it, the connection staying active.
TEST(ShardTcpEnds, TheEndOfTheAnalysisFinishesTheBurstInProgress) {
  ShardFeeder f;
  TcpExchange{}.send(f, kT0 + 100 * kMs);
  f.shard.flushPending();
  const Connection* c = connectionOf(f.shard, "10.0.0.1", kT0 + 100 * kMs);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tcp->side[kServerToClient].counters.dataTransfers, 0u);
  EXPECT_EQ(c->tcp->app.transactions, 1u);
  EXPECT_EQ(tcpRecord(f.shard, "10.0.0.2").counters.allTime()[kTcpTransactionsAsServer], 1u);
  EXPECT_EQ(tcpRecord(f.shard, "10.0.0.2").counters.allTime()[kTcpRequestResponsesAsServer], 0u);
  f.shard.finish(kT0 + 10 * kNanosPerSecond);
  EXPECT_EQ(c->termination, TerminationReason::kActive);
  expectServerBurstCounted(f.shard, "10.0.0.1", kT0 + 100 * kMs);
  f.shard.finish(kT0 + 10 * kNanosPerSecond);  // once only
  EXPECT_EQ(tcpRecord(f.shard, "10.0.0.2").counters.allTime()[kTcpRequestResponsesAsServer], 1u);
  EXPECT_EQ(f.shard.modules().tcp.global().counters.allTime()[kTcpDataTransfers], 2u);
}

// Under memory pressure the oldest connections are evicted: their bursts in progress count before
// they go (globally: the per-IP records of the same age go with them). A flood of clients that each
// send one request, evicted in turn: every burst counts once, at eviction or at the end.
TEST(ShardTcpEnds, EvictionFinishesTheBurstInProgress) {
  EngineOptions options;
  Shard shard(options, int64_t{4} << 20);
  const auto send = [&](const test::FrameSpec& spec, PacketTime t) {
    const std::vector<uint8_t> frame = test::buildFrame(spec);
    DecodedPacket p;
    decodePacket(test::rawPacket(frame, t), p);
    shard.process(p, IpBytes{frame.data() + p.ipOffset, uint32_t(frame.size() - p.ipOffset)});
  };
  const TcpExchange exchange;
  send(exchange.segment(true, 1000, 5000, 100), kT0);
  send(exchange.segment(false, 5000, 1100, 1000), kT0 + 200 * kMs);
  send(exchange.segment(true, 1100, 6000, 0), kT0 + 250 * kMs);
  int flood = 0;
  for (; flood < 20000 && shard.evictedEntities() == 0; ++flood)
    send(TcpExchange{.client = "10." + std::to_string(1 + flood / 65536) + "." +
                               std::to_string(flood / 256 % 256) + "." + std::to_string(flood % 256)}
             .segment(true, 1000, 5000, 100),
         kT0 + kNanosPerSecond + flood * kMs);
  ASSERT_GT(shard.evictedEntities(), 0u);
  EXPECT_EQ(connectionOf(shard, "10.0.0.1", kT0), nullptr) << "evicted";
  const auto global = shard.modules().tcp.global().counters.allTime();
  EXPECT_GE(global[kTcpDataTransfers], 2u);
  EXPECT_EQ(global[kTcpRequestResponsesAsServer], 1u);
  EXPECT_EQ(global[kTcpRequestResponseNsAsServer], 200'000'000u);
  for (int i = 0; i < 3000; ++i, ++flood)  // more evictions, then the end
    send(TcpExchange{.client = "10.9." + std::to_string(i / 256) + "." + std::to_string(i % 256)}.segment(
             true, 1000, 5000, 100),
         kT0 + kNanosPerSecond + flood * kMs);
  shard.finish(kT0 + kNanosPerSecond + flood * kMs);
  EXPECT_LE(shard.memory().bytes, shard.memoryBudget());
  EXPECT_EQ(shard.modules().tcp.global().counters.allTime()[kTcpDataTransfers], 2u + uint64_t(flood));
}

// A source that pauses after its first packets (like an upload waiting for data) until the test has
// looked at the statistics: one packet from each of kClients clients (connections spread over every
// worker, the one reading among them), then the pause, then one more packet.
class PausingSource : public PacketSource {
 public:
  static constexpr size_t kClients = 32;
  static std::string client(size_t i) { return "10.0.1." + std::to_string(i + 1); }

  ReadStatus next(RawPacket& packet) override {
    if (index_ == kClients && !resumed_) {
      io::notifyInputStall();  // the engine hands everything over and the workers flush
      std::unique_lock lock(mutex_);
      paused_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return resumed_; });
    }
    if (index_ > kClients) return ReadStatus::kEnd;
    test::FrameSpec spec = clientToServer();
    spec.srcIp = client(index_ % kClients);
    frame_ = test::buildFrame(spec);
    packet = test::rawPacket(frame_, kT0 + PacketTime(index_) * kMs);
    ++index_;
    return ReadStatus::kPacket;
  }
  void waitUntilPaused() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return paused_; });
  }
  void resume() {
    std::lock_guard lock(mutex_);
    resumed_ = true;
    cv_.notify_all();
  }
  const ReadError& error() const override { return error_; }
  const std::vector<InterfaceInfo>& interfaces() const override { return interfaces_; }
  uint64_t bytesConsumed() const override { return index_; }
  uint64_t bytesTotal() const override { return kClients + 1; }

 private:
  std::vector<uint8_t> frame_;
  size_t index_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool paused_ = false, resumed_ = false;
  ReadError error_;
  std::vector<InterfaceInfo> interfaces_{InterfaceInfo{"eth0", "", 1, 65535, 9}};
};

// Statistics do not lag behind a pause in the input: the packets read before it are in the records
// although their second of packet time has not ended — also when the workers read in turn, where
// the worker that read them waits for the input itself and must process its own share first.
TEST(ShardPendingTraffic, APauseInTheInputFlushes) {
  const std::pair<unsigned, ReaderMode> setups[] = {{1, ReaderMode::kDedicated},
                                                    {2, ReaderMode::kDedicated},
                                                    {2, ReaderMode::kShared},
                                                    {3, ReaderMode::kShared}};
  for (const auto& [threads, mode] : setups) {
    EngineOptions options;
    options.threads = threads;
    options.reader = mode;
    Engine engine(options);
    PausingSource source;
    std::thread reader([&] { engine.run(source); });
    source.waitUntilPaused();
    uint64_t sent = 0;
    for (int attempt = 0; attempt < 500 && sent != PausingSource::kClients; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      sent = 0;
      engine.forEachShard([&](const Shard& s) {
        for (size_t i = 0; i < PausingSource::kClients; ++i)
          if (const IpRecord* r = s.modules().ip.ips().find(ip(PausingSource::client(i))))
            sent += r->counters.allTime()[2];
      });
    }
    EXPECT_EQ(sent, PausingSource::kClients)
        << threads << " threads, " << (mode == ReaderMode::kShared ? "reading in turn" : "a reader thread");
    source.resume();
    reader.join();
  }
}

}  // namespace
}  // namespace netmeter
