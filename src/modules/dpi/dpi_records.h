#pragma once

#include <cstdint>

#include "core/ip_address.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// An IP address and one of its L7 protocols (nDPI id; 0 = unclassified).
struct DpiIpKey {
  IpAddress ip;
  uint16_t protocol = 0;
  friend bool operator==(const DpiIpKey&, const DpiIpKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const DpiIpKey& k) {
    return H::combine(std::move(h), k.ip, k.protocol);
  }
};

// Traffic of one IP in one L7 protocol: [rx packets, rx bytes, tx packets, tx bytes], plus the
// connections it took part in.
struct DpiIpRecord : TrafficRecord<4> {
  uint64_t connections = 0;
  void mergeFrom(const DpiIpRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    connections += o.connections;
  }
};

// Traffic of one L7 protocol over all connections: [packets, bytes], plus connections.
struct DpiProtocolRecord : TrafficRecord<2> {
  uint64_t connections = 0;
  void mergeFrom(const DpiProtocolRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    connections += o.connections;
  }
};

}  // namespace netmeter
