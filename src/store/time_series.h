#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/packet_time.h"
#include "store/memory_account.h"

namespace netmeter {

// How history ages. Buckets of 1 s are kept for `fineSeconds`, then rolled up into buckets of
// `mediumStep` seconds kept for `mediumSeconds`, then into `coarseStep` buckets kept until the memory
// budget removes them (oldest first).
struct RetentionPolicy {
  int64_t fineSeconds = 3600;        // 1 hour at 1 s
  int64_t mediumStep = 60;
  int64_t mediumSeconds = 86400;     // 1 day at 1 min
  int64_t coarseStep = 3600;         // then 1 h
};

// One point of a history dataset: the interval [start, start + step) and the counters summed over it.
template <size_t N>
struct HistoryPoint {
  int64_t startSecond = 0;
  int64_t step = 0;
  std::array<uint64_t, N> values{};
};

// N counters (e.g. rx packets, rx bytes, tx packets, tx bytes) with all-time totals and a history at
// 1-second resolution that is rolled up as it ages. Time is packet time.
//
// add() is on the per-packet hot path: it adds to the open (current) second in place and only when a
// new second starts does it append the closed second to the history, which allocates at most once per
// chunk of buckets, never per packet. Packets older than the open second (slightly out-of-order captures)
// are added to the open second: history never goes back in time.
template <size_t N>
class TimeSeries {
 public:
  using Values = std::array<uint64_t, N>;

  void add(PacketTime t, const Values& delta, MemoryAccount& account);

  const Values& allTime() const { return allTime_; }
  // Sum over the seconds [fromSecond, toSecond). Buckets coarser than 1 s that overlap the interval
  // only partly are counted in proportion to the overlap.
  Values sum(int64_t fromSecond, int64_t toSecond) const;
  // At most `maxPoints` points covering [fromSecond, toSecond), each step a multiple of the coarsest
  // resolution still held for that range. Empty seconds are zero points (not omitted).
  std::vector<HistoryPoint<N>> series(int64_t fromSecond, int64_t toSecond, size_t maxPoints) const;

  // Rolls buckets older than the policy's spans (relative to nowSecond) into coarser buckets.
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account);
  // Forgets history before `second` (all-time totals stay).
  void dropBefore(int64_t second, MemoryAccount& account);
  // Adds another shard's series into this one (for merged query results).
  void mergeFrom(const TimeSeries& other, MemoryAccount& account);
  // Oldest second with history, or INT64_MAX when empty.
  int64_t oldestSecond() const;
  size_t memoryBytes() const;
  // Releases all history memory (before the owner is destroyed or reused).
  void clear(MemoryAccount& account);

 private:
  struct Bucket {
    int64_t startSecond;
    int64_t step;
    Values values;
  };
  Values allTime_{};
  int64_t openSecond_ = INT64_MIN;
  Values open_{};
  std::vector<Bucket> buckets_;  // closed buckets, oldest first, non-overlapping
};

}  // namespace netmeter
