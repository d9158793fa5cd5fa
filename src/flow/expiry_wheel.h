#pragma once

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdint>
#include <vector>

namespace netmeter {

// When to look at each active connection again for idle expiry (FlowTable::expire): a ring of one
// bucket per second of packet time, holding connection slots by the second from which each may have
// been idle for longer than its timeout (the second of its last activity plus the timeout). An expiry
// scan at second S visits only the buckets up to S, instead of every active connection every few
// seconds; a visited connection that is still active goes back in for its new due second.
//
// Entries are bare slot numbers and may be stale (the connection ended, or the slot now holds another
// connection): the visitor checks the slot's own connection, so a stale entry costs a look and at
// worst has the slot's current connection checked early, which is what every scan did before. A
// connection has at most two entries (one more when its timeout shortens, e.g. on a TCP close).
class ExpiryWheel {
 public:
  // `maxTimeoutSeconds`: the longest timeout of any connection, which sizes the ring (a connection
  // is then due within a turn of it after its last activity).
  explicit ExpiryWheel(int64_t maxTimeoutSeconds)
      : buckets_(std::bit_ceil(static_cast<uint64_t>(std::max<int64_t>(maxTimeoutSeconds, 1)) + 2)) {}

  // Looks at `slot` again at the first scan at or after second `due` (at the next scan when that
  // second is already past).
  void add(uint32_t slot, int64_t due) {
    bucket(std::max(due, floor_)).push_back(slot);
    ++entries_;
  }

  // Calls visit(slot) for every entry due at or before `second`, each removed first (visit() may add
  // it again: for a later second, or for this one, to be seen by a later scan, also one in this same
  // second), and prefetch(slot) a few entries ahead. A second before the last scan's finds nothing
  // due. An entry due more than a turn of the ring after the last scan may be visited early, which is
  // harmless.
  template <typename Visit, typename Prefetch>
  void scan(int64_t second, Visit&& visit, Prefetch&& prefetch) {
    if (second < floor_) return;
    const uint64_t ring = buckets_.size();
    // The buckets from the last scan's second (whose entries were added back during or after it) to
    // this one; every bucket when that is a whole turn of the ring or more.
    const int64_t from = floor_ == INT64_MIN || static_cast<uint64_t>(second - floor_) >= ring
                             ? second - int64_t(ring) + 1
                             : floor_;
    floor_ = second;  // what visit() adds back goes to this second's bucket or later
    for (int64_t s = from; s <= second; ++s) {
      std::vector<uint32_t>& b = bucket(s);
      if (b.empty()) continue;
      due_.swap(b);
      entries_ -= due_.size();
      constexpr size_t kAhead = 8;
      const size_t n = due_.size();
      for (size_t i = 0; i < std::min(n, kAhead); ++i) prefetch(due_[i]);
      for (size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) prefetch(due_[i + kAhead]);
        visit(due_[i]);
      }
      due_.clear();
      if (b.empty()) b.swap(due_);  // keep the larger allocation in the ring
    }
  }

  // Drops every entry whose slot `stale(slot)` says no longer needs a look (FlowTable::evictBefore:
  // the slots of connections that ended or are gone), so that entries stay bounded by the connections
  // held (at most two each) when the memory budget removes connections long before they are due.
  template <typename Stale>
  void removeIf(Stale&& stale) {
    for (std::vector<uint32_t>& b : buckets_) {
      const size_t before = b.size();
      std::erase_if(b, stale);
      entries_ -= before - b.size();
      if (b.capacity() > 4 * b.size() + 64) std::vector<uint32_t>(b).swap(b);
    }
  }

  size_t entries() const { return entries_; }
  // Bytes each active connection is accounted for its entries (two, in vectors that may be up to half
  // empty).
  static constexpr int64_t kBytesPerConnection = 2 * 2 * sizeof(uint32_t);

 private:
  std::vector<uint32_t>& bucket(int64_t second) {
    return buckets_[static_cast<uint64_t>(second) & (buckets_.size() - 1)];
  }

  std::vector<std::vector<uint32_t>> buckets_;
  std::vector<uint32_t> due_;  // the bucket being visited
  int64_t floor_ = INT64_MIN;  // the last scan's second: nothing is added to an earlier bucket
  size_t entries_ = 0;
};

}  // namespace netmeter
