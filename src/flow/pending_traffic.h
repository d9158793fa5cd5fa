#pragma once

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>

#include "core/mac_address.h"
#include "core/packet_time.h"
#include "decode/decoded_packet.h"

namespace netmeter {

// What one direction of a connection sent since its traffic was last flushed to the statistics of
// the entities it belongs to (IP addresses, IP pair, MACs, server port, L7 protocol).
struct PendingSide {
  uint32_t packets = 0;
  uint32_t ttlCount = 0;  // unicast TCP/UDP packets, whose TTL counts for the sender
  uint64_t bytes = 0;
  uint64_t ttlSum = 0;
  PacketTime first = INT64_MAX;
  PacketTime last = INT64_MIN;
  uint64_t interfaceMask = 0;  // bit i: sent on interface i (ids >= 64 share bit 63)
  uint8_t ttlMin = 255;
  uint8_t ttlMax = 0;
  MacAddress srcMac;  // with PendingTraffic::hasMac
  MacAddress dstMac;
};

// A connection's traffic not yet added to the per-entity statistics. The per-packet path adds to
// this (the connection is in cache anyway) instead of updating half a dozen records elsewhere in
// memory; ModuleSet::flushTraffic() adds it to the records once per connection and second of packet
// time, before the memory budget evicts, at the end and when the input pauses (queries only read, so
// they see the current second once it ends). Pending packets all
// lie in one second and share the attributes the records are keyed or marked by (MACs, whether they
// have MACs and ports), so a flush adds exactly what the packets would have added one by one.
struct PendingTraffic {
  std::array<PendingSide, 2> side;  // indexed by Direction
  int64_t second = INT64_MIN;       // of every pending packet
  bool dirty = false;               // holds packets (and is in the ModuleSet's list to flush)
  bool hasMac = false;
  bool hasPorts = false;

  // Whether packet `p` of direction `d` can join what is pending (else flush first).
  bool accepts(const DecodedPacket& p, uint8_t d) const {
    if (!dirty) return true;
    if (secondOf(p.timestamp) != second || p.hasMac != hasMac || p.hasPorts != hasPorts) return false;
    const PendingSide& s = side[d];
    return !hasMac || s.packets == 0 || (s.srcMac == p.srcMac && s.dstMac == p.dstMac);
  }

  // Adds packet `p` of direction `d`; `ttlCounts`: its TTL counts for the sender's statistics.
  void add(const DecodedPacket& p, uint8_t d, bool ttlCounts) {
    if (!dirty) {
      dirty = true;
      second = secondOf(p.timestamp);
      hasMac = p.hasMac;
      hasPorts = p.hasPorts;
    }
    PendingSide& s = side[d];
    if (s.packets == 0) {
      s.srcMac = p.srcMac;
      s.dstMac = p.dstMac;
    }
    ++s.packets;
    s.bytes += p.wireLength;
    s.first = std::min(s.first, p.timestamp);
    s.last = std::max(s.last, p.timestamp);
    s.interfaceMask |= uint64_t{1} << std::min<uint16_t>(p.interfaceId, 63);
    if (ttlCounts) {
      s.ttlMin = std::min(s.ttlMin, p.ttl);
      s.ttlMax = std::max(s.ttlMax, p.ttl);
      s.ttlSum += p.ttl;
      ++s.ttlCount;
    }
  }

  void clear() { *this = PendingTraffic{}; }
};

}  // namespace netmeter
