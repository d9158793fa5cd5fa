// TimeSeries micro-benchmarks: add() cost on the per-packet path and history bytes per active day.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "core/packet_time.h"
#include "store/memory_account.h"
#include "store/time_series.h"

namespace netmeter {
namespace {

using Series = TimeSeries<4>;

// add() with state.range(0) series, packets spread uniformly over them at `pps` packets per second:
// with 1 series nearly every add() stays in the open second, with 100k series at 1M pps each series
// sees ~10 packets per second, so about one add() in ten closes a second into the history.
void BM_Add(benchmark::State& state) {
  const size_t seriesCount = static_cast<size_t>(state.range(0));
  const PacketTime gap = kNanosPerSecond / state.range(1);  // packet spacing
  std::vector<Series> series(seriesCount);
  std::vector<uint32_t> order(1 << 20);
  std::mt19937_64 rng(1);
  for (auto& i : order) i = static_cast<uint32_t>(rng() % seriesCount);
  MemoryAccount account;
  PacketTime t = 1'700'000'000 * kNanosPerSecond;
  size_t n = 0;
  for (auto _ : state) {
    series[order[n & (order.size() - 1)]].add(t, {0, 0, 1, 60 + (n & 1023)}, account);
    t += gap;
    ++n;
  }
  state.counters["historyBytesPerSeries"] =
      benchmark::Counter(static_cast<double>(account.bytes) / static_cast<double>(seriesCount));
  state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_Add)->Args({1, 1'000'000})->Args({100'000, 1'000'000})->ArgNames({"series", "pps"});

// One series active every second of a day with realistic per-second counters: history bytes at the
// end of the day, with the default policy (compact() every minute) and with everything kept at 1 s.
void BM_BytesPerSeriesDay(benchmark::State& state) {
  const bool compacting = state.range(0) != 0;
  size_t bytes = 0;
  for (auto _ : state) {
    std::mt19937_64 rng(2);
    MemoryAccount account;
    Series ts;
    const int64_t start = 1'700'000'000;
    for (int64_t s = 0; s < 86400; ++s) {
      ts.add(s * kNanosPerSecond + start * kNanosPerSecond,
             {100 + rng() % 100, 100'000 + rng() % 100'000, 50 + rng() % 50, 5000 + rng() % 5000}, account);
      if (compacting && s % 60 == 0) ts.compact(start + s, RetentionPolicy{}, account);
    }
    bytes = ts.memoryBytes();
    benchmark::DoNotOptimize(ts.sum(start, start + 86400));
  }
  state.counters["bytesPerSeriesDay"] = benchmark::Counter(static_cast<double>(bytes));
  state.counters["bytesPerBucket1s"] =
      benchmark::Counter(compacting ? 0.0 : static_cast<double>(bytes) / 86400);
}
BENCHMARK(BM_BytesPerSeriesDay)->Arg(1)->Arg(0)->ArgName("compact")->Unit(benchmark::kMillisecond);

// Query cost: sum over a day and a 300-point series, on a compacted active day.
void BM_Query(benchmark::State& state) {
  MemoryAccount account;
  Series ts;
  const int64_t start = 1'700'000'000;
  std::mt19937_64 rng(3);
  for (int64_t s = 0; s < 86400; ++s) {
    ts.add((start + s) * kNanosPerSecond, {rng() % 200, rng() % 200'000, rng() % 100, rng() % 10'000},
           account);
    if (s % 60 == 0) ts.compact(start + s, RetentionPolicy{}, account);
  }
  const bool series = state.range(0) != 0;
  for (auto _ : state) {
    if (series)
      benchmark::DoNotOptimize(ts.series(start + 1234, start + 86400, 300));
    else
      benchmark::DoNotOptimize(ts.sum(start + 1234, start + 86400 - 567));
  }
}
BENCHMARK(BM_Query)->Arg(0)->Arg(1)->ArgName("series");

}  // namespace
}  // namespace netmeter

BENCHMARK_MAIN();
