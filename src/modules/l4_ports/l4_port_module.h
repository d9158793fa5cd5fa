#pragma once

#include "decode/decoded_packet.h"
#include "flow/flow_table.h"
#include "modules/common/keyed_stats.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// A server port of an L4 protocol (TCP, UDP, SCTP).
struct L4PortKey {
  uint8_t l4Protocol = 0;
  uint16_t port = 0;
  friend bool operator==(const L4PortKey&, const L4PortKey&) = default;
  friend auto operator<=>(const L4PortKey&, const L4PortKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const L4PortKey& k) {
    return H::combine(std::move(h), (uint32_t{k.l4Protocol} << 16) | k.port);
  }
};

// Traffic per server port, from the server's view: [rx packets, rx bytes (client to server),
// tx packets, tx bytes (server to client)], plus the connections opened to it.
struct L4PortRecord : TrafficRecord<4> {
  uint64_t connections = 0;
  void mergeFrom(const L4PortRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    connections += o.connections;
  }
};

class L4PortModule {
 public:
  // A packet of an IP connection: binds the connection to its server port's record and counts new
  // connections. Its traffic reaches the record with the connection's next flush.
  void onConnectionPacket(const DecodedPacket& p, const FlowUpdate& flow, MemoryAccount& account) {
    if (!p.hasPorts) return;
    Connection& c = *flow.connection;
    if (c.records.serverPort == nullptr) {
      c.records.serverPort = &table.findOrCreate(L4PortKey{c.l4Protocol, c.serverPort}, account);
      c.records.serverPort->touch(p.timestamp);  // active from now on, also before the first flush
    }
    if (flow.isNew) ++c.records.serverPort->connections;
  }
  // Adds connection `c`'s pending traffic (Connection::pending) to its server port's record.
  void flushTraffic(const Connection& c, MemoryAccount& account) {
    const PendingTraffic& pending = c.pending;
    if (!pending.hasPorts || c.records.serverPort == nullptr) return;
    L4PortRecord& r = *c.records.serverPort;
    for (const Direction d : {kClientToServer, kServerToClient}) {
      const PendingSide& s = pending.side[d];
      if (s.packets == 0) continue;
      r.touch(s.first);
      if (d == kClientToServer)
        r.add(s.last, {s.packets, s.bytes, 0, 0}, account);
      else
        r.add(s.last, {0, 0, s.packets, s.bytes}, account);
    }
  }
  KeyedStats<L4PortKey, L4PortRecord> table;
};

}  // namespace netmeter
