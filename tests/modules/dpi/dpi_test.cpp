#include <gtest/gtest.h>

#include <map>

#include "filter/filter.h"
#include "filter/rows.h"
#include "l7_test_util.h"
#include "modules/dpi/dpi_filter_context.h"
#include "modules/dpi/ndpi_classifier.h"

namespace netmeter {
namespace {

std::map<std::string, std::string> classifications(const Engine& engine) {
  std::map<std::string, std::string> out;
  engine.forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) {
      const std::string key = c.clientIp.toString() + ":" + std::to_string(c.clientPort) + "-" +
                              c.serverIp.toString() + ":" + std::to_string(c.serverPort) + "/" +
                              std::to_string(c.l4Protocol) + "@" + std::to_string(c.start);
      out[key] = l7DisplayName(c.app.l7);
    });
  });
  return out;
}

TEST(Dpi, ClassifiesEveryConnectionAndFreesEveryNdpiFlow) {
  auto engine = test::analyzeCapture("ndpi/1kxun.pcap");
  ASSERT_NE(engine, nullptr);
  size_t http = 0, pending = 0, unclassified = 0;
  for (const auto& [key, name] : classifications(*engine)) {
    http += name.rfind("HTTP", 0) == 0;
    pending += name == "pending";
    unclassified += name == "unclassified";
  }
  EXPECT_EQ(pending, 0u);
  EXPECT_GT(http, 70u);
  EXPECT_LT(unclassified, 30u);
  engine->forEachShard([&](const Shard& s) {
    EXPECT_EQ(s.modules().dpi.pendingConnections(), 0u);
    s.flows().forEach([&](const Connection& c) { EXPECT_EQ(c.app.classifier, nullptr); });
  });
  auto m = test::mergedModules(*engine);
  uint64_t packets = 0, connections = 0;
  m->dpi.protocols().forEach([&](uint16_t, const DpiProtocolRecord& r) {
    packets += r.counters.allTime()[0];
    connections += r.connections;
  });
  EXPECT_EQ(packets, engine->totals().packets - 0);  // every packet of 1kxun is IP
  EXPECT_EQ(connections, classifications(*engine).size());
}

TEST(Dpi, ResultsDoNotDependOnTheThreadCount) {
  for (const char* capture : {"ndpi/1kxun.pcap", "ndpi/alexa-app.pcapng", "ndpi/sites.pcapng"}) {
    std::map<std::string, std::string> first;
    for (unsigned threads : {1u, 2u, 3u}) {
      auto engine = test::analyzeCapture(capture, threads);
      ASSERT_NE(engine, nullptr);
      const auto c = classifications(*engine);
      if (threads == 1) first = c;
      else EXPECT_EQ(c, first) << capture << " with " << threads << " threads";
    }
  }
}

TEST(Dpi, FilterClausesMatchTheProtocolOrItsMaster) {
  auto engine = test::analyzeCapture("ndpi/1kxun.pcap");
  ASSERT_NE(engine, nullptr);
  filter::CompileOptions options;
  options.l7Protocols = &dpiProtocolTable();
  auto http = filter::Filter::compile("l7Protocol == HTTP", options);
  auto google = filter::Filter::compile("dpiProtocol == Google", options);
  ASSERT_TRUE(http.filter) << http.error.message;
  ASSERT_TRUE(google.filter);
  size_t httpMatches = 0, googleMatches = 0, both = 0;
  engine->forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) {
      filter::ConnectionContext ctx;
      fillL7Context(c, ctx);
      const bool h = http.filter->match(filter::ConnectionView{c, &ctx}) == filter::Match::kYes;
      const bool g = google.filter->match(filter::ConnectionView{c, &ctx}) == filter::Match::kYes;
      httpMatches += h;
      googleMatches += g;
      both += h && g;
      EXPECT_EQ(h, l7DisplayName(c.app.l7).rfind("HTTP", 0) == 0) << l7DisplayName(c.app.l7);
    });
  });
  EXPECT_GT(httpMatches, 70u);
  EXPECT_GE(both, 4u);  // HTTP.Google
  EXPECT_GT(googleMatches, both);  // DNS.Google too
}

TEST(Dpi, PendingConnectionsAreUndecidedForFilters) {
  Connection c;
  filter::ConnectionContext ctx;
  fillL7Context(c, ctx);
  EXPECT_EQ(ctx.l7, filter::L7State::kNotClassified);
  c.app.l7.status = L7Status::kUnclassified;
  fillL7Context(c, ctx);
  EXPECT_EQ(ctx.l7, filter::L7State::kClassified);
  EXPECT_EQ(ctx.l7Protocol, filter::kL7Unknown);
  EXPECT_EQ(l7DisplayName(c.app.l7), "unclassified");
}

}  // namespace
}  // namespace netmeter
