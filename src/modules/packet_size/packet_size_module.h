#pragma once

#include <array>
#include <cstdint>

#include "decode/decoded_packet.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// Packet size distribution. Sizes are layer-2 frame lengths including the 4-byte FCS, as the
// reference's packet size module counts them (so a minimum Ethernet frame is 64 bytes).
struct PacketSizeBin {
  uint32_t min;
  uint32_t max;  // inclusive
};
inline constexpr std::array<PacketSizeBin, 12> kPacketSizeBins{{{0, 63},
                                                                 {64, 64},
                                                                 {65, 127},
                                                                 {128, 255},
                                                                 {256, 511},
                                                                 {512, 1023},
                                                                 {1024, 1517},
                                                                 {1518, 1518},
                                                                 {1519, 2047},
                                                                 {2048, 4095},
                                                                 {4096, 9018},
                                                                 {9019, UINT32_MAX}}};
inline constexpr uint32_t kFcsLength = 4;

inline size_t packetSizeBin(uint32_t sizeWithFcs) {
  size_t i = 0;
  while (i + 1 < kPacketSizeBins.size() && sizeWithFcs > kPacketSizeBins[i].max) ++i;
  return i;
}

class PacketSizeModule {
 public:
  void onPacket(const DecodedPacket& p, MemoryAccount& account) {
    bins[packetSizeBin(p.wireLength + kFcsLength)].add(p.timestamp, {1, p.wireLength}, account);
  }
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
    for (auto& b : bins) b.compact(nowSecond, policy, account);
  }
  void dropBefore(int64_t second, MemoryAccount& account) {
    for (auto& b : bins) b.dropBefore(second, account);
  }
  void mergeFrom(const PacketSizeModule& o, MemoryAccount& account) {
    for (size_t i = 0; i < bins.size(); ++i) bins[i].mergeFrom(o.bins[i], account);
  }
  std::array<TrafficRecord<2>, kPacketSizeBins.size()> bins;  // [packets, bytes]
};

}  // namespace netmeter
