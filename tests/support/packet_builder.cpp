#include "support/packet_builder.h"

#include <arpa/inet.h>

#include <cstring>

namespace netmeter::test {

namespace {

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, uint16_t(v >> 16));
  put16(b, uint16_t(v));
}
void putMac(std::vector<uint8_t>& b, uint64_t mac) {
  for (int i = 5; i >= 0; --i) b.push_back(uint8_t(mac >> (8 * i)));
}

}  // namespace

std::vector<uint8_t> buildFrame(const FrameSpec& spec) {
  FrameSpec s = spec;
  if (!s.payloadBytes.empty()) s.payload = uint32_t(s.payloadBytes.size());
  const IpAddress src = IpAddress::parse(s.srcIp).value();
  const IpAddress dst = IpAddress::parse(s.dstIp).value();
  std::vector<uint8_t> l4;
  if (s.l4Protocol == 6) {
    put16(l4, s.srcPort);
    put16(l4, s.dstPort);
    put32(l4, s.tcpSeq);
    put32(l4, s.tcpAck);
    l4.push_back(0x50);
    l4.push_back(s.tcpFlags);
    put16(l4, 65535);
    put16(l4, 0);
    put16(l4, 0);
  } else if (s.l4Protocol == 17) {
    put16(l4, s.srcPort);
    put16(l4, s.dstPort);
    put16(l4, uint16_t(8 + s.payload));
    put16(l4, 0);
  } else {
    l4.push_back(s.icmpType);
    l4.push_back(0);
    put16(l4, 0);
    put32(l4, 0);
  }
  if (!s.payloadBytes.empty()) l4.insert(l4.end(), s.payloadBytes.begin(), s.payloadBytes.end());
  else l4.resize(l4.size() + s.payload, 0xab);

  std::vector<uint8_t> f;
  putMac(f, s.dstMac);
  putMac(f, s.srcMac);
  if (s.vlan != 0xffff) {
    put16(f, 0x8100);
    put16(f, s.vlan);
  }
  if (src.isV4()) {
    put16(f, 0x0800);
    f.push_back(0x45);
    f.push_back(uint8_t(s.dscp << 2));
    put16(f, uint16_t(20 + l4.size()));
    put32(f, 0);
    f.push_back(s.ttl);
    f.push_back(s.l4Protocol);
    put16(f, 0);
    f.insert(f.end(), src.bytes.begin() + 12, src.bytes.end());
    f.insert(f.end(), dst.bytes.begin() + 12, dst.bytes.end());
  } else {
    put16(f, 0x86dd);
    put32(f, (6u << 28) | (uint32_t(s.dscp) << 22));
    put16(f, uint16_t(l4.size()));
    f.push_back(s.l4Protocol == 1 ? 58 : s.l4Protocol);
    f.push_back(s.ttl);
    f.insert(f.end(), src.bytes.begin(), src.bytes.end());
    f.insert(f.end(), dst.bytes.begin(), dst.bytes.end());
  }
  f.insert(f.end(), l4.begin(), l4.end());
  if (f.size() < 60) f.resize(60, 0);  // Ethernet minimum (without FCS)
  return f;
}

}  // namespace netmeter::test
