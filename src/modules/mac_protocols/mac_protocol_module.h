#pragma once

#include "decode/decoded_packet.h"
#include "modules/common/keyed_stats.h"
#include "modules/common/record_cache.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// Traffic per MAC protocol (EtherType after VLAN tags; 0 for 802.3/LLC frames), [packets, bytes].
class MacProtocolModule {
 public:
  void onPacket(const DecodedPacket& p, MemoryAccount& account) {
    if (!p.hasMac) return;
    cache_.get(table, p.macProtocol, p.macProtocol ^ (p.macProtocol >> 8), account)
        .add(p.timestamp, {1, p.wireLength}, account);
  }
  KeyedStats<uint16_t, TrafficRecord<2>> table;

 private:
  RecordCache<uint16_t, TrafficRecord<2>, 16> cache_;
};

}  // namespace netmeter
