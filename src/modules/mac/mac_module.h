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
  void onPacket(const DecodedPacket& p, const FlowUpdate& flow, MemoryAccount& account) {
    if (!p.hasMac) return;
    const void* noHint[2] = {nullptr, nullptr};
    const void*& srcHint = flow.connection ? flow.connection->records.macHint[flow.direction] : noHint[0];
    const void*& dstHint = flow.connection ? flow.connection->records.macHint[1 - flow.direction] : noHint[1];
    MacRecord& src = table.findOrCreateHinted(p.srcMac, srcHint, account);
    src.add(p.timestamp, sent(p.wireLength), account);
    if (p.ipVersion != 0) src.ips.insert(p.srcIp);
    else if (p.isArp && !p.arpSenderIp.empty()) src.ips.insert(p.arpSenderIp);
    table.findOrCreateHinted(p.dstMac, dstHint, account).add(p.timestamp, received(p.wireLength), account);
  }
  KeyedStats<MacAddress, MacRecord> table;
};

}  // namespace netmeter
