#include "query/traffic_ranking.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "modules/ip/ip_module.h"
#include "query/list_query.h"
#include "support/synthetic_source.h"

namespace netmeter {
namespace {

constexpr PacketTime kRankT0 = 1'700'000'000 * kNanosPerSecond;

const auto rankedIps = [](const Shard& s) -> const KeyedStats<IpAddress, IpRecord>& {
  return s.modules().ip.ips();
};

// Hosts that talk to several servers over many flows (so every IP's traffic is spread over the
// workers), with sizes that make ties and distinct values, over several seconds.
std::unique_ptr<test::SyntheticSource> rankingTraffic(int packets) {
  auto src = std::make_unique<test::SyntheticSource>();
  PacketTime t = kRankT0;
  for (int i = 0; i < packets; ++i) {
    test::FrameSpec s;
    s.srcIp = (i % 6 == 0 ? "2001:db8::" : "10.2.0.") + std::to_string(i % 151 + 1);
    s.dstIp = "192.168.7." + std::to_string(i % 23 + 1);
    s.srcPort = uint16_t(20000 + i % 307);
    s.dstPort = 443;
    s.l4Protocol = 6;
    s.tcpFlags = tcpflag::kAck;
    s.payload = uint32_t((i * 37) % 900);
    if (i % 3 == 1) {
      std::swap(s.srcIp, s.dstIp);
      std::swap(s.srcPort, s.dstPort);
    }
    src->add(test::buildFrame(s), t);
    t += 2 * kNanosPerMilli;
  }
  return src;
}

std::shared_ptr<Analysis> finishedAnalysis(unsigned threads, int packets) {
  EngineOptions options;
  options.threads = threads;
  auto analysis = std::make_shared<Analysis>(rankingTraffic(packets), std::vector<std::string>{"synthetic"}, options);
  analysis->start();
  analysis->wait();
  return analysis;
}

// The order the list computes by visiting the shards (RankCollector + orderRows).
std::vector<IpAddress> scannedOrder(const Analysis& analysis, const query::TrafficMetric& m, bool reverse,
                                    const query::TimeWindow& w) {
  const Engine& engine = analysis.engine();
  query::RankCollector<IpAddress> collector(engine.workerCount(), query::Combine::kSum);
  engine.forEachShard([&](const Shard& s) {
    s.modules().ip.ips().forEach(
        [&](const IpAddress& ip, const IpRecord& r) { collector.add(ip, query::metricValue(r.counters, m, w)); });
  });
  auto rows = collector.take();
  query::orderRows(rows, reverse, rows.size());
  std::vector<IpAddress> keys;
  for (const auto& r : rows) keys.push_back(r.key);
  return keys;
}

TEST(TrafficRanking, PagesEqualTheOrderOfTheShardScanForEveryTrafficColumn) {
  for (unsigned threads : {1u, 2u, 3u}) {
    auto analysis = finishedAnalysis(threads, 6000);
    auto ranking = query::buildTrafficRanking<IpAddress, int>(*analysis, rankedIps, SIZE_MAX);
    ASSERT_NE(ranking, nullptr);
    EXPECT_TRUE(ranking->final());
    query::TimeWindow w;
    w.lastSecond = ranking->clock().lastSecond;
    for (std::string_view column : {"bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets", "bps", "rxbps",
                                    "txbps", "pps", "rxpps", "txpps"}) {
      const auto metric = query::trafficMetric(column);
      ASSERT_TRUE(metric) << column;
      for (bool reverse : {false, true}) {
        const auto expected = scannedOrder(*analysis, *metric, reverse, w);
        ASSERT_EQ(ranking->size(), expected.size());
        // Whole order, then a page in the middle (after the order was computed for fewer rows).
        EXPECT_EQ(ranking->page(*metric, reverse, 0, 10),
                  std::vector<IpAddress>(expected.begin(), expected.begin() + 10))
            << column << " threads " << threads;
        EXPECT_EQ(ranking->page(*metric, reverse, 0, expected.size()), expected) << column << " threads " << threads;
        EXPECT_EQ(ranking->page(*metric, reverse, 50, 60),
                  std::vector<IpAddress>(expected.begin() + 50, expected.begin() + 60));
        EXPECT_TRUE(ranking->page(*metric, reverse, expected.size(), expected.size() + 10).empty());
      }
    }
  }
}

TEST(TrafficRanking, RowsAreTheMergedCountersOfEveryShard) {
  auto one = finishedAnalysis(1, 3000);
  auto three = finishedAnalysis(3, 3000);
  auto a = query::buildTrafficRanking<IpAddress, int>(*one, rankedIps, SIZE_MAX);
  auto b = query::buildTrafficRanking<IpAddress, int>(*three, rankedIps, SIZE_MAX);
  const auto bytes = *query::trafficMetric("bytes");
  const auto all = a->page(bytes, true, 0, a->size());
  EXPECT_EQ(all, b->page(bytes, true, 0, b->size()));
  EXPECT_EQ(a->clock().lastSecond, b->clock().lastSecond);
  EXPECT_GT(a->size(), 150u);
}

TEST(TrafficRanking, NotBuiltWhenItWouldHoldMoreRowsThanAllowed) {
  auto analysis = finishedAnalysis(2, 2000);
  auto full = query::buildTrafficRanking<IpAddress, int>(*analysis, rankedIps, SIZE_MAX);
  ASSERT_NE(full, nullptr);
  auto build = [&](size_t maxRows) { return query::buildTrafficRanking<IpAddress, int>(*analysis, rankedIps, maxRows); };
  EXPECT_EQ(build(full->size() - 1), nullptr);
  EXPECT_NE(build(full->size()), nullptr);
}

using IntRanking = query::RankingCache<IpAddress, int>;

IntRanking rankingCache(std::atomic<int>& builds, std::atomic<int>& fetched) {
  return IntRanking(
      [&builds](const Analysis& a, size_t maxRows) {
        ++builds;
        return query::buildTrafficRanking<IpAddress, int>(a, rankedIps, maxRows);
      },
      [&fetched](const Analysis&, const IntRanking::Ranking&, const std::vector<IpAddress>& keys) {
        absl::flat_hash_map<IpAddress, int> out;
        for (size_t i = 0; i < keys.size(); ++i) out.emplace(keys[i], int(i));
        fetched += int(keys.size());
        return out;
      },
      {{*query::trafficMetric("bytes"), true, 5}}, int64_t{1} << 30);
}

// Waits (up to 10 s) for get() to return a ranking.
std::shared_ptr<const IntRanking::Ranking> waitForRanking(IntRanking& cache, const std::shared_ptr<Analysis>& a) {
  for (int i = 0; i < 1000; ++i) {
    if (auto r = cache.get(a)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return nullptr;
}

TEST(RankingCache, BuildsInTheBackgroundAndKeepsTheFinalRanking) {
  std::atomic<int> builds{0}, fetched{0};
  IntRanking cache = rankingCache(builds, fetched);
  auto analysis = finishedAnalysis(2, 3000);
  EXPECT_EQ(cache.get(analysis), nullptr);  // never built by a request
  auto ranking = waitForRanking(cache, analysis);
  ASSERT_NE(ranking, nullptr);
  EXPECT_TRUE(ranking->final());
  EXPECT_EQ(builds.load(), 1);
  // The default order's top rows carry details.
  const auto top = ranking->page(*query::trafficMetric("bytes"), true, 0, 3);
  ASSERT_EQ(top.size(), 3u);
  ASSERT_NE(ranking->detail(top[0]), nullptr);
  EXPECT_EQ(size_t(fetched.load()), std::min<size_t>(ranking->size(), IntRanking::kDetailRows));
  // A final ranking is not built again.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(cache.get(analysis), ranking);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(builds.load(), 1);
}

TEST(RankingCache, AnotherAnalysisGetsItsOwnRanking) {
  std::atomic<int> builds{0}, fetched{0};
  IntRanking cache = rankingCache(builds, fetched);
  auto first = finishedAnalysis(1, 100);
  auto second = finishedAnalysis(2, 3000);
  auto a = waitForRanking(cache, first);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(cache.get(second), nullptr);
  auto b = waitForRanking(cache, second);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_GT(b->size(), a->size());
}

TEST(RankingCache, NoRankingWithoutMemoryForIt) {
  IntRanking cache([](const Analysis&, size_t) -> std::shared_ptr<IntRanking::Ranking> { return nullptr; },
                   [](const Analysis&, const IntRanking::Ranking&, const std::vector<IpAddress>&) {
                     return absl::flat_hash_map<IpAddress, int>();
                   },
                   {}, 0);
  auto analysis = finishedAnalysis(1, 100);
  EXPECT_EQ(cache.get(analysis), nullptr);
}

}  // namespace
}  // namespace netmeter
