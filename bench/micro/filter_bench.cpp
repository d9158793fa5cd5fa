// Filter matcher cost per packet (ns/packet) and regexp throughput (bytes/s of L7 payload).
//   filter_bench --benchmark_filter=Filter
// The packets are decoded once; the loop measures Filter::match only (what a capture pays per packet
// on top of decoding, which it needs anyway).
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "decode/decoder.h"
#include "filter/filter.h"

namespace {

using namespace netmeter;

struct Sample {
  std::vector<uint8_t> bytes;
  DecodedPacket decoded;
};

// Ethernet / IPv4 / TCP with `payload` bytes of text-like data (no match for the regexps below).
Sample makeTcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, size_t payload, uint32_t seed) {
  std::vector<uint8_t> f = {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00};
  const size_t ipLen = 20 + 20 + payload;
  const uint8_t ip[20] = {0x45,
                          0,
                          uint8_t(ipLen >> 8),
                          uint8_t(ipLen),
                          0,
                          0,
                          0x40,
                          0,
                          64,
                          6,
                          0,
                          0,
                          uint8_t(src >> 24),
                          uint8_t(src >> 16),
                          uint8_t(src >> 8),
                          uint8_t(src),
                          uint8_t(dst >> 24),
                          uint8_t(dst >> 16),
                          uint8_t(dst >> 8),
                          uint8_t(dst)};
  f.insert(f.end(), ip, ip + 20);
  const uint8_t tcp[20] = {uint8_t(sport >> 8),
                           uint8_t(sport),
                           uint8_t(dport >> 8),
                           uint8_t(dport),
                           0,
                           0,
                           0,
                           1,
                           0,
                           0,
                           0,
                           1,
                           0x50,
                           0x18,
                           0xff,
                           0xff,
                           0,
                           0,
                           0,
                           0};
  f.insert(f.end(), tcp, tcp + 20);
  uint32_t x = seed * 2654435761u + 1;
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz ABCDEFGIJKLMNOPQRSUVWXYZ0123456789/.,;:-_\r\n";
  for (size_t i = 0; i < payload; ++i) {
    x = x * 1664525u + 1013904223u;
    f.push_back(static_cast<uint8_t>(kAlphabet[(x >> 16) % (sizeof kAlphabet - 1)]));
  }
  Sample s;
  s.bytes = std::move(f);
  RawPacket raw;
  raw.data = s.bytes.data();
  raw.capturedLength = raw.originalLength = static_cast<uint32_t>(s.bytes.size());
  raw.linkType = 1;
  decodePacket(raw, s.decoded);
  return s;
}

// 1024 packets from 64 hosts of 10.0.0.0/24 to servers in 10.1.0.0/16 and 192.168.0.0/16 (half
// each), server ports 443/80/53/8080. The regexps find nothing: every payload byte is scanned.
std::vector<Sample> makeMix(size_t payload) {
  std::vector<Sample> out;
  for (uint32_t i = 0; i < 1024; ++i) {
    const uint32_t client = 0x0a000000u | (i % 64);
    const uint32_t server = (i & 2) != 0 ? 0x0a010000u | ((i * 7) % 251) : 0xc0a80000u | (i % 200);
    const uint16_t ports[] = {443, 80, 53, 8080};
    out.push_back(makeTcp(client, server, static_cast<uint16_t>(40000 + i), ports[(i / 64) % 4], payload, i));
  }
  return out;
}

void runFilter(benchmark::State& state, const char* expression, size_t payload) {
  const std::vector<Sample> packets = makeMix(payload);
  filter::CompileResult r = filter::Filter::compile(expression);
  if (!r.ok()) {
    state.SkipWithError(r.error.toString().c_str());
    return;
  }
  filter::Filter& f = *r.filter;
  size_t i = 0, matched = 0, bytes = 0;
  for (auto _ : state) {
    const Sample& s = packets[i++ & 1023];
    matched += f.match(filter::PacketView{s.decoded, s.bytes.data()}) == filter::Match::kYes;
    bytes += s.decoded.payloadLength;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["matched%"] = 100.0 * static_cast<double>(matched) / static_cast<double>(state.iterations());
}

void BM_FilterHostAndPort(benchmark::State& state) {
  runFilter(state, "ip == 10.0.0.1 and port == 443", 64);
}
void BM_FilterNetmask(benchmark::State& state) {
  runFilter(state, "ip == 10.1.0.0/16", 64);
}
void BM_FilterFiveClauses(benchmark::State& state) {
  runFilter(
      state,
      "(ip == 10.0.0.0/27 or ip == 192.168.0.0/16) and portrange == 400-500,8000-9000 and l4Protocol == TCP "
      "and vlan == none and tcpFlags != syn",
      64);
}
void BM_FilterRegexp1KiB(benchmark::State& state) {
  runFilter(state, "regexp == \"allegr[o,a]|HTTP\"", 1024);
}
void BM_FilterRegexpCaseless1KiB(benchmark::State& state) {
  runFilter(state, "regexp == \"(?i)allegro|xhttp\"", 1024);
}
void BM_FilterRegexpAndPort1KiB(benchmark::State& state) {
  runFilter(state, "port == 80 and regexp == \"Host: [a-z]+\\\\.example\\\\.com\"", 1024);
}

}  // namespace

BENCHMARK(BM_FilterHostAndPort);
BENCHMARK(BM_FilterNetmask);
BENCHMARK(BM_FilterFiveClauses);
BENCHMARK(BM_FilterRegexp1KiB);
BENCHMARK(BM_FilterRegexpCaseless1KiB);
BENCHMARK(BM_FilterRegexpAndPort1KiB);
BENCHMARK_MAIN();
