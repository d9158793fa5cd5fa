#pragma once

#include <array>
#include <cstdint>

#include "modules/common/response_time_stats.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// Query types counted per server: the common ones by name, the rest as "other" (last slot).
inline constexpr std::array<uint16_t, 15> kDnsCountedTypes = {1, 2, 5, 6, 12, 15, 16, 28, 33, 35, 43, 48, 64, 65, 255};
inline constexpr size_t kDnsTypeSlots = kDnsCountedTypes.size() + 1;
inline size_t dnsTypeSlot(uint16_t type) {
  for (size_t i = 0; i < kDnsCountedTypes.size(); ++i)
    if (kDnsCountedTypes[i] == type) return i;
  return kDnsCountedTypes.size();
}

// Per DNS server (IP), with history: [requests, replies, timed replies, their response times' sum in
// ns] (the last two give the average response time of any interval or history point).
struct DnsServerRecord : TrafficRecord<4> {
  ResponseTimeStats responseTime;       // reply time minus query time, matched by transaction id
  std::array<uint64_t, 16> replyCodes{};  // by header RCODE
  std::array<uint64_t, kDnsTypeSlots> queryTypes{};
  uint64_t malformed = 0;  // messages that could not be read completely

  void mergeFrom(const DnsServerRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    responseTime.mergeFrom(o.responseTime);
    for (size_t i = 0; i < replyCodes.size(); ++i) replyCodes[i] += o.replyCodes[i];
    for (size_t i = 0; i < queryTypes.size(); ++i) queryTypes[i] += o.queryTypes[i];
    malformed += o.malformed;
  }
};

}  // namespace netmeter
