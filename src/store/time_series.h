#pragma once

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/packet_time.h"
#include "store/memory_account.h"

namespace netmeter {

// How history ages. Buckets of 1 s are kept for `fineSeconds`, then rolled up into buckets of
// `mediumStep` seconds kept for `mediumSeconds`, then into `coarseStep` buckets kept until the memory
// budget removes them (oldest first).
//
// Steps should nest (coarseStep a multiple of mediumStep) so that every bucket lies inside exactly one
// bucket of the next coarser level. Cut-offs are aligned down to the target step, so a 1-s bucket is
// rolled up only once its whole medium interval is older than `fineSeconds` (same for medium -> coarse).
struct RetentionPolicy {
  int64_t fineSeconds = 3600;  // 1 hour at 1 s
  int64_t mediumStep = 60;
  int64_t mediumSeconds = 86400;  // 1 day at 1 min
  int64_t coarseStep = 3600;      // then 1 h

  // Buckets starting before this second may be rolled up by TimeSeries::compact(nowSecond, *this);
  // none starting at or after it is touched (INT64_MIN: roll-ups disabled). While it is not past the
  // oldest second of a set of series (the first hour of a capture, by default), compacting them
  // changes nothing and can be skipped.
  int64_t compactionCutoff(int64_t nowSecond) const;
};

// The range of seconds queries work in (packet time, int64 ns, always lies within it):
// TimeSeries::sum clamps its bounds to +-kSeriesQueryLimit; the other queries expect them inside.
inline constexpr int64_t kSeriesQueryLimit = int64_t{1} << 61;

// The start to give TimeSeries::sum() for an interval from `fromSecond` on, in a trace whose first
// packet lies in `traceFirstSecond`. An interval reaching back to the trace's start reaches back to the
// beginning of time: nothing was counted before the first packet, so a rolled-up bucket holding the
// trace's first seconds (a capture that spans more than an hour) counts whole, not in proportion to
// its part after fromSecond (the whole trace would otherwise lose part of its first minute or hour).
inline int64_t intervalSumStart(int64_t fromSecond, int64_t traceFirstSecond) {
  return fromSecond <= traceFirstSecond ? -kSeriesQueryLimit : fromSecond;
}

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
// are added to the open second: history never goes back in time (addAt() is the exception, for rare
// late counts that must land in their own second). Seconds whose counters are all zero are
// not stored.
//
// Representation: the history is a list of chunks, oldest first. A chunk holds up to kMaxChunkBytes of
// buckets that all have the same step, encoded as LEB128 varints: the gap to the previous bucket
// (start - previous start - step, usually 0) followed by the N values. The chunk header keeps the first
// and last bucket start, the step, the bucket count and the per-counter totals, so sums over whole
// chunks never decode them. A typical 1-s bucket of 4 counters takes ~9 bytes instead of 48. Series of
// more than 8 counters (mostly zero in a given second) put a bitmap of the non-zero counters after the
// gap and encode only those.
//
// Memory: memoryBytes() is the heap held by the history (chunk headers and encoded bytes); every change
// of it is reported to the MemoryAccount passed to the mutating call. The object itself (allTime, open
// second) is not included: it belongs to the owner's record. A copy (copy constructor/assignment) is not
// reported anywhere: account it yourself with `account.add(copy.memoryBytes())` if it is kept.
//
// Seconds passed to queries should stay within +-kSeriesQueryLimit.

// While one lives, TimeSeries::mergeFrom on this thread adds the all-time totals only and leaves the
// history out (the target keeps its own): for merges whose result is read for all-time totals alone
// (Engine::finishedModules(MergedHistory::kLeftOut)), the history being most of a merge's work.
class TotalsOnlyMergeScope {
 public:
  TotalsOnlyMergeScope() : previous_(active_) { active_ = true; }
  ~TotalsOnlyMergeScope() { active_ = previous_; }
  TotalsOnlyMergeScope(const TotalsOnlyMergeScope&) = delete;
  TotalsOnlyMergeScope& operator=(const TotalsOnlyMergeScope&) = delete;
  static bool active() { return active_; }

 private:
  static inline thread_local bool active_ = false;
  bool previous_;
};

template <size_t N>
class TimeSeries {
 public:
  using Values = std::array<uint64_t, N>;

  // Hot path: inline, no allocation except when a new second closes a full chunk.
  void add(PacketTime t, const Values& delta, MemoryAccount& account) {
    const int64_t s = secondOf(t);
    if (s > openSecond_) [[unlikely]]
      advance(s, account);
    for (size_t i = 0; i < N; ++i) open_[i] += delta[i];
  }

  // Like add(), but counts at `t` even when t's second has already been closed (add() counts late
  // packets in the open second): for counts whose second must not depend on what else the series
  // received meanwhile (DpiModule: traffic of a connection classified or given up late). Only a late
  // count decodes and re-encodes the chunks from t's second on; any other is an add().
  void addAt(PacketTime t, const Values& delta, MemoryAccount& account);

  // Prefetch hint for an add() in `second` (software pipelining, see Worker::run): when that add will
  // close the open second, the newest chunk of the history that the closed second is appended to.
  // Call it once this object itself is in cache.
  void prefetchAdd(int64_t second) const {
    if (second > openSecond_ && !chunks_.empty()) __builtin_prefetch(&chunks_.back(), 1);
  }

  // Totals over all time: the closed seconds' (kept when their history is dropped) plus the open one.
  Values allTime() const {
    Values all = closedTotals_;
    for (size_t i = 0; i < N; ++i) all[i] += open_[i];
    return all;
  }
  // The open second (the newest second that has seen a packet) and its counters; INT64_MIN before the
  // first add().
  int64_t openSecond() const { return openSecond_; }
  const Values& openValues() const { return open_; }

  // Sum over the seconds [fromSecond, toSecond), the open second included. Buckets coarser than 1 s that
  // overlap the interval only partly are counted in proportion to the overlap, with integer arithmetic:
  // a bucket [b, b + step) with value v contributes floor(v * (hi - b) / step) - floor(v * (lo - b) /
  // step) where [lo, hi) is its overlap with the interval. Rounding is therefore down per bucket but
  // additive: sum(a, b) + sum(b, c) == sum(a, c) exactly, and a fully covered bucket counts v exactly.
  Values sum(int64_t fromSecond, int64_t toSecond) const;
  // At most `maxPoints` points covering [fromSecond, toSecond), each step a multiple of the coarsest
  // resolution still held for that range. Empty seconds are zero points (not omitted).
  //
  // The step is a multiple of that resolution, >= ceil((to - from) / maxPoints), normally the smallest
  // such that at most maxPoints points aligned to multiples of the step cover the range (point starts
  // are multiples of the step; the first point starts at or before fromSecond, the last ends at or
  // after toSecond). Each
  // point holds the sum over its whole interval [start, start + step) (proportional for coarser buckets
  // overlapping it partly, as in sum()), so the first and last point may include seconds outside the
  // requested range. maxPoints == 0 or an empty range give no points. The one case where no aligned
  // step can give a single point (maxPoints == 1 and the range contains both second -1 and second 0,
  // since 0 is a multiple of every step) returns one point aligned to the resolution only.
  std::vector<HistoryPoint<N>> series(int64_t fromSecond, int64_t toSecond, size_t maxPoints) const;

  // Rolls buckets older than the policy's spans (relative to nowSecond) into coarser buckets: buckets
  // finer than mediumStep starting before floor((now - fineSeconds) / mediumStep) * mediumStep become
  // mediumStep buckets, buckets finer than coarseStep starting before
  // floor((now - mediumSeconds) / coarseStep) * coarseStep become coarseStep buckets. Rolled buckets
  // are aligned to multiples of their step. Only the chunks concerned are re-encoded. The open second
  // is not touched. Steps <= 1 disable the corresponding roll-up.
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account);
  // Forgets history before `second`: every bucket starting before it, and the open second's counters if
  // it is before it (all-time totals stay). Afterwards oldestSecond() >= second.
  void dropBefore(int64_t second, MemoryAccount& account);
  // Adds another shard's series into this one (for merged query results). Buckets are united by time;
  // where the two hold the same time at different resolutions the finer buckets are folded into the
  // coarser one containing them. The open seconds: the later one stays open, an earlier one becomes a
  // history bucket. For shards that each saw an in-order stream, the result compacted with some
  // (now, policy) equals the series of one shard that saw both streams compacted with the same (now,
  // policy): same sums, same points (the compaction folds a shard's former open second that is older
  // than the cut-offs into its bucket, as the single shard would have done).
  void mergeFrom(const TimeSeries& other, MemoryAccount& account);
  // Oldest second with data (history or a non-zero open second), or INT64_MAX when empty.
  int64_t oldestSecond() const;
  // Heap bytes held by the history.
  size_t memoryBytes() const;
  // Releases all history memory and resets the series to its initial state (all-time totals and the
  // open second included), before the owner is destroyed or reused.
  void clear(MemoryAccount& account);

  // Largest encoded size of one chunk.
  static constexpr size_t kMaxChunkBytes = 2048;

 private:
  struct Bucket {
    int64_t startSecond;
    int64_t step;
    Values values;
  };
  struct Chunk {
    int64_t firstSecond = 0;  // start of the first bucket
    int64_t lastSecond = 0;   // start of the last bucket
    int64_t step = 1;         // of every bucket in the chunk
    uint32_t count = 0;       // buckets
    std::vector<uint8_t> data;
    Values totals{};
    int64_t end() const { return lastSecond + step; }
  };

  // Out of line: moves the open second to s, closing the previous one into the history.
  void advance(int64_t s, MemoryAccount& account);
  void appendClosed(int64_t second, const Values& values, MemoryAccount& account);
  static void decodeChunk(const Chunk& c, std::vector<Bucket>& out);
  template <typename Fn>
  void forEachBucket(int64_t from, int64_t to, Fn&& fn) const;
  size_t firstChunkEndingAfter(int64_t second) const;
  // Replaces chunks_[lo, hi) by the normalized encoding of `buckets` (sorted by start).
  void replaceChunks(size_t lo, size_t hi, std::vector<Bucket>& buckets);
  void rollUp(int64_t cut, int64_t step);
  int64_t coarsestStep(int64_t from, int64_t to) const;

  // The open second first: add() touches only it (the closed seconds' totals are updated once per
  // second, when it closes).
  int64_t openSecond_ = INT64_MIN;
  Values open_{};
  Values closedTotals_{};      // all-time totals of everything but the open second
  std::vector<Chunk> chunks_;  // closed buckets, oldest first, non-overlapping
};

extern template class TimeSeries<1>;
extern template class TimeSeries<2>;
extern template class TimeSeries<4>;
extern template class TimeSeries<6>;
extern template class TimeSeries<8>;
extern template class TimeSeries<20>;

}  // namespace netmeter
