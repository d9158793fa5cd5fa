#include "store/time_series.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace netmeter {
namespace {

using V4 = std::array<uint64_t, 4>;
__extension__ typedef unsigned __int128 U128;

constexpr PacketTime ns(int64_t second, int64_t nanos = 0) {
  return second * kNanosPerSecond + nanos;
}

int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Brute-force model: every second's counters as the series must have seen them (out-of-order packets
// go to the open second), and the bucket layout the roll-up rule gives for one (now, policy).
struct Reference {
  std::map<int64_t, V4> seconds;
  int64_t open = INT64_MIN;
  V4 allTime{};

  void add(PacketTime t, const V4& d) {
    open = std::max(open, secondOf(t));
    for (size_t i = 0; i < 4; ++i) {
      seconds[open][i] += d[i];
      allTime[i] += d[i];
    }
  }

  struct Bucket {
    int64_t step;
    V4 values;
  };
  // Buckets after compaction at `now` (no compaction: now = INT64_MIN / 2). The open second stays 1 s.
  std::map<int64_t, Bucket> buckets(int64_t now, const RetentionPolicy& p) const {
    const int64_t coarseCut = floorDiv(now - p.mediumSeconds, p.coarseStep) * p.coarseStep;
    const int64_t fineCut = floorDiv(now - p.fineSeconds, p.mediumStep) * p.mediumStep;
    std::map<int64_t, Bucket> out;
    for (const auto& [s, v] : seconds) {
      if (s == open) continue;  // kept apart
      const int64_t step = s < coarseCut ? p.coarseStep : s < fineCut ? p.mediumStep : 1;
      auto& b = out[floorDiv(s, step) * step];
      b.step = step;
      for (size_t i = 0; i < 4; ++i) b.values[i] += v[i];
    }
    return out;
  }

  static uint64_t piece(uint64_t v, int64_t b, int64_t step, int64_t lo, int64_t hi) {
    lo = std::max(lo, b);
    hi = std::min(hi, b + step);
    if (lo >= hi) return 0;
    const auto f = [&](int64_t x) { return static_cast<uint64_t>(U128{v} * uint64_t(x) / uint64_t(step)); };
    return f(hi - b) - f(lo - b);
  }

  static V4 sum(const std::map<int64_t, Bucket>& bs, int64_t open, const V4& openValues, int64_t from,
                int64_t to) {
    V4 r{};
    for (const auto& [start, b] : bs)
      for (size_t i = 0; i < 4; ++i) r[i] += piece(b.values[i], start, b.step, from, to);
    if (open >= from && open < to)
      for (size_t i = 0; i < 4; ++i) r[i] += openValues[i];
    return r;
  }
  V4 openValues() const {
    auto it = seconds.find(open);
    return it == seconds.end() ? V4{} : it->second;
  }
};

// A random capture: mostly consecutive seconds, some gaps of minutes to hours, some out-of-order
// packets, some huge values.
struct Stream {
  std::vector<std::pair<PacketTime, V4>> packets;
};

Stream randomStream(std::mt19937_64& rng, int64_t startSecond, size_t count) {
  Stream s;
  PacketTime t = ns(startSecond, static_cast<int64_t>(rng() % kNanosPerSecond));
  for (size_t i = 0; i < count; ++i) {
    const uint64_t r = rng() % 1000;
    if (r < 5)
      t += static_cast<PacketTime>(rng() % 7200) * kNanosPerSecond;  // idle for a while
    else if (r < 700)
      t += static_cast<PacketTime>(rng() % (2 * kNanosPerSecond));
    PacketTime pt = t;
    if (rng() % 50 == 0) pt -= static_cast<PacketTime>(rng() % (3 * kNanosPerSecond));  // out of order
    const uint64_t bytes = rng() % 100 == 0 ? (uint64_t{1} << 40) + rng() % 1000 : 60 + rng() % 1500;
    V4 d = rng() % 2 ? V4{1, bytes, 0, 0} : V4{0, 0, 1, bytes};
    if (rng() % 200 == 0) d = V4{};  // zero deltas must not create buckets
    s.packets.emplace_back(pt, d);
  }
  return s;
}

void expectSumsMatch(const TimeSeries<4>& ts, const Reference& ref, int64_t now, const RetentionPolicy& p,
                     std::mt19937_64& rng, int64_t lo, int64_t hi, int rounds) {
  const auto buckets = ref.buckets(now, p);
  const V4 openValues = ref.openValues();
  for (int i = 0; i < rounds; ++i) {
    int64_t a = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo));
    int64_t b = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo));
    if (a > b) std::swap(a, b);
    ASSERT_EQ(ts.sum(a, b), Reference::sum(buckets, ref.open, openValues, a, b))
        << "[" << a << ", " << b << ")";
    const int64_t m = a + (b - a) / 2;
    const V4 left = ts.sum(a, m), right = ts.sum(m, b), whole = ts.sum(a, b);
    for (size_t k = 0; k < 4; ++k) ASSERT_EQ(left[k] + right[k], whole[k]) << "additivity";
  }
  EXPECT_EQ(ts.sum(INT64_MIN / 2, INT64_MAX / 2), ref.allTime);
}

TEST(TimeSeries, AddsToOpenSecondAndClosesIntoHistory) {
  MemoryAccount account;
  TimeSeries<4> ts;
  EXPECT_EQ(ts.oldestSecond(), INT64_MAX);
  EXPECT_EQ(ts.memoryBytes(), 0u);
  ts.add(ns(100, 1), {1, 100, 0, 0}, account);
  ts.add(ns(100, 999'999'999), {1, 50, 0, 0}, account);
  EXPECT_EQ(ts.openSecond(), 100);
  EXPECT_EQ(ts.memoryBytes(), 0u) << "the open second lives inline";
  ts.add(ns(102), {0, 0, 1, 40}, account);
  EXPECT_EQ(ts.allTime(), (V4{2, 150, 1, 40}));
  EXPECT_EQ(ts.sum(100, 101), (V4{2, 150, 0, 0}));
  EXPECT_EQ(ts.sum(101, 102), V4{});
  EXPECT_EQ(ts.sum(102, 103), (V4{0, 0, 1, 40}));
  EXPECT_EQ(ts.sum(0, 1000), ts.allTime());
  EXPECT_EQ(ts.oldestSecond(), 100);
  EXPECT_GT(ts.memoryBytes(), 0u);
  EXPECT_EQ(account.bytes, static_cast<int64_t>(ts.memoryBytes()));
}

TEST(TimeSeries, OutOfOrderPacketsGoToTheOpenSecond) {
  MemoryAccount account;
  TimeSeries<2> ts;
  ts.add(ns(10, 500), {1, 10}, account);
  ts.add(ns(12, 100), {1, 20}, account);
  ts.add(ns(9), {1, 30}, account);        // older than the open second 12
  ts.add(ns(11, 999), {1, 40}, account);  // also older
  EXPECT_EQ(ts.sum(12, 13), (std::array<uint64_t, 2>{3, 90}));
  EXPECT_EQ(ts.sum(9, 12), (std::array<uint64_t, 2>{1, 10}));
  ts.add(ns(13), {1, 1}, account);
  EXPECT_EQ(ts.sum(12, 13), (std::array<uint64_t, 2>{3, 90}));
  EXPECT_EQ(ts.allTime(), (std::array<uint64_t, 2>{5, 101}));
}

TEST(TimeSeries, EmptySecondsAreNotStored) {
  MemoryAccount account;
  TimeSeries<1> ts;
  for (int64_t s = 0; s < 1000; ++s) ts.add(ns(s), {0}, account);
  EXPECT_EQ(ts.memoryBytes(), 0u);
  EXPECT_EQ(ts.oldestSecond(), INT64_MAX);
  auto points = ts.series(0, 10, 10);
  ASSERT_EQ(points.size(), 10u);
  for (const auto& p : points) EXPECT_EQ(p.values[0], 0u);
}

TEST(TimeSeries, TimestampsBefore1970AndFarFuture) {
  MemoryAccount account;
  TimeSeries<1> ts;
  ts.add(-kNanosPerSecond - 1, {1}, account);  // second -2
  ts.add(-1, {2}, account);                    // second -1
  ts.add(0, {4}, account);                     // second 0
  EXPECT_EQ(ts.sum(-2, -1)[0], 1u);
  EXPECT_EQ(ts.sum(-1, 0)[0], 2u);
  EXPECT_EQ(ts.sum(0, 1)[0], 4u);
  EXPECT_EQ(ts.oldestSecond(), -2);
  const int64_t future = INT64_MAX / kNanosPerSecond - 10;  // year 2262
  ts.add(ns(future), {8}, account);
  ts.add(ns(future + 1), {16}, account);
  EXPECT_EQ(ts.sum(future, future + 1)[0], 8u);
  EXPECT_EQ(ts.sum(INT64_MIN, INT64_MAX)[0], 31u);
  ts.compact(future + 100000, RetentionPolicy{}, account);
  EXPECT_EQ(ts.sum(INT64_MIN, INT64_MAX)[0], 31u);
  EXPECT_EQ(ts.sum(-3600, 0)[0], 3u) << "rolled into the hour [-3600, 0)";
  auto points = ts.series(-7200, 3600, 3);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].startSecond, -7200);
  EXPECT_EQ(points[1].values[0], 3u);
  EXPECT_EQ(points[2].values[0], 4u);
  EXPECT_EQ(account.bytes, static_cast<int64_t>(ts.memoryBytes()));

  TimeSeries<1> early;  // 1678
  const int64_t past = INT64_MIN / kNanosPerSecond + 10;
  early.add(ns(past), {1}, account);
  early.add(ns(past + 5), {1}, account);
  EXPECT_EQ(early.sum(past, past + 1)[0], 1u);
  EXPECT_EQ(early.oldestSecond(), past);
}

TEST(TimeSeries, RollsUpAgedBuckets) {
  MemoryAccount account;
  TimeSeries<1> ts;
  RetentionPolicy p;  // 1 h at 1 s, 1 day at 1 min, then 1 h
  const int64_t day = 86400;
  for (int64_t s = 0; s < 2 * day; ++s) ts.add(ns(s), {1}, account);
  ts.compact(2 * day, p, account);
  // Fine: [2d - 1h, 2d) (the open second 2d-1 apart); medium: [1d, 2d - 1h); coarse: before 1d.
  auto fine = ts.series(2 * day - 3600, 2 * day, 3600);
  ASSERT_EQ(fine.size(), 3600u);
  EXPECT_EQ(fine[0].step, 1);
  auto medium = ts.series(day, 2 * day - 3600, 100000);
  EXPECT_EQ(medium.front().step, 60);
  EXPECT_EQ(medium.size(), 1380u);
  EXPECT_EQ(medium.front().values[0], 60u);
  auto coarse = ts.series(0, day, 100000);
  EXPECT_EQ(coarse.size(), 24u);
  EXPECT_EQ(coarse.front().step, 3600);
  EXPECT_EQ(coarse.front().values[0], 3600u);
  EXPECT_EQ(ts.sum(0, 2 * day)[0], uint64_t(2 * day));
  EXPECT_EQ(ts.sum(0, 1800)[0], 1800u) << "half of a coarse bucket";
  EXPECT_EQ(ts.sum(10, 11)[0], 1u);
  // Resolution of a range spanning both: the coarsest.
  auto mixed = ts.series(day - 3600, day + 3600, 100000);
  EXPECT_EQ(mixed.front().step, 3600);
  EXPECT_EQ(mixed.size(), 2u);
  // Compacting again with the same `now` changes nothing.
  const size_t bytes = ts.memoryBytes();
  ts.compact(2 * day, p, account);
  EXPECT_EQ(ts.memoryBytes(), bytes);
  EXPECT_EQ(account.bytes, static_cast<int64_t>(ts.memoryBytes()));
  // Far fewer bytes than 1 s buckets would need.
  EXPECT_LT(ts.memoryBytes(), 20000u);
}

// compactionCutoff() is exact: a series whose oldest bucket starts at the cut-off is left as it is,
// one with a bucket a second before it is rolled up; for policies whose spans and steps nest or not,
// and with either roll-up disabled.
TEST(TimeSeries, CompactionCutoffIsWhereRollUpsBegin) {
  const RetentionPolicy policies[] = {
      RetentionPolicy{},
      {.fineSeconds = 10, .mediumStep = 5, .mediumSeconds = 30, .coarseStep = 15},
      {.fineSeconds = 10, .mediumStep = 5, .mediumSeconds = 4, .coarseStep = 20},   // coarse cut-off later
      {.fineSeconds = 10, .mediumStep = 1, .mediumSeconds = 50, .coarseStep = 10},  // no medium roll-up
      {.fineSeconds = 7, .mediumStep = 3, .mediumSeconds = 50, .coarseStep = 1},    // no coarse roll-up
  };
  for (const RetentionPolicy& p : policies) {
    for (const int64_t now : {int64_t{100000}, int64_t{123457}, int64_t{-5000}}) {
      const int64_t cutoff = p.compactionCutoff(now);
      SCOPED_TRACE(testing::Message() << "fine " << p.fineSeconds << " now " << now << " cutoff " << cutoff);
      for (const int64_t oldest : {cutoff, cutoff - 1}) {
        MemoryAccount account;
        TimeSeries<1> ts;
        for (int64_t s = oldest; s < now; s += 1) ts.add(ns(s), {1}, account);
        const size_t bytes = ts.memoryBytes();
        ts.compact(now, p, account);
        const auto first = ts.series(oldest, oldest + 1, 1);
        ASSERT_EQ(first.size(), 1u);
        if (oldest == cutoff) {
          EXPECT_EQ(ts.memoryBytes(), bytes);
          EXPECT_EQ(first[0].step, 1);
        } else {
          EXPECT_GT(first[0].step, 1);
        }
        EXPECT_EQ(ts.sum(oldest, now + 1)[0], uint64_t(now - oldest));
      }
    }
  }
  const RetentionPolicy none{.fineSeconds = 10, .mediumStep = 1, .mediumSeconds = 20, .coarseStep = 0};
  EXPECT_EQ(none.compactionCutoff(1000), INT64_MIN);
}

TEST(TimeSeries, ProportionalSumsOverCoarseBuckets) {
  MemoryAccount account;
  TimeSeries<2> ts;
  ts.add(ns(7200 + 5), {1000, 7}, account);  // one second in the hour [7200, 10800)
  ts.add(ns(100000), {0, 0}, account);       // closes it
  ts.compact(200000, RetentionPolicy{}, account);
  auto points = ts.series(7200, 10800, 3600);
  ASSERT_EQ(points.size(), 1u) << "the coarse bucket cannot be split";
  EXPECT_EQ(points[0].step, 3600);
  // 1000 * 1800 / 3600 = 500 exactly; 7 * 1800 / 3600 = 3.5 -> 3, the rest in the other half.
  EXPECT_EQ(ts.sum(7200, 9000), (std::array<uint64_t, 2>{500, 3}));
  EXPECT_EQ(ts.sum(9000, 10800), (std::array<uint64_t, 2>{500, 4}));
  EXPECT_EQ(ts.sum(7200, 7201), (std::array<uint64_t, 2>{0, 0}));
  EXPECT_EQ(ts.sum(7000, 11000), (std::array<uint64_t, 2>{1000, 7}));
  uint64_t total = 0;
  for (int64_t s = 7200; s < 10800; ++s) total += ts.sum(s, s + 1)[0];
  EXPECT_EQ(total, 1000u) << "pieces of one bucket add up exactly";
  // Huge values do not overflow the proportion.
  TimeSeries<1> big;
  big.add(ns(0), {UINT64_MAX / 2}, account);
  big.add(ns(100000), {0}, account);
  big.compact(200000, RetentionPolicy{}, account);
  EXPECT_EQ(big.sum(0, 1800)[0], UINT64_MAX / 4);
}

TEST(TimeSeries, SeriesShapesAndAlignment) {
  MemoryAccount account;
  TimeSeries<1> ts;
  for (int64_t s = 0; s < 1000; s += 2) ts.add(ns(s), {1}, account);
  auto p = ts.series(5, 65, 60);
  ASSERT_EQ(p.size(), 60u);
  EXPECT_EQ(p.front().startSecond, 5);
  EXPECT_EQ(p.front().values[0], 0u);
  EXPECT_EQ(p[1].values[0], 1u);
  // step >= ceil(120/60) = 2; step 2 would need 61 aligned points, so 3.
  p = ts.series(5, 125, 60);
  EXPECT_LE(p.size(), 60u);
  EXPECT_EQ(p.front().step, 3);
  EXPECT_EQ(p.front().startSecond, 3);
  EXPECT_LE(p.back().startSecond + p.back().step, 126);
  EXPECT_GE(p.back().startSecond + p.back().step, 125);
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(p[i].startSecond % p[i].step, 0);
    EXPECT_EQ(p[i].values[0], ts.sum(p[i].startSecond, p[i].startSecond + p[i].step)[0]);
  }
  EXPECT_TRUE(ts.series(5, 5, 10).empty());
  EXPECT_TRUE(ts.series(5, 10, 0).empty());
  p = ts.series(0, 1000, 1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].values[0], 500u);
  p = ts.series(-10, 10, 1);  // crosses second 0: no aligned single point exists
  ASSERT_EQ(p.size(), 1u);
  EXPECT_LE(p[0].startSecond, -10);
  EXPECT_GE(p[0].startSecond + p[0].step, 10);
  p = ts.series(-10, -3, 1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].startSecond % p[0].step, 0);
  p = ts.series(INT64_MIN, INT64_MAX, 1000);
  EXPECT_LE(p.size(), 1000u);
  uint64_t total = 0;
  for (const auto& point : p) total += point.values[0];
  EXPECT_EQ(total, 500u);
}

TEST(TimeSeries, SeriesPropertiesAgainstReference) {
  std::mt19937_64 rng(42);
  MemoryAccount account;
  TimeSeries<4> ts;
  Reference ref;
  RetentionPolicy p{600, 60, 7200, 3600};
  const Stream stream = randomStream(rng, 1'000'000, 30000);
  int64_t now = 0;
  for (const auto& [t, d] : stream.packets) {
    ts.add(t, d, account);
    ref.add(t, d);
    now = std::max(now, secondOf(t));
  }
  ts.compact(now, p, account);
  const auto buckets = ref.buckets(now, p);
  const int64_t lo = 1'000'000 - 100, hi = now + 100;
  for (int i = 0; i < 300; ++i) {
    int64_t a = lo + static_cast<int64_t>(rng() % uint64_t(hi - lo));
    int64_t b = lo + static_cast<int64_t>(rng() % uint64_t(hi - lo));
    if (a > b) std::swap(a, b);
    if (a == b) continue;
    const size_t maxPoints = 1 + rng() % 500;
    const auto points = ts.series(a, b, maxPoints);
    ASSERT_FALSE(points.empty());
    ASSERT_LE(points.size(), maxPoints);
    const int64_t step = points.front().step;
    int64_t res = 1;  // the coarsest resolution held in [a, b)
    for (const auto& [start, bucket] : buckets)
      if (start < b && start + bucket.step > a) res = std::max(res, bucket.step);
    EXPECT_EQ(step % res, 0);
    EXPECT_GE(step, (b - a + int64_t(maxPoints) - 1) / int64_t(maxPoints));
    EXPECT_LE(points.front().startSecond, a);
    EXPECT_GE(points.back().startSecond + step, b);
    for (size_t k = 0; k < points.size(); ++k) {
      ASSERT_EQ(points[k].step, step);
      ASSERT_EQ(floorDiv(points[k].startSecond, step) * step, points[k].startSecond) << "aligned";
      if (k > 0) {
        ASSERT_EQ(points[k].startSecond, points[k - 1].startSecond + step) << "contiguous";
      }
      ASSERT_EQ(points[k].values, Reference::sum(buckets, ref.open, ref.openValues(), points[k].startSecond,
                                                 points[k].startSecond + step));
    }
  }
}

// The property test: random data, compaction at random times, sums over random intervals against the
// brute-force model.
TEST(TimeSeries, SumsMatchBruteForceModel) {
  for (int64_t base : {int64_t{1'700'000'000}, int64_t{-2'000'000'000}, int64_t{7'000'000'000}}) {
    std::mt19937_64 rng(7 + static_cast<uint64_t>(base));
    MemoryAccount account;
    TimeSeries<4> ts;
    Reference ref;
    RetentionPolicy p{900, 60, 10800, 3600};
    const Stream stream = randomStream(rng, base, 40000);
    int64_t now = INT64_MIN / 4;
    for (size_t i = 0; i < stream.packets.size(); ++i) {
      const auto& [t, d] = stream.packets[i];
      ts.add(t, d, account);
      ref.add(t, d);
      now = std::max(now, secondOf(t));
      if (i % 997 == 0) ts.compact(now, p, account);
      ASSERT_EQ(account.bytes, static_cast<int64_t>(ts.memoryBytes()));
    }
    // Without a final compaction the layout may lag; with it, it is exactly the model's.
    ts.compact(now, p, account);
    expectSumsMatch(ts, ref, now, p, rng, base - 100, now + 100, 2000);
    // Intervals near the resolution boundaries.
    expectSumsMatch(ts, ref, now, p, rng, now - 11000, now - 10000, 500);
    expectSumsMatch(ts, ref, now, p, rng, now - 1000, now + 2, 500);
    EXPECT_EQ(ts.allTime(), ref.allTime);
    EXPECT_EQ(account.bytes, static_cast<int64_t>(ts.memoryBytes()));
  }
}

TEST(TimeSeries, UncompactedSumsAreExact) {
  std::mt19937_64 rng(3);
  MemoryAccount account;
  TimeSeries<4> ts;
  Reference ref;
  const Stream stream = randomStream(rng, 0, 20000);
  for (const auto& [t, d] : stream.packets) {
    ts.add(t, d, account);
    ref.add(t, d);
  }
  for (int i = 0; i < 1000; ++i) {
    const int64_t a = static_cast<int64_t>(rng() % uint64_t(ref.open + 2)) - 1;
    const int64_t b = a + static_cast<int64_t>(rng() % 5000);
    V4 expected{};
    for (auto it = ref.seconds.lower_bound(a); it != ref.seconds.end() && it->first < b; ++it)
      for (size_t k = 0; k < 4; ++k) expected[k] += it->second[k];
    ASSERT_EQ(ts.sum(a, b), expected);
  }
}

TEST(TimeSeries, MergeEqualsSingleShard) {
  std::mt19937_64 rng(11);
  RetentionPolicy p{600, 60, 7200, 3600};
  MemoryAccount account;
  TimeSeries<4> single, a, b;
  Reference ref;
  // In-order global stream split between two shards.
  PacketTime t = ns(5'000'000);
  int64_t now = 0;
  for (int i = 0; i < 40000; ++i) {
    t += static_cast<PacketTime>(rng() % 100 == 0 ? (rng() % 3600) * kNanosPerSecond
                                                  : rng() % kNanosPerSecond);
    const V4 d{1, 60 + rng() % 1000, rng() % 2, rng() % 3000};
    single.add(t, d, account);
    ref.add(t, d);
    (rng() % 3 == 0 ? a : b).add(t, d, account);
    now = secondOf(t);
    if (i % 5000 == 0) {
      single.compact(now, p, account);
      a.compact(now, p, account);
      b.compact(now, p, account);
    }
  }
  single.compact(now, p, account);
  TimeSeries<4> merged;
  merged.mergeFrom(a, account);
  merged.mergeFrom(b, account);
  EXPECT_EQ(merged.allTime(), single.allTime());
  EXPECT_EQ(merged.openSecond(), single.openSecond());
  EXPECT_EQ(merged.openValues(), single.openValues());
  merged.compact(now, p, account);
  const int64_t lo = 5'000'000 - 10, hi = now + 10;
  for (int i = 0; i < 2000; ++i) {
    int64_t x = lo + static_cast<int64_t>(rng() % uint64_t(hi - lo));
    int64_t y = lo + static_cast<int64_t>(rng() % uint64_t(hi - lo));
    if (x > y) std::swap(x, y);
    ASSERT_EQ(merged.sum(x, y), single.sum(x, y));
    if (i % 10 == 0) {
      const size_t maxPoints = 1 + rng() % 300;
      const auto ps = merged.series(x, y, maxPoints), pm = single.series(x, y, maxPoints);
      ASSERT_EQ(ps.size(), pm.size());
      for (size_t k = 0; k < ps.size(); ++k) {
        ASSERT_EQ(ps[k].startSecond, pm[k].startSecond);
        ASSERT_EQ(ps[k].step, pm[k].step);
        ASSERT_EQ(ps[k].values, pm[k].values);
      }
    }
  }
  expectSumsMatch(merged, ref, now, p, rng, lo, hi, 500);
  // Merging into a non-empty series, in either order.
  TimeSeries<4> other;
  other.mergeFrom(b, account);
  other.mergeFrom(a, account);
  other.compact(now, p, account);
  EXPECT_EQ(other.sum(lo, hi), single.sum(lo, hi));
  TimeSeries<4> self = a;
  account.add(static_cast<int64_t>(self.memoryBytes()));
  self.mergeFrom(self, account);
  for (size_t k = 0; k < 4; ++k) EXPECT_EQ(self.allTime()[k], 2 * a.allTime()[k]);
  EXPECT_EQ(self.sum(INT64_MIN, INT64_MAX)[1], 2 * a.sum(INT64_MIN, INT64_MAX)[1]);
  for (auto* ts : {&single, &a, &b, &merged, &other, &self}) ts->clear(account);
  EXPECT_EQ(account.bytes, 0);
}

// addAt counts in the second it is given, also when later seconds were counted (add() counts a late
// packet in the open second), into a rolled-up bucket when that second was rolled up.
TEST(TimeSeries, AddAtCountsInItsOwnSecond) {
  MemoryAccount account;
  TimeSeries<1> s;
  s.add(ns(100), {1}, account);
  s.add(ns(105), {2}, account);
  s.addAt(ns(102), {4}, account);
  s.addAt(ns(100), {8}, account);
  s.addAt(ns(105), {16}, account);  // the open second: as add()
  s.addAt(ns(50), {32}, account);   // before everything
  EXPECT_EQ(s.allTime()[0], 63u);
  EXPECT_EQ(s.sum(50, 51)[0], 32u);
  EXPECT_EQ(s.sum(100, 101)[0], 9u);
  EXPECT_EQ(s.sum(102, 103)[0], 4u);
  EXPECT_EQ(s.sum(105, 106)[0], 18u);
  TimeSeries<1> late;
  late.add(ns(100), {1}, account);
  late.add(ns(105), {2}, account);
  late.add(ns(102), {4}, account);
  EXPECT_EQ(late.sum(105, 106)[0], 6u);
  // Rolled up: the late second joins the coarse bucket that holds it.
  TimeSeries<1> rolled;
  rolled.add(ns(100), {1}, account);
  rolled.add(ns(100000), {2}, account);
  rolled.compact(100000, RetentionPolicy{}, account);
  rolled.addAt(ns(200), {4}, account);
  EXPECT_EQ(rolled.sum(0, 3600)[0], 5u);
  EXPECT_EQ(rolled.allTime()[0], 7u);
}

// Inside a TotalsOnlyMergeScope a merge adds the all-time totals and leaves the target's history as
// it was; outside again, merges are whole.
TEST(TimeSeries, TotalsOnlyMergeAddsTotalsAndKeepsTheHistory) {
  MemoryAccount account;
  TimeSeries<1> a, b, c;
  a.add(ns(100), {1}, account);
  a.add(ns(200), {2}, account);
  b.add(ns(150), {8}, account);
  b.add(ns(300), {16}, account);
  c.add(ns(100), {32}, account);
  {
    TotalsOnlyMergeScope totalsOnly;
    EXPECT_TRUE(TotalsOnlyMergeScope::active());
    a.mergeFrom(b, account);
  }
  EXPECT_FALSE(TotalsOnlyMergeScope::active());
  EXPECT_EQ(a.allTime()[0], 27u);
  EXPECT_EQ(a.sum(0, 1000)[0], 3u);  // a's own seconds only
  EXPECT_EQ(a.sum(150, 151)[0], 0u);
  a.mergeFrom(c, account);
  EXPECT_EQ(a.allTime()[0], 59u);
  EXPECT_EQ(a.sum(100, 101)[0], 33u);
}

// allTime() is the closed seconds' totals plus the open second's: every way the open second leaves
// (closed by a later add, replaced or kept in a merge, a late count before it) keeps the totals.
TEST(TimeSeries, AllTimeFollowsTheOpenSecondThroughMergesAndLateCounts) {
  MemoryAccount account;
  TimeSeries<2> older, newer, same;
  older.add(ns(10), {1, 10}, account);
  older.add(ns(20), {2, 20}, account);  // open: 20
  EXPECT_EQ(older.allTime(), (std::array<uint64_t, 2>{3, 30}));
  newer.add(ns(30), {4, 40}, account);  // open: 30
  same.add(ns(30), {8, 80}, account);
  older.mergeFrom(newer, account);  // older's open second 20 becomes history, 30 is open
  EXPECT_EQ(older.openSecond(), 30);
  EXPECT_EQ(older.allTime(), (std::array<uint64_t, 2>{7, 70}));
  older.mergeFrom(same, account);  // the same open second: added
  EXPECT_EQ(older.allTime(), (std::array<uint64_t, 2>{15, 150}));
  newer.mergeFrom(older, account);  // newer's own open second 30 and older's: still 30
  EXPECT_EQ(newer.allTime(), (std::array<uint64_t, 2>{19, 190}));
  TimeSeries<2> early;
  early.add(ns(5), {16, 160}, account);
  newer.mergeFrom(early, account);  // an older open second from the other side becomes history
  EXPECT_EQ(newer.allTime(), (std::array<uint64_t, 2>{35, 350}));
  newer.addAt(ns(15), {32, 320}, account);  // late: into second 15's history
  EXPECT_EQ(newer.allTime(), (std::array<uint64_t, 2>{67, 670}));
  EXPECT_EQ(newer.sum(0, 1000), newer.allTime());
  EXPECT_EQ(newer.sum(30, 31), (std::array<uint64_t, 2>{16, 160}));
}

TEST(TimeSeries, MergeFoldsFinerIntoCoarser) {
  MemoryAccount account;
  TimeSeries<1> a, b;
  a.add(ns(100), {1}, account);
  a.add(ns(200), {2}, account);
  a.add(ns(100000), {4}, account);
  a.compact(100000, RetentionPolicy{}, account);  // 100 and 200 into [0, 3600)
  b.add(ns(150), {8}, account);                   // stays the open second of b, 1 s
  a.mergeFrom(b, account);
  EXPECT_EQ(a.openSecond(), 100000);
  EXPECT_EQ(a.sum(0, 3600)[0], 11u);
  auto p = a.series(0, 3600, 3600);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].step, 3600);
  EXPECT_EQ(p[0].values[0], 11u);
  EXPECT_EQ(account.bytes, static_cast<int64_t>(a.memoryBytes() + b.memoryBytes()));
}

TEST(TimeSeries, IdleOpenSecondClosesIntoItsRolledBucket) {
  MemoryAccount account;
  TimeSeries<1> ts;
  ts.add(ns(100), {1}, account);
  ts.add(ns(200), {2}, account);  // open second, then idle for days
  ts.compact(500000, RetentionPolicy{}, account);
  EXPECT_EQ(ts.sum(0, 3600)[0], 3u);
  ts.add(ns(600000), {4}, account);  // closes 200, which lies inside the rolled bucket [0, 3600)
  auto p = ts.series(0, 3600, 10);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].step, 3600);
  EXPECT_EQ(p[0].values[0], 3u);
  EXPECT_EQ(ts.sum(0, 1000000)[0], 7u);
  EXPECT_EQ(account.bytes, static_cast<int64_t>(ts.memoryBytes()));
}

TEST(TimeSeries, DropBefore) {
  MemoryAccount account;
  TimeSeries<2> ts;
  for (int64_t s = 0; s < 20000; ++s) ts.add(ns(s), {1, uint64_t(s)}, account);
  const auto all = ts.allTime();
  const size_t bytes = ts.memoryBytes();
  const auto tail = ts.sum(12345, 30000);
  ts.dropBefore(12345, account);
  EXPECT_EQ(ts.oldestSecond(), 12345);
  EXPECT_EQ(ts.sum(0, 12345)[0], 0u);
  EXPECT_EQ(ts.sum(12345, 30000), tail);
  EXPECT_EQ(ts.allTime(), all);
  EXPECT_LT(ts.memoryBytes(), bytes);
  EXPECT_EQ(account.bytes, static_cast<int64_t>(ts.memoryBytes()));
  ts.dropBefore(100000, account);  // everything, the open second included
  EXPECT_EQ(ts.oldestSecond(), INT64_MAX);
  EXPECT_EQ(ts.memoryBytes(), 0u);
  EXPECT_EQ(account.bytes, 0);
  EXPECT_EQ(ts.allTime(), all);
  ts.add(ns(19990), {1, 1}, account);  // older than the open second: still goes there
  EXPECT_EQ(ts.sum(19999, 20000)[0], 1u);
}

TEST(TimeSeries, MemoryAccountIsExact) {
  std::mt19937_64 rng(5);
  MemoryAccount account;
  std::vector<TimeSeries<4>> series(50);
  const auto total = [&] {
    int64_t sum = 0;
    for (const auto& ts : series) sum += static_cast<int64_t>(ts.memoryBytes());
    return sum;
  };
  RetentionPolicy p{300, 60, 3600, 600};
  PacketTime t = ns(1'000'000);
  for (int i = 0; i < 200000; ++i) {
    t += static_cast<PacketTime>(rng() % (kNanosPerSecond / 4));
    auto& ts = series[rng() % series.size()];
    ts.add(t, {1, rng() % 100000, 0, 0}, account);
    const uint64_t op = rng() % 10000;
    if (op < 20)
      ts.compact(secondOf(t), p, account);
    else if (op < 22)
      ts.dropBefore(secondOf(t) - static_cast<int64_t>(rng() % 4000), account);
    else if (op < 24)
      ts.mergeFrom(series[rng() % series.size()], account);
    else if (op < 25)
      ts.clear(account);
    if (op < 25 || i % 1000 == 0) {
      ASSERT_EQ(account.bytes, total()) << i;
    }
  }
  ASSERT_EQ(account.bytes, total());
  for (auto& ts : series) ts.clear(account);
  EXPECT_EQ(account.bytes, 0);
}

TEST(TimeSeries, AnActiveDayIsCompact) {
  std::mt19937_64 rng(1);
  MemoryAccount account;
  TimeSeries<4> ts;
  const int64_t start = 1'700'000'000;
  for (int64_t s = 0; s < 86400; ++s) {
    ts.add(ns(start + s), {100 + rng() % 100, 100000 + rng() % 100000, 50 + rng() % 50, 5000 + rng() % 5000},
           account);
    if (s % 60 == 0) ts.compact(start + s, RetentionPolicy{}, account);
  }
  EXPECT_LT(ts.memoryBytes(), 100'000u);
  RecordProperty("defaultPolicyBytes", std::to_string(ts.memoryBytes()));
  // Even without roll-up, a day at 1 s stays well below a megabyte (vs. 48 bytes per bucket).
  TimeSeries<4> fine;
  for (int64_t s = 0; s < 86400; ++s)
    fine.add(ns(start + s),
             {100 + rng() % 100, 100000 + rng() % 100000, 50 + rng() % 50, 5000 + rng() % 5000}, account);
  EXPECT_LT(fine.memoryBytes(), 1'000'000u);
  RecordProperty("allFineBytes", std::to_string(fine.memoryBytes()));
  EXPECT_EQ(account.bytes, static_cast<int64_t>(ts.memoryBytes() + fine.memoryBytes()));
}

// Series of more than 8 counters encode only their non-zero values (behind a bitmap): the same sums,
// points, roll-ups and merges as a reference kept per second, values of every size included, in less
// memory than 20 varints per second.
TEST(TimeSeries, SparseWideSeriesMatchAReference) {
  std::mt19937_64 rng(11);
  MemoryAccount account;
  TimeSeries<20> ts, other;
  std::map<int64_t, std::array<uint64_t, 20>> perSecond;  // the reference (both series together)
  const int64_t start = 1'700'000'000;
  for (int64_t s = 0; s < 3000; ++s) {
    for (TimeSeries<20>* series : {&ts, &other}) {
      if (rng() % 3 == 0) continue;  // idle seconds leave gaps
      std::array<uint64_t, 20> v{};
      for (auto& x : v) {
        const uint64_t r = rng() % 10;
        x = r < 6 ? 0 : r < 8 ? rng() % 100 : r < 9 ? rng() % 100000000 : rng() >> (rng() % 64);
      }
      series->add(ns(start + s, static_cast<int64_t>(rng() % 1000)), v, account);
      for (size_t i = 0; i < 20; ++i) perSecond[start + s][i] += v[i];
    }
  }
  const RetentionPolicy policy{600, 60, 1800, 600};
  ts.compact(start + 3000, policy, account);
  ts.mergeFrom(other, account);
  ts.compact(start + 3000, policy, account);
  const auto reference = [&](int64_t from, int64_t to) {
    std::array<uint64_t, 20> sum{};
    for (auto it = perSecond.lower_bound(from); it != perSecond.end() && it->first < to; ++it)
      for (size_t i = 0; i < 20; ++i) sum[i] += it->second[i];
    return sum;
  };
  // Bounds aligned to the coarsest step (1800 s): roll-ups spread nothing across them.
  for (int64_t from = start / 1800 * 1800; from < start + 3600; from += 1800)
    EXPECT_EQ(ts.sum(from, from + 1800), reference(from, from + 1800)) << from;
  // The last 600 s stay at 1-second resolution: any window there is exact.
  for (int i = 0; i < 200; ++i) {
    const int64_t from = start + 2400 + static_cast<int64_t>(rng() % 600);
    const int64_t to = from + 1 + static_cast<int64_t>(rng() % 100);
    ASSERT_EQ(ts.sum(from, to), reference(from, to)) << from << " " << to;
  }
  const auto points = ts.series(start + 2400, start + 3000, 600);
  ASSERT_EQ(points.size(), 600u);
  for (const auto& point : points)
    ASSERT_EQ(point.values, reference(point.startSecond, point.startSecond + 1));
  EXPECT_EQ(account.bytes, static_cast<int64_t>(ts.memoryBytes() + other.memoryBytes()));

  // A second of one non-zero counter costs a few bytes, not 21.
  TimeSeries<20> sparse;
  MemoryAccount sparseAccount;
  for (int64_t s = 0; s < 2000; ++s) {
    std::array<uint64_t, 20> v{};
    v[static_cast<size_t>(s % 20)] = 1;
    sparse.add(ns(start + s), v, sparseAccount);
  }
  EXPECT_LT(sparse.memoryBytes(), 2000u * 8);
}

TEST(TimeSeries, CopiesAndMovesKeepTheHistory) {
  MemoryAccount account;
  TimeSeries<1> ts;
  for (int64_t s = 0; s < 500; ++s) ts.add(ns(s), {1}, account);
  TimeSeries<1> copy = ts;
  EXPECT_EQ(copy.sum(0, 500), ts.sum(0, 500));
  TimeSeries<1> moved = std::move(copy);
  EXPECT_EQ(moved.sum(0, 500)[0], 500u);
  MemoryAccount copies;  // copies are not accounted by themselves
  moved.clear(copies);
  EXPECT_LT(copies.bytes, 0);
  ts.clear(account);
  EXPECT_EQ(account.bytes, 0);
}

}  // namespace
}  // namespace netmeter
