#pragma once

#include "decode/decoded_packet.h"
#include "modules/common/keyed_stats.h"
#include "modules/common/record_cache.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// Traffic per capture interface (trace-wide interface id). Packets arrive on an interface, so the
// counters are [rx packets, rx bytes, 0, 0].
class InterfaceModule {
 public:
  void onPacket(const DecodedPacket& p, MemoryAccount& account) {
    cache_.get(table, p.interfaceId, p.interfaceId, account).add(p.timestamp, received(p.wireLength), account);
  }
  KeyedStats<uint16_t, TrafficRecord<4>> table;

 private:
  RecordCache<uint16_t, TrafficRecord<4>, 8> cache_;
};

}  // namespace netmeter
