#pragma once

#include <array>
#include <cstdint>

#include "decode/decoded_packet.h"
#include "modules/common/record_cache.h"
#include "modules/common/traffic_record.h"
#include "store/entity_table.h"

namespace netmeter {

enum class L3Class : uint8_t { kIpv4 = 0, kIpv6 = 1, kNonIp = 2 };

// Trace-wide totals: all packets, layer-3 and layer-4 protocol mix, IPv4 fragments, and malformed
// packets per reason. Counters are [packets, bytes].
class GlobalModule {
 public:
  void onPacket(const DecodedPacket& p, MemoryAccount& account);
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account);
  void dropBefore(int64_t second, MemoryAccount& account);
  void mergeFrom(const GlobalModule& o, MemoryAccount& account);

  const TrafficRecord<2>& total() const { return total_; }
  const TrafficRecord<2>& l3(L3Class c) const { return l3_[static_cast<size_t>(c)]; }
  const EntityTable<uint8_t, TrafficRecord<2>>& l4() const { return l4_; }
  const TrafficRecord<2>& ipv4Fragments() const { return ipv4Fragments_; }
  uint64_t malformed(MalformedReason r) const { return malformed_[static_cast<size_t>(r)]; }

 private:
  TrafficRecord<2> total_;
  std::array<TrafficRecord<2>, 3> l3_;
  EntityTable<uint8_t, TrafficRecord<2>> l4_;
  RecordCache<uint8_t, TrafficRecord<2>, 256> l4Cache_;  // every L4 protocol number
  TrafficRecord<2> ipv4Fragments_;
  std::array<uint64_t, static_cast<size_t>(MalformedReason::kCount)> malformed_{};
};

}  // namespace netmeter
