// ns/packet of decodePacket for typical packets: Ethernet/IPv4/TCP, VLAN/IPv6/UDP, VXLAN-tunnelled.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "decode/decoder.h"

namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, uint16_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, uint16_t(v >> 16));
  put16(b, uint16_t(v));
}
void ethernet(Bytes& b, uint16_t type) {
  for (int i = 0; i < 12; ++i) b.push_back(uint8_t(i + 1));
  put16(b, type);
}
void ipv4(Bytes& b, uint8_t proto, uint16_t totalLength) {
  b.push_back(0x45);
  b.push_back(0);
  put16(b, totalLength);
  put32(b, 0x12344000);
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  put32(b, 0x0a000001);
  put32(b, 0x0a000002);
}
void udp(Bytes& b, uint16_t dport, uint16_t length) {
  put16(b, 40000);
  put16(b, dport);
  put16(b, length);
  put16(b, 0);
}

Bytes ipv4Tcp() {
  Bytes b;
  ethernet(b, 0x0800);
  ipv4(b, 6, 20 + 32 + 100);
  put16(b, 40000);
  put16(b, 443);
  put32(b, 1);
  put32(b, 2);
  b.push_back(0x80);  // 32-byte header (timestamps)
  b.push_back(0x18);
  put16(b, 501);
  put32(b, 0);
  for (int i = 0; i < 12; ++i) b.push_back(1);
  b.resize(b.size() + 100);
  return b;
}

Bytes vlanIpv6Udp() {
  Bytes b;
  ethernet(b, 0x8100);
  put16(b, 100);
  put16(b, 0x86dd);
  put32(b, 0x60000000);
  put16(b, 8 + 64);
  b.push_back(17);
  b.push_back(64);
  for (int i = 0; i < 32; ++i) b.push_back(uint8_t(i));
  udp(b, 53, 8 + 64);
  b.resize(b.size() + 64);
  return b;
}

Bytes vxlanTcp() {
  Bytes inner = ipv4Tcp();
  Bytes b;
  ethernet(b, 0x0800);
  const auto udpLength = uint16_t(8 + 8 + inner.size());
  ipv4(b, 17, uint16_t(20 + udpLength));
  udp(b, 4789, udpLength);
  put32(b, 0x08000000);
  put32(b, 0x00007b00);
  b.insert(b.end(), inner.begin(), inner.end());
  return b;
}

void run(benchmark::State& state, const Bytes& bytes) {
  netmeter::RawPacket raw;
  raw.data = bytes.data();
  raw.capturedLength = uint32_t(bytes.size());
  raw.originalLength = uint32_t(bytes.size());
  raw.linkType = 1;
  netmeter::DecodedPacket out;
  for (auto _ : state) {
    netmeter::decodePacket(raw, out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DecodeEthernetIpv4Tcp(benchmark::State& state) {
  run(state, ipv4Tcp());
}
void BM_DecodeVlanIpv6Udp(benchmark::State& state) {
  run(state, vlanIpv6Udp());
}
void BM_DecodeVxlanIpv4Tcp(benchmark::State& state) {
  run(state, vxlanTcp());
}

}  // namespace

BENCHMARK(BM_DecodeEthernetIpv4Tcp);
BENCHMARK(BM_DecodeVlanIpv6Udp);
BENCHMARK(BM_DecodeVxlanIpv4Tcp);
BENCHMARK_MAIN();
