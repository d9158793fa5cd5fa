#include "generate/frame_builder.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace netmeter {
namespace {

constexpr size_t kIpv4Header = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kTcpHeader = 20;
constexpr size_t kTcpSynOptions = 12;
constexpr size_t kUdpHeader = 8;
constexpr size_t kIcmpHeader = 8;
constexpr size_t kMtu = 1500;

// Filler for payload bytes past the application prefix: fixed, pseudo-random, built once.
struct Filler {
  static constexpr size_t kSize = 4096;
  std::array<uint8_t, kSize + kMtu> bytes{};
  Filler() {
    uint64_t x = 0x243f6a8885a308d3ULL;
    for (uint8_t& b : bytes) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      b = uint8_t(x >> 24);
    }
  }
};
const Filler kFiller;

void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, uint16_t(v >> 16));
  put16(p + 2, uint16_t(v));
}

// One's-complement sum of 16-bit big-endian words (odd tail padded with zero), not yet folded.
uint64_t sumWords(const uint8_t* p, size_t n, uint64_t sum = 0) {
  while (n >= 8) {
    sum += (uint64_t{p[0]} << 8 | p[1]) + (uint64_t{p[2]} << 8 | p[3]) + (uint64_t{p[4]} << 8 | p[5]) +
           (uint64_t{p[6]} << 8 | p[7]);
    p += 8;
    n -= 8;
  }
  while (n >= 2) {
    sum += uint64_t{p[0]} << 8 | p[1];
    p += 2;
    n -= 2;
  }
  if (n) sum += uint64_t{p[0]} << 8;
  return sum;
}

uint16_t fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

size_t l4HeaderLength(const FrameSpec& spec) {
  switch (spec.kind) {
    case FrameKind::kTcp:
      return kTcpHeader + (spec.mss ? kTcpSynOptions : 0);
    case FrameKind::kUdp:
      return kUdpHeader;
    case FrameKind::kIcmpEcho:
      return kIcmpHeader;
    case FrameKind::kArp:
      return 0;
  }
  return 0;
}

size_t writeEthernet(const FrameSpec& spec, uint8_t* p, uint16_t etherType) {
  std::memcpy(p, spec.dstMac.bytes.data(), 6);
  std::memcpy(p + 6, spec.srcMac.bytes.data(), 6);
  size_t at = 12;
  if (spec.vlan.inner != 0) {
    put16(p + at, 0x88a8);
    put16(p + at + 2, spec.vlan.outer & 0x0fff);
    put16(p + at + 4, 0x8100);
    put16(p + at + 6, spec.vlan.inner & 0x0fff);
    at += 8;
  } else if (spec.vlan.outer != 0) {
    put16(p + at, 0x8100);
    put16(p + at + 2, spec.vlan.outer & 0x0fff);
    at += 4;
  }
  put16(p + at, etherType);
  return at + 2;
}

size_t writeArp(const FrameSpec& spec, uint8_t* p) {
  put16(p, 1);  // Ethernet
  put16(p + 2, 0x0800);
  p[4] = 6;
  p[5] = 4;
  put16(p + 6, spec.reply ? 2 : 1);
  std::memcpy(p + 8, spec.srcMac.bytes.data(), 6);
  std::memcpy(p + 14, spec.srcIp.bytes.data() + 12, 4);
  if (spec.reply) {
    std::memcpy(p + 18, spec.dstMac.bytes.data(), 6);
  } else {
    std::memset(p + 18, 0, 6);
  }
  std::memcpy(p + 24, spec.dstIp.bytes.data() + 12, 4);
  return 28;
}

// Sum of the pseudo-header used by TCP, UDP and ICMPv6 checksums.
uint64_t pseudoHeaderSum(const FrameSpec& spec, uint8_t protocol, size_t l4Length) {
  uint64_t sum = 0;
  if (spec.srcIp.isV4()) {
    sum = sumWords(spec.srcIp.bytes.data() + 12, 4, sum);
    sum = sumWords(spec.dstIp.bytes.data() + 12, 4, sum);
  } else {
    sum = sumWords(spec.srcIp.bytes.data(), 16, sum);
    sum = sumWords(spec.dstIp.bytes.data(), 16, sum);
  }
  return sum + protocol + l4Length;
}

uint8_t ipProtocol(const FrameSpec& spec) {
  switch (spec.kind) {
    case FrameKind::kTcp:
      return 6;
    case FrameKind::kUdp:
      return 17;
    default:
      return spec.srcIp.isV4() ? 1 : 58;
  }
}

size_t writeIpHeader(const FrameSpec& spec, uint8_t* p, size_t l4Length) {
  const uint8_t protocol = ipProtocol(spec);
  if (spec.srcIp.isV4()) {
    p[0] = 0x45;
    p[1] = 0;
    put16(p + 2, uint16_t(kIpv4Header + l4Length));
    put16(p + 4, spec.ipId);
    put16(p + 6, spec.kind == FrameKind::kTcp ? 0x4000 : 0);  // DF on TCP
    p[8] = spec.ttl;
    p[9] = protocol;
    put16(p + 10, 0);
    std::memcpy(p + 12, spec.srcIp.bytes.data() + 12, 4);
    std::memcpy(p + 16, spec.dstIp.bytes.data() + 12, 4);
    put16(p + 10, fold(sumWords(p, kIpv4Header)));
    return kIpv4Header;
  }
  put32(p, 0x60000000u | (uint32_t{spec.srcPort} * 2654435761u & 0xfffff));  // flow label
  put16(p + 4, uint16_t(l4Length));
  p[6] = protocol;
  p[7] = spec.ttl;
  std::memcpy(p + 8, spec.srcIp.bytes.data(), 16);
  std::memcpy(p + 24, spec.dstIp.bytes.data(), 16);
  return kIpv6Header;
}

void writeL4Header(const FrameSpec& spec, uint8_t* p, size_t l4Length) {
  switch (spec.kind) {
    case FrameKind::kTcp: {
      const size_t headerLength = l4HeaderLength(spec);
      put16(p, spec.srcPort);
      put16(p + 2, spec.dstPort);
      put32(p + 4, spec.seq);
      put32(p + 8, spec.ack);
      p[12] = uint8_t((headerLength / 4) << 4);
      p[13] = spec.tcpFlags;
      put16(p + 14, spec.window);
      put16(p + 16, 0);
      put16(p + 18, 0);
      if (spec.mss) {
        const uint8_t options[kTcpSynOptions] = {
            2, 4, uint8_t(spec.mss >> 8), uint8_t(spec.mss), 1, 1, 4, 2, 1, 3, 3, 7};
        std::memcpy(p + kTcpHeader, options, kTcpSynOptions);
      }
      put16(p + 16, fold(sumWords(p, l4Length, pseudoHeaderSum(spec, 6, l4Length))));
      return;
    }
    case FrameKind::kUdp:
      put16(p, spec.srcPort);
      put16(p + 2, spec.dstPort);
      put16(p + 4, uint16_t(l4Length));
      put16(p + 6, 0);
      {
        uint16_t checksum = fold(sumWords(p, l4Length, pseudoHeaderSum(spec, 17, l4Length)));
        put16(p + 6, checksum == 0 ? 0xffff : checksum);
      }
      return;
    case FrameKind::kIcmpEcho: {
      const bool v4 = spec.srcIp.isV4();
      p[0] = v4 ? (spec.reply ? 0 : 8) : (spec.reply ? 129 : 128);
      p[1] = 0;
      put16(p + 2, 0);
      put16(p + 4, spec.srcPort);
      put16(p + 6, spec.dstPort);
      const uint64_t base = v4 ? 0 : pseudoHeaderSum(spec, 58, l4Length);
      put16(p + 2, fold(sumWords(p, l4Length, base)));
      return;
    }
    case FrameKind::kArp:
      return;
  }
}

}  // namespace

uint32_t maxPayload(const FrameSpec& spec) {
  if (spec.kind == FrameKind::kArp) return 0;
  const size_t ipHeader = spec.srcIp.isV4() ? kIpv4Header : kIpv6Header;
  return uint32_t(kMtu - ipHeader - l4HeaderLength(spec));
}

size_t buildFrame(const FrameSpec& spec, std::span<uint8_t> out) {
  assert(out.size() >= kMaxFrameLength);
  uint8_t* p = out.data();
  if (spec.kind == FrameKind::kArp) {
    size_t at = writeEthernet(spec, p, 0x0806);
    at += writeArp(spec, p + at);
    // Pad to the 60-byte Ethernet minimum, as a NIC would.
    while (at < 60) p[at++] = 0;
    return at;
  }
  const uint32_t payloadLength = std::min(spec.payloadLength, maxPayload(spec));
  const size_t l4Header = l4HeaderLength(spec);
  const size_t l4Length = l4Header + payloadLength;
  size_t at = writeEthernet(spec, p, spec.srcIp.isV4() ? 0x0800 : 0x86dd);
  at += writeIpHeader(spec, p + at, l4Length);
  uint8_t* l4 = p + at;
  uint8_t* payload = l4 + l4Header;
  const size_t prefixLength = std::min<size_t>(spec.prefix.size(), payloadLength);
  if (prefixLength) std::memcpy(payload, spec.prefix.data(), prefixLength);
  if (payloadLength > prefixLength) {
    const size_t offset = (size_t{spec.seq} + spec.srcPort) % Filler::kSize;
    std::memcpy(payload + prefixLength, kFiller.bytes.data() + offset, payloadLength - prefixLength);
  }
  writeL4Header(spec, l4, l4Length);
  at += l4Length;
  // Pad to the 60-byte Ethernet minimum (the padding is outside the IP packet).
  while (at < 60) p[at++] = 0;
  return at;
}

}  // namespace netmeter
