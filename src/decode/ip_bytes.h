#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "decode/decoded_packet.h"

namespace netmeter {

// The captured bytes of a packet's innermost IP packet, from its IP header on (what L7 analysis
// reads). The engine copies them into the packet's batch, so they live as long as the batch; at most
// kMaxIpBytes are kept. Empty for non-IP packets.
struct IpBytes {
  static constexpr uint32_t kMaxIpBytes = 65535;
  const uint8_t* data = nullptr;
  uint32_t length = 0;
};

// How many bytes of `capturedLength` bytes starting at the frame the engine keeps for `p`.
inline uint32_t ipBytesToKeep(const DecodedPacket& p) {
  if (p.ipVersion == 0 || p.ipOffset >= p.capturedLength) return 0;
  return std::min<uint32_t>(p.capturedLength - p.ipOffset, IpBytes::kMaxIpBytes);
}

// The captured part of the L4 payload (link-layer padding excluded: at most payloadLength bytes).
// Empty when the packet has no decoded L4 header or its payload was not captured.
inline std::span<const uint8_t> l4Payload(const DecodedPacket& p, IpBytes bytes) {
  if (!p.hasPorts || p.payloadLength == 0 || p.payloadOffset < p.ipOffset) return {};
  const uint32_t start = p.payloadOffset - p.ipOffset;
  if (start >= bytes.length) return {};
  return {bytes.data + start, std::min<uint32_t>(bytes.length - start, p.payloadLength)};
}

}  // namespace netmeter
