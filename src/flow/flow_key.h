#pragma once

#include <cstdint>

#include "core/hash.h"
#include "core/ip_address.h"
#include "decode/decoded_packet.h"

namespace netmeter {

// Identifies a bidirectional connection: the two endpoints in canonical order (lower address/port
// first), the L4 protocol and the outer VLAN id. Both directions of a connection produce the same key.
struct FlowKey {
  IpAddress lowIp;
  IpAddress highIp;
  uint16_t lowPort = 0;
  uint16_t highPort = 0;
  uint16_t vlan = kNoVlan;
  uint8_t l4Protocol = 0;

  friend bool operator==(const FlowKey&, const FlowKey&) = default;

  // Builds the key of a decoded IP packet; `senderIsLow` tells whether the packet's source is the
  // key's low endpoint.
  static FlowKey fromPacket(const DecodedPacket& p, bool& senderIsLow) {
    FlowKey k;
    k.l4Protocol = p.l4Protocol;
    k.vlan = p.outerVlan;
    const uint16_t sport = p.hasPorts ? p.srcPort : 0;
    const uint16_t dport = p.hasPorts ? p.dstPort : 0;
    senderIsLow = p.srcIp < p.dstIp || (p.srcIp == p.dstIp && sport <= dport);
    if (senderIsLow) {
      k.lowIp = p.srcIp, k.highIp = p.dstIp, k.lowPort = sport, k.highPort = dport;
    } else {
      k.lowIp = p.dstIp, k.highIp = p.srcIp, k.lowPort = dport, k.highPort = sport;
    }
    return k;
  }

  // The flow index's hash (FlowIndex): every field of the key.
  uint64_t hash() const {
    const uint64_t low = mix64(lowIp.low() ^ mix64(lowIp.high()));
    const uint64_t high = mix64(highIp.low() ^ mix64(highIp.high() ^ 0x9e3779b97f4a7c15ULL));
    const uint64_t rest = (uint64_t{lowPort} << 48) | (uint64_t{highPort} << 32) | (uint64_t{vlan} << 16) |
                          (uint64_t{l4Protocol} << 8) | lowIp.family;
    return mix64(low ^ (high + rest * 0xff51afd7ed558ccdULL));
  }

  template <typename H>
  friend H AbslHashValue(H h, const FlowKey& k) {
    return H::combine(std::move(h), k.lowIp.high(), k.lowIp.low(), k.highIp.high(), k.highIp.low(),
                      (uint64_t{k.lowPort} << 32) | (uint64_t{k.highPort} << 16) | k.vlan, k.l4Protocol,
                      k.lowIp.family);
  }
};

// The worker a packet belongs to: a hash of the unordered pair of innermost IP addresses, so that both
// directions, every connection between the two hosts and all fragments of a datagram land on the same
// worker (which then owns that IP pair's statistics exclusively). Non-IP packets are spread by their
// unordered MAC pair.
inline uint64_t shardHash(const DecodedPacket& p) {
  if (p.ipVersion != 0) {
    const uint64_t a = mix64(p.srcIp.high() ^ mix64(p.srcIp.low()));
    const uint64_t b = mix64(p.dstIp.high() ^ mix64(p.dstIp.low()));
    return mix64((a ^ b) + (a & b) * 0x9e3779b97f4a7c15ULL);  // symmetric in a and b
  }
  const uint64_t a = mix64(p.srcMac.asInteger());
  const uint64_t b = mix64(p.dstMac.asInteger());
  return mix64((a ^ b) + (a & b) * 0x9e3779b97f4a7c15ULL);
}

}  // namespace netmeter
