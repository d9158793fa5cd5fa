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
  void onPacket(const DecodedPacket& p, const FlowUpdate& flow, MemoryAccount& account) {
    Connection* c = flow.connection;
    if (c == nullptr || !p.hasPorts) return;
    if (c->records.serverPort == nullptr)
      c->records.serverPort = &table.findOrCreate(L4PortKey{c->l4Protocol, c->serverPort}, account);
    L4PortRecord& r = *c->records.serverPort;
    r.add(p.timestamp, flow.direction == kClientToServer ? received(p.wireLength) : sent(p.wireLength),
          account);
    if (flow.isNew) ++r.connections;
  }
  KeyedStats<L4PortKey, L4PortRecord> table;
};

}  // namespace netmeter
