#pragma once

#include <algorithm>
#include <cstdint>

#include "core/ip_address.h"
#include "core/mac_address.h"
#include "flow/ip_hints.h"
#include "modules/common/small_set.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// Counters per IP: [rx packets, rx bytes, tx packets, tx bytes, TCP packets, UDP packets].
inline constexpr size_t kIpCounters = 6;

// Everything the "IP addresses" table of the reference knows about one address that the engine
// measures without L7 analysis.
struct IpRecord : TrafficRecord<kIpCounters> {
  // TTL (hop limit) of unicast TCP/UDP packets sent by this IP.
  uint8_t ttlMin = 255;
  uint8_t ttlMax = 0;
  uint64_t ttlSum = 0;
  uint64_t ttlCount = 0;
  uint32_t mtuReceived = 0;  // max layer-2 payload received
  uint32_t mtuSent = 0;      // max layer-2 payload sent
  uint64_t peers = 0;        // distinct peer IPs, all time (exact: every IP pair lives in one shard)
  uint64_t connectionsAsClient = 0;
  uint64_t connectionsAsServer = 0;
  PacketTime lastNewConnection = INT64_MIN;
  uint64_t interfaceMask = 0;    // interfaces where this IP was seen as sender
  SmallSet<MacAddress, 8> macs;  // source MACs of its packets (+ destination MACs towards it)
  SmallSet<uint16_t, 8> vlans;   // outer VLAN ids (kNoVlan = untagged)
  IpHints hints;                 // this address's records in other tables (not merged: per shard)

  void mergeFrom(const IpRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    ttlMin = std::min(ttlMin, o.ttlMin);
    ttlMax = std::max(ttlMax, o.ttlMax);
    ttlSum += o.ttlSum;
    ttlCount += o.ttlCount;
    mtuReceived = std::max(mtuReceived, o.mtuReceived);
    mtuSent = std::max(mtuSent, o.mtuSent);
    peers += o.peers;
    connectionsAsClient += o.connectionsAsClient;
    connectionsAsServer += o.connectionsAsServer;
    lastNewConnection = std::max(lastNewConnection, o.lastNewConnection);
    interfaceMask |= o.interfaceMask;
    macs.mergeFrom(o.macs);
    vlans.mergeFrom(o.vlans);
  }
};

// Two IP addresses in canonical order (a < b).
struct IpPairKey {
  IpAddress a;
  IpAddress b;
  friend bool operator==(const IpPairKey&, const IpPairKey&) = default;
  friend auto operator<=>(const IpPairKey&, const IpPairKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const IpPairKey& k) {
    return H::combine(std::move(h), k.a, k.b);
  }
};

// Traffic between two IPs, [rx packets, rx bytes, tx packets, tx bytes] from `a`'s view.
struct IpPairRecord : TrafficRecord<4> {};

}  // namespace netmeter
