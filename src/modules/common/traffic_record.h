#pragma once

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>

#include "core/packet_time.h"
#include "store/memory_account.h"
#include "store/time_series.h"

namespace netmeter {

// Counter layout shared by most records, as the REST API serves it:
// [rx packets, rx bytes, tx packets, tx bytes].
inline constexpr std::array<uint64_t, 4> received(uint64_t bytes) {
  return {1, bytes, 0, 0};
}
inline constexpr std::array<uint64_t, 4> sent(uint64_t bytes) {
  return {0, 0, 1, bytes};
}

// First and last packet time of an entity.
struct Activity {
  PacketTime firstActivity = INT64_MAX;
  PacketTime lastActivity = INT64_MIN;
  void touch(PacketTime t) {
    firstActivity = std::min(firstActivity, t);
    lastActivity = std::max(lastActivity, t);
  }
  void mergeFrom(const Activity& o) {
    firstActivity = std::min(firstActivity, o.firstActivity);
    lastActivity = std::max(lastActivity, o.lastActivity);
  }
};

// The common record: N counters with history plus first/last activity.
template <size_t N>
struct TrafficRecord : Activity {
  TimeSeries<N> counters;

  void add(PacketTime t, const std::array<uint64_t, N>& delta, MemoryAccount& account) {
    touch(t);
    counters.add(t, delta, account);
  }
  // Counted at t's own second even when later ones were counted already (TimeSeries::addAt).
  void addAt(PacketTime t, const std::array<uint64_t, N>& delta, MemoryAccount& account) {
    touch(t);
    counters.addAt(t, delta, account);
  }
  void release(MemoryAccount& account) { counters.clear(account); }
  void mergeFrom(const TrafficRecord& o, MemoryAccount& account) {
    Activity::mergeFrom(o);
    counters.mergeFrom(o.counters, account);
  }
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
    counters.compact(nowSecond, policy, account);
  }
  void dropBefore(int64_t second, MemoryAccount& account) { counters.dropBefore(second, account); }
};

}  // namespace netmeter
