#pragma once

#include "decode/decoded_packet.h"
#include "modules/common/keyed_stats.h"
#include "modules/common/record_cache.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// Traffic per VLAN id, [packets, bytes]. A QinQ packet counts for its outer and its inner id; the
// record says in which position each id was seen.
struct VlanRecord : TrafficRecord<2> {
  bool seenOuter = false;
  bool seenInner = false;
  void mergeFrom(const VlanRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    seenOuter = seenOuter || o.seenOuter;
    seenInner = seenInner || o.seenInner;
  }
};

class VlanModule {
 public:
  void onPacket(const DecodedPacket& p, MemoryAccount& account) {
    if (p.outerVlan != kNoVlan) {
      VlanRecord& r = cache_.get(table, p.outerVlan, p.outerVlan, account);
      r.add(p.timestamp, {1, p.wireLength}, account);
      r.seenOuter = true;
    }
    if (p.innerVlan != kNoVlan && p.innerVlan != p.outerVlan) {
      VlanRecord& r = cache_.get(table, p.innerVlan, p.innerVlan, account);
      r.add(p.timestamp, {1, p.wireLength}, account);
      r.seenInner = true;
    }
  }
  KeyedStats<uint16_t, VlanRecord> table;

 private:
  RecordCache<uint16_t, VlanRecord, 256> cache_;
};

}  // namespace netmeter
