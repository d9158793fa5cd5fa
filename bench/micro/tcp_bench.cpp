// TCP analyzer micro benchmarks: the cost per TCP packet of analyzeTcpSegment on one connection (all
// in cache), and of the flow table with and without the TCP module over many interleaved connections
// (the memory-bound case of a real trace): the difference is the TCP module's cost per packet.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "flow/flow_table.h"
#include "modules/tcp/tcp_analyzer.h"
#include "modules/tcp/tcp_module.h"

namespace netmeter {
namespace {

constexpr PacketTime kT0 = 1'700'000'000 * kNanosPerSecond;

DecodedPacket segment(uint32_t connection, bool fromClient, uint32_t seq, uint32_t ack, uint32_t len) {
  DecodedPacket p;
  p.ipVersion = 4;
  const uint32_t client = 0x0a000000u + connection;
  const uint32_t server = 0xc0a80001u + (connection % 64);
  p.srcIp = IpAddress::v4(fromClient ? client : server);
  p.dstIp = IpAddress::v4(fromClient ? server : client);
  p.l4Protocol = ipproto::kTcp;
  p.hasPorts = true;
  p.srcPort = fromClient ? 40000 : 443;
  p.dstPort = fromClient ? 443 : 40000;
  p.tcpFlags = tcpflag::kAck | (len ? tcpflag::kPsh : 0);
  p.tcpSeq = seq;
  p.tcpAck = ack;
  p.tcpWindow = 1000;
  p.payloadLength = len;
  p.wireLength = 54 + len;
  return p;
}

// One connection, the server sending 1400-byte segments and the client acknowledging every other one.
void BM_AnalyzeSegment(benchmark::State& state) {
  TcpConnectionState st;
  uint32_t seq = 1, ack = 1;
  PacketTime t = kT0;
  size_t n = 0;
  for (auto _ : state) {
    DecodedPacket p = (n % 3 == 2) ? segment(0, true, 1, ack = seq, 0) : segment(0, false, seq, 1, 1400);
    if (n % 3 != 2) seq += 1400;
    p.timestamp = t += 10'000;
    benchmark::DoNotOptimize(analyzeTcpSegment(st, p.srcPort == 443 ? kServerToClient : kClientToServer, p));
    ++n;
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_AnalyzeSegment);

// state.range(0) connections, packets in random connection order at 1 M packets/s; range(1): with the
// TCP module (1) or the flow table alone (0).
void BM_FlowTableWithTcp(benchmark::State& state) {
  const uint32_t connections = static_cast<uint32_t>(state.range(0));
  const bool withTcp = state.range(1) != 0;
  FlowTable flows;
  TcpModule tcp;
  MemoryAccount account;
  std::vector<uint32_t> seq(connections, 1), ack(connections, 1);
  std::vector<uint32_t> order(1 << 20);
  std::mt19937_64 rng(1);
  for (auto& i : order) i = static_cast<uint32_t>(rng() % connections);
  PacketTime t = kT0;
  size_t n = 0;
  for (auto _ : state) {
    const uint32_t c = order[n & (order.size() - 1)];
    const bool fromServer = (n & 3) != 3;
    DecodedPacket p = fromServer ? segment(c, false, seq[c], ack[c], 1000) : segment(c, true, ack[c], seq[c], 0);
    if (fromServer) seq[c] += 1000;
    p.timestamp = t += 1000;
    const FlowUpdate flow = flows.update(p, account);
    if (withTcp) tcp.onPacket(p, flow, account);
    benchmark::DoNotOptimize(flow.connection);
    ++n;
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
  state.counters["bytesPerConnection"] = benchmark::Counter(double(account.bytes) / double(connections));
}
BENCHMARK(BM_FlowTableWithTcp)
    ->Args({1000, 0})->Args({1000, 1})->Args({100'000, 0})->Args({100'000, 1})
    ->ArgNames({"connections", "tcp"});

}  // namespace
}  // namespace netmeter
BENCHMARK_MAIN();
