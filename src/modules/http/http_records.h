#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "modules/app/host_names.h"
#include "modules/common/response_time_stats.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// One HTTP request and its response as kept per connection (the last N of each connection).
struct HttpTransaction {
  static constexpr size_t kMaxUrl = 512;  // longer targets are cut
  PacketTime requestTime = 0;             // when the request head was complete
  PacketTime responseTime = -1;           // response's first byte minus requestTime; -1 without response
  uint16_t status = 0;                    // 0 without response
  std::string method;
  std::string host;
  std::string url;  // request target as sent
  int64_t heapBytes() const;
};

// Per HTTP server (IP), with history: [requests, responses, timed responses, their response times'
// sum in ns] (the last two give the average response time of any interval or history point).
struct HttpServerRecord : TrafficRecord<4> {
  HostNameRecord hostNames;             // Host headers used to reach this server (most recent 4)
  ResponseTimeStats responseTime;       // per response with a matching request
  std::array<uint64_t, 6> statusFamilies{};  // 1xx..5xx, then anything else
  std::string lastUrl;
  PacketTime lastUrlTime = INT64_MIN;

  void setLastUrl(std::string_view url, PacketTime t, MemoryAccount& account);
  void release(MemoryAccount& account) {
    TrafficRecord::release(account);
    hostNames.release(account);
    setLastUrl({}, lastUrlTime, account);
  }
  void mergeFrom(const HttpServerRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    hostNames.mergeFrom(o.hostNames, account);
    responseTime.mergeFrom(o.responseTime);
    for (size_t i = 0; i < statusFamilies.size(); ++i) statusFamilies[i] += o.statusFamilies[i];
    if (o.lastUrlTime > lastUrlTime) setLastUrl(o.lastUrl, o.lastUrlTime, account);
  }
};

inline size_t httpStatusFamily(uint16_t status) { return status >= 100 && status < 600 ? status / 100 - 1 : 5; }

}  // namespace netmeter
