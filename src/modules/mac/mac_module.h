#pragma once

#include "core/ip_address.h"
#include "core/mac_address.h"
#include "decode/decoded_packet.h"
#include "flow/flow_table.h"
#include "modules/common/keyed_stats.h"
#include "modules/common/small_set.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// Per MAC address: [rx packets, rx bytes, tx packets, tx bytes] and the IP addresses it sent from.
struct MacRecord : TrafficRecord<4> {
  SmallSet<IpAddress, 8> ips;
  void mergeFrom(const MacRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    ips.mergeFrom(o.ips);
  }
};

class MacModule {
 public:
  // A packet without a connection (not IP: ARP, ...). IP packets reach the MACs' records with their
  // connection's traffic (flushTraffic).
  void onPacket(const DecodedPacket& p, MemoryAccount& account) {
    if (!p.hasMac) return;
    MacRecord& src = table.findOrCreate(p.srcMac, account);
    src.add(p.timestamp, sent(p.wireLength), account);
    if (p.isArp && !p.arpSenderIp.empty()) src.ips.insert(p.arpSenderIp);
    table.findOrCreate(p.dstMac, account).add(p.timestamp, received(p.wireLength), account);
  }
  // Adds connection `c`'s pending traffic (Connection::pending) to the records of its MACs.
  void flushTraffic(Connection& c, MemoryAccount& account) {
    const PendingTraffic& pending = c.pending;
    if (!pending.hasMac) return;
    for (const Direction d : {kClientToServer, kServerToClient}) {
      const PendingSide& s = pending.side[d];
      if (s.packets == 0) continue;
      MacRecord& src = table.findOrCreateHinted(s.srcMac, c.records.hint(d, &IpHints::mac), account);
      src.touch(s.first);
      src.add(s.last, {0, 0, s.packets, s.bytes}, account);
      src.ips.insert(d == kClientToServer ? c.clientIp : c.serverIp);
      MacRecord& dst = table.findOrCreateHinted(s.dstMac, c.records.hint(1 - d, &IpHints::mac), account);
      dst.touch(s.first);
      dst.add(s.last, {s.packets, s.bytes, 0, 0}, account);
    }
  }
  KeyedStats<MacAddress, MacRecord> table;
};

}  // namespace netmeter
