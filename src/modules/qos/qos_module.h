#pragma once

#include "decode/decoded_packet.h"
#include "modules/common/keyed_stats.h"
#include "modules/common/record_cache.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

enum class QosKind : uint8_t { kIpDscp = 0, kVlanPcp = 1, kMplsTc = 2 };

struct QosKey {
  QosKind kind = QosKind::kIpDscp;
  uint8_t value = 0;
  friend bool operator==(const QosKey&, const QosKey&) = default;
  friend auto operator<=>(const QosKey&, const QosKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const QosKey& k) {
    return H::combine(std::move(h), (static_cast<uint32_t>(k.kind) << 8) | k.value);
  }
};

// Traffic per QoS class: IP DSCP (innermost IP header), outermost VLAN PCP, outermost MPLS TC;
// [packets, bytes]. A packet counts once for each kind of tag it carries.
class QosModule {
 public:
  void onPacket(const DecodedPacket& p, MemoryAccount& account) {
    const std::array<uint64_t, 2> one{1, p.wireLength};
    if (p.ipVersion != 0) record({QosKind::kIpDscp, p.dscp}, account).add(p.timestamp, one, account);
    if (p.vlanPcp != kVlanNone) record({QosKind::kVlanPcp, p.vlanPcp}, account).add(p.timestamp, one, account);
    if (p.mplsTc != kVlanNone) record({QosKind::kMplsTc, p.mplsTc}, account).add(p.timestamp, one, account);
  }
  KeyedStats<QosKey, TrafficRecord<2>> table;

 private:
  TrafficRecord<2>& record(const QosKey& key, MemoryAccount& account) {
    return cache_.get(table, key, size_t(key.kind) * 64 + key.value, account);
  }
  RecordCache<QosKey, TrafficRecord<2>, 192> cache_;  // every DSCP, PCP and TC value
};

}  // namespace netmeter
