#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "engine/analysis.h"
#include "engine/shard.h"
#include "query/counters.h"
#include "query/time_window.h"

namespace netmeter::query {

// A ranking index of one table (the IPs): every key merged over the shards with its traffic
// counters [rx packets, rx bytes, tx packets, tx bytes] all time and in the trace clock's last
// complete second, frozen at one moment. It answers the sorted pages of the list's default time
// selection (no starttime/endtime/timespan: byte and packet columns rank by all-time totals, per-second
// columns by the last second) without visiting the shards: a page is a slice of an order computed
// once per (column, direction) and kept with the snapshot. The top rows of the orders computed when
// it was built also carry a `Detail` (what a row shows, e.g. the merged record), taken right after
// the ranking, so that those pages are written without visiting the shards either.
template <typename Key, typename Detail>
class TrafficRanking {
 public:
  using Counters = std::array<uint64_t, 4>;
  struct Row {
    Key key;
    Counters allTime{};
    Counters lastSecond{};
  };
  // Memory a row costs in the ranking (with the selection of an order over every row), and while it
  // is built (the shard's part and the merge index, at its worst load factor).
  static constexpr int64_t kBytesPerRow = int64_t(sizeof(Row) + sizeof(std::pair<double, uint32_t>));
  static constexpr int64_t kBuildBytesPerRow = kBytesPerRow + int64_t(sizeof(Row)) +
                                               2 * int64_t(sizeof(Key) + sizeof(uint32_t) + 1);

  TrafficRanking(std::vector<Row> rows, TraceClock clock, bool final)
      : rows_(std::move(rows)), clock_(clock), final_(final), builtAt_(std::chrono::steady_clock::now()) {}

  size_t size() const { return rows_.size(); }
  // The trace clock the ranking was taken at: a request answered from it uses this clock's last
  // second as its time selection.
  const TraceClock& clock() const { return clock_; }
  // Built after the analysis had ended: it stays exact.
  bool final() const { return final_; }
  std::chrono::steady_clock::time_point builtAt() const { return builtAt_; }
  // The row's detail, when it is one of the top rows the ranking was built with (else null).
  const Detail* detail(const Key& key) const {
    auto it = details_.find(key);
    return it == details_.end() ? nullptr : &it->second;
  }
  // Before the ranking is shared.
  void setDetails(absl::flat_hash_map<Key, Detail> details) { details_ = std::move(details); }
  // The keys of the first `n` rows of every order computed so far.
  std::vector<Key> topKeys(size_t n) const {
    std::lock_guard lock(mutex_);
    absl::flat_hash_set<uint32_t> seen;
    std::vector<Key> keys;
    for (const Order& o : orders_)
      for (size_t i = 0; i < std::min(n, o.rows.size()); ++i)
        if (seen.insert(o.rows[i]).second) keys.push_back(rows_[o.rows[i]].key);
    return keys;
  }

  // The keys of places [begin, end) when rows are ordered by `metric` (ascending, descending with
  // `reverse`; ties by key ascending), as orderRows() orders a list.
  std::vector<Key> page(const TrafficMetric& metric, bool reverse, size_t begin, size_t end) const {
    end = std::min(end, rows_.size());
    std::vector<Key> keys;
    if (begin >= end) return keys;
    std::lock_guard lock(mutex_);
    const std::vector<uint32_t>& order = orderLocked(metric, reverse, end);
    keys.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) keys.push_back(rows_[order[i]].key);
    return keys;
  }

  // The orders computed so far (column, direction, length): a rebuilt ranking computes them again
  // right away, so that the requests after a rebuild do not wait for it.
  struct OrderSpec {
    TrafficMetric metric;
    bool reverse = false;
    size_t length = 0;
  };
  std::vector<OrderSpec> orderSpecs() const {
    std::lock_guard lock(mutex_);
    std::vector<OrderSpec> out;
    for (const auto& o : orders_) out.push_back({o.metric, o.reverse, o.rows.size()});
    return out;
  }
  void prepare(const std::vector<OrderSpec>& specs) const {
    std::lock_guard lock(mutex_);
    for (const OrderSpec& s : specs) orderLocked(s.metric, s.reverse, std::min(s.length, rows_.size()));
  }

 private:
  struct Order {
    TrafficMetric metric;
    bool reverse = false;
    std::vector<uint32_t> rows;  // the first rows in order
  };

  double value(const Row& r, const TrafficMetric& m) const {
    return metricOf((m.perSecond ? r.lastSecond : r.allTime).data(), m, 1);
  }

  // The order for (metric, reverse) with at least `length` rows: grown by doubling, at least 1,000
  // rows (ten pages of 100), so that paging through the top does not select again per page.
  const std::vector<uint32_t>& orderLocked(const TrafficMetric& metric, bool reverse, size_t length) const {
    Order* found = nullptr;
    for (Order& o : orders_)
      if (o.metric.perSecond == metric.perSecond && o.metric.mask == metric.mask && o.reverse == reverse) found = &o;
    if (found != nullptr && found->rows.size() >= length) return found->rows;
    if (found == nullptr) {
      orders_.push_back({metric, reverse, {}});
      found = &orders_.back();
    }
    const size_t want = std::min(rows_.size(), std::max({length, found->rows.size() * 2, size_t{1000}}));
    std::vector<std::pair<double, uint32_t>> ranked(rows_.size());
    for (uint32_t i = 0; i < rows_.size(); ++i) ranked[i] = {value(rows_[i], metric), i};
    auto less = [&](const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) {
      if (a.first != b.first) return reverse ? a.first > b.first : a.first < b.first;
      return rows_[a.second].key < rows_[b.second].key;
    };
    if (want < ranked.size()) {
      std::nth_element(ranked.begin(), ranked.begin() + long(want), ranked.end(), less);
      ranked.resize(want);
    }
    std::sort(ranked.begin(), ranked.end(), less);
    found->rows.clear();
    found->rows.reserve(ranked.size());
    for (const auto& r : ranked) found->rows.push_back(r.second);
    return found->rows;
  }

  std::vector<Row> rows_;
  TraceClock clock_;
  bool final_;
  std::chrono::steady_clock::time_point builtAt_;
  absl::flat_hash_map<Key, Detail> details_;
  mutable std::mutex mutex_;  // guards orders_
  mutable std::vector<Order> orders_;
};

// Builds the ranking of the table `tableOf(shard)` (records with `counters`, a TimeSeries whose first
// four counters are [rx packets, rx bytes, tx packets, tx bytes]) of `analysis`; null when it would
// have more than `maxRows` rows. Each shard is read in chunks, its lock let go between chunks, so that
// neither its worker nor other queries wait for the whole table. A key that a shard gives twice (seen
// removed by the memory budget and created again during the scan) counts once, with its later values.
template <typename Key, typename Detail, typename TableOf>
std::shared_ptr<TrafficRanking<Key, Detail>> buildTrafficRanking(const Analysis& analysis, TableOf tableOf,
                                                                 size_t maxRows) {
  using Row = typename TrafficRanking<Key, Detail>::Row;
  constexpr size_t kSlotsPerChunk = 4096;
  const bool final = analysis.finished();  // nothing changes after this
  const TraceClock clock = traceClock(analysis);
  const Engine& engine = analysis.engine();
  // The sum of the shards' table sizes counts a key once per shard that has it.
  size_t expected = 0;
  engine.forEachShard([&](const Shard& s) { expected += tableOf(s).size(); });
  if (maxRows < SIZE_MAX / engine.workerCount() && expected > maxRows * engine.workerCount()) return nullptr;
  expected = std::min(expected, maxRows);

  std::vector<Row> rows;
  rows.reserve(expected);
  absl::flat_hash_map<Key, uint32_t> index;
  index.reserve(expected);
  std::vector<Row> shardRows;
  for (size_t shard = 0; shard < engine.workerCount(); ++shard) {
    shardRows.clear();
    uint64_t evictedBefore = 0, evictedAfter = 0;
    size_t next = 0, end = 1;
    while (next < end) {
      engine.withShard(shard, [&](const Shard& s) {
        if (next == 0) evictedBefore = s.evictedEntities();
        const auto& table = tableOf(s);
        next = table.forEachFrom(next, kSlotsPerChunk, [&](const Key& key, const auto& r) {
          Row row{key, {}, {}};
          const auto& all = r.counters.allTime();
          for (size_t i = 0; i < 4; ++i) row.allTime[i] = all[i];
          if (!clock.empty() && r.lastActivity >= clock.lastSecond * kNanosPerSecond) {
            const auto last = r.counters.sum(clock.lastSecond, clock.lastSecond + 1);
            for (size_t i = 0; i < 4; ++i) row.lastSecond[i] = last[i];
          }
          shardRows.push_back(row);
        });
        end = table.slotCount();
        evictedAfter = s.evictedEntities();
      });
    }
    if (evictedAfter != evictedBefore) {  // keep each key's last row only
      absl::flat_hash_map<Key, uint32_t> last;
      for (uint32_t i = 0; i < shardRows.size(); ++i) last[shardRows[i].key] = i;
      size_t kept = 0;
      for (uint32_t i = 0; i < shardRows.size(); ++i)
        if (last[shardRows[i].key] == i) shardRows[kept++] = shardRows[i];
      shardRows.resize(kept);
    }
    for (const Row& row : shardRows) {
      auto [it, inserted] = index.try_emplace(row.key, uint32_t(rows.size()));
      if (inserted) {
        if (rows.size() >= maxRows) return nullptr;
        rows.push_back(row);
        continue;
      }
      Row& merged = rows[it->second];
      for (size_t i = 0; i < 4; ++i) {
        merged.allTime[i] += row.allTime[i];
        merged.lastSecond[i] += row.lastSecond[i];
      }
    }
  }
  return std::make_shared<TrafficRanking<Key, Detail>>(std::move(rows), clock, final);
}

// Keeps a TrafficRanking of the current analysis for one list, built on a background thread of low
// priority, never by a request: while the analysis runs, a request takes the ranking when it is less
// than kMaxStale old, and asks for a new one once it is `refresh` old (or as old as the last build
// took, so that building takes at most about half a core); after the analysis has ended, one more
// ranking is built, which is exact. Without a usable ranking (the first request, right after the end
// of the analysis, or no budget) get() returns null and the list visits the shards as usual. Rankings
// that would need more than `maxBytes` are not built.
template <typename Key, typename Detail>
class RankingCache {
 public:
  using Ranking = TrafficRanking<Key, Detail>;
  using OrderSpec = typename Ranking::OrderSpec;
  // `build(analysis, maxRows)` returns the ranking, or null when it would have more than maxRows rows.
  using Builder = std::function<std::shared_ptr<Ranking>(const Analysis&, size_t maxRows)>;
  // `details(analysis, ranking, keys)`: the details of those rows (those it finds).
  using DetailFetcher =
      std::function<absl::flat_hash_map<Key, Detail>(const Analysis&, const Ranking&, const std::vector<Key>&)>;
  // Rows of each order that get a detail.
  static constexpr size_t kDetailRows = 1000;

  // `defaults`: the orders every ranking computes (the list's default sort).
  RankingCache(Builder build, DetailFetcher details, std::vector<OrderSpec> defaults, int64_t maxBytes,
               std::chrono::milliseconds refresh = std::chrono::seconds(1))
      : build_(std::move(build)),
        details_(std::move(details)),
        defaults_(std::move(defaults)),
        maxBytes_(maxBytes),
        refresh_(refresh) {}
  ~RankingCache() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  RankingCache(const RankingCache&) = delete;
  RankingCache& operator=(const RankingCache&) = delete;

  // The ranking to answer a request on `analysis` from, or null.
  std::shared_ptr<const Ranking> get(const std::shared_ptr<const Analysis>& analysis) {
    if (maxBytes_ <= 0) return nullptr;
    std::lock_guard lock(mutex_);
    const bool current = current_ && sameOwner(analysis);
    if (current && current_->final()) return current_;
    const bool finished = analysis->finished();
    const auto age = std::chrono::steady_clock::now() - (current ? current_->builtAt() : Clock::time_point{});
    if (!current || finished || age >= std::max<Clock::duration>(refresh_, lastBuild_)) requestBuild(analysis);
    if (current && !finished && age < kMaxStale) return current_;
    return nullptr;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kMaxStale{5};

  // Under mutex_. Compares the control blocks (the weak pointer keeps its own from being reused).
  bool sameOwner(const std::shared_ptr<const Analysis>& analysis) const {
    return !owner_.owner_before(analysis) && !analysis.owner_before(owner_);
  }

  size_t maxRows() const {
    return size_t(std::max<int64_t>(0, maxBytes_ / 2 / Ranking::kBuildBytesPerRow));
  }

  // Under mutex_.
  void requestBuild(const std::shared_ptr<const Analysis>& analysis) {
    pending_ = analysis;
    if (!thread_.joinable()) thread_ = std::thread([this] { backgroundLoop(); });
    wake_.notify_one();
  }

  void backgroundLoop() {
    lowerThreadPriority();
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || pending_ != nullptr; });
      if (stopping_) return;
      std::shared_ptr<const Analysis> analysis = std::move(pending_);
      pending_.reset();
      std::vector<OrderSpec> specs = defaults_;
      if (current_ && sameOwner(analysis)) {
        if (current_->final()) continue;  // nothing to build
        for (const OrderSpec& o : current_->orderSpecs()) specs.push_back(o);
      } else {
        current_.reset();  // another analysis: free its ranking first
      }
      lock.unlock();
      const auto start = Clock::now();
      std::shared_ptr<Ranking> fresh = build_(*analysis, maxRows());
      if (fresh) {
        fresh->prepare(specs);  // the orders requests asked for, before they ask again
        fresh->setDetails(details_(*analysis, *fresh, fresh->topKeys(kDetailRows)));
      }
      const auto took = Clock::now() - start;
      lock.lock();
      current_ = std::move(fresh);
      owner_ = analysis;
      lastBuild_ = took;
      analysis.reset();
    }
  }

  // Background work gives way to the workers and to requests (nice 10; Linux sets it per thread).
  static void lowerThreadPriority() { setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 10); }

  Builder build_;
  DetailFetcher details_;
  std::vector<OrderSpec> defaults_;
  int64_t maxBytes_;
  std::chrono::milliseconds refresh_;
  std::mutex mutex_;  // guards what follows
  std::shared_ptr<const Ranking> current_;
  std::weak_ptr<const Analysis> owner_;      // the analysis current_ belongs to
  std::shared_ptr<const Analysis> pending_;  // a build is wanted for it
  Clock::duration lastBuild_{};
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace netmeter::query
