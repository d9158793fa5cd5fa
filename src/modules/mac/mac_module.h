#pragma once

#include "core/ip_address.h"
#include "core/mac_address.h"
#include "decode/decoded_packet.h"
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
  void onPacket(const DecodedPacket& p, MemoryAccount& account) {
    if (!p.hasMac) return;
    MacRecord& src = table.findOrCreate(p.srcMac, account);
    src.add(p.timestamp, sent(p.wireLength), account);
    if (p.ipVersion != 0) src.ips.insert(p.srcIp);
    else if (p.isArp && !p.arpSenderIp.empty()) src.ips.insert(p.arpSenderIp);
    table.findOrCreate(p.dstMac, account).add(p.timestamp, received(p.wireLength), account);
  }
  KeyedStats<MacAddress, MacRecord> table;
};

}  // namespace netmeter
