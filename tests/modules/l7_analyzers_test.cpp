#include "modules/l7_analyzers.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>

#include "l7_test_util.h"

namespace netmeter {
namespace {

TEST(L7Analyzers, ParsesAllOffAndLists) {
  EXPECT_EQ(L7Analyzers::parse("all")->bits, L7Analyzers::kAll);
  EXPECT_EQ(L7Analyzers::parse("off")->bits, 0);
  EXPECT_EQ(L7Analyzers::parse("dpi")->bits, L7Analyzers::kDpi);
  EXPECT_EQ(L7Analyzers::parse("dpi,dns")->bits, L7Analyzers::kDpi | L7Analyzers::kDns);
  EXPECT_EQ(L7Analyzers::parse("quic,http")->bits, L7Analyzers::kQuic | L7Analyzers::kHttp);
  EXPECT_EQ(L7Analyzers::parse("dpi,dns,http,tls,quic,starttls")->bits, L7Analyzers::kAll);
  EXPECT_EQ(L7Analyzers::parse("dpi,dns,http,tls,quic")->bits, L7Analyzers::kAll & ~L7Analyzers::kStartTls);
  EXPECT_EQ(L7Analyzers::parse("starttls,tls")->bits, L7Analyzers::kStartTls | L7Analyzers::kTls);
  for (const char* bad :
       {"", ",", "dpi,", ",dns", "dns,,http", "DNS", "smtp", "dns,dns", "all,dns", "off,dpi", "dpi dns"})
    EXPECT_FALSE(L7Analyzers::parse(bad).has_value()) << '"' << bad << '"';
}

TEST(L7Analyzers, ToStringReadsBack) {
  for (unsigned bits = 0; bits <= L7Analyzers::kAll; ++bits) {
    const L7Analyzers a{uint8_t(bits)};
    const auto back = L7Analyzers::parse(a.toString());
    ASSERT_TRUE(back.has_value()) << a.toString();
    EXPECT_EQ(*back, a) << a.toString();
  }
  EXPECT_EQ(L7Analyzers{L7Analyzers::kTls | L7Analyzers::kDpi}.toString(), "dpi,tls");
}

// What each analyzer found in the mixed trace.
struct Found {
  size_t classified = 0, dns = 0, http = 0, tls = 0, quic = 0;
};

Found analyze(L7Analyzers analyzers) {
  EngineOptions options;
  options.l7 = analyzers;
  const auto engine = test::analyzeMixedTrace(options);
  Found found;
  engine->forEachShard([&](const Shard& s) {
    s.flows().forEach(
        [&](const Connection& c) { found.classified += c.app.l7.status == L7Status::kClassified; });
  });
  auto m = test::mergedModules(*engine);
  found.dns = m->app.dns.servers().size();
  found.http = m->app.http.servers().size();
  found.tls = m->app.tls.servers().size();
  found.quic = m->app.quic.servers().size();
  return found;
}

TEST(L7Analyzers, EachAnalyzerRunsOnlyWhenSwitchedOn) {
  const Found all = analyze(L7Analyzers{});
  EXPECT_GT(all.classified, 0u);
  EXPECT_GT(all.dns, 0u);
  EXPECT_GT(all.http, 0u);
  EXPECT_GT(all.tls, 0u);
  EXPECT_GT(all.quic, 0u);

  const Found off = analyze(L7Analyzers{0});
  EXPECT_EQ(off.classified + off.dns + off.http + off.tls + off.quic, 0u);

  const Found dpi = analyze(*L7Analyzers::parse("dpi"));
  EXPECT_EQ(dpi.classified, all.classified);
  EXPECT_EQ(dpi.dns + dpi.http + dpi.tls + dpi.quic, 0u);

  // Each analyzer alone finds what it finds with everything on, without nDPI and the others.
  const Found dns = analyze(*L7Analyzers::parse("dns"));
  EXPECT_EQ(dns.classified, 0u);
  EXPECT_EQ(dns.dns, all.dns);
  EXPECT_EQ(dns.http + dns.tls + dns.quic, 0u);
  const Found http = analyze(*L7Analyzers::parse("http"));
  EXPECT_EQ(http.http, all.http);
  EXPECT_EQ(http.dns + http.tls + http.quic, 0u);
  const Found tls = analyze(*L7Analyzers::parse("tls"));
  EXPECT_EQ(tls.tls, all.tls);
  EXPECT_EQ(tls.dns + tls.http + tls.quic, 0u);
  const Found quic = analyze(*L7Analyzers::parse("dpi,quic"));
  EXPECT_EQ(quic.classified, all.classified);
  EXPECT_EQ(quic.quic, all.quic);
  EXPECT_EQ(quic.dns + quic.http, 0u);
}

// --tcp off: no connection gets TCP state and the TCP statistics stay empty, while every other
// statistic (traffic per IP, L7 classification) is what it is with TCP analysis on.
TEST(L7Analyzers, TcpAnalysisRunsOnlyWhenSwitchedOn) {
  struct Result {
    size_t withTcpState = 0, classified = 0, tcpIps = 0, serverPorts = 0;
    uint64_t tcpConnections = 0;
    std::map<std::string, std::array<uint64_t, kIpCounters>> ipTraffic;
  };
  auto run = [](bool tcpAnalysis) {
    Result r;
    EngineOptions options;
    options.tcpAnalysis = tcpAnalysis;
    const auto engine = test::analyzeMixedTrace(options);
    engine->forEachShard([&](const Shard& s) {
      s.flows().forEach([&](const Connection& c) {
        r.withTcpState += c.tcp != nullptr;
        r.classified += c.app.l7.status == L7Status::kClassified;
      });
    });
    auto m = test::mergedModules(*engine);
    r.tcpIps = m->tcp.ips().size();
    r.serverPorts = m->tcp.serverPorts().size();
    r.tcpConnections = m->tcp.global().connectionsAsClient;
    m->ip.ips().forEach([&](const IpAddress& ip, const IpRecord& rec) {
      r.ipTraffic[ip.toString()] = rec.counters.allTime();
    });
    return r;
  };
  const Result on = run(true);
  EXPECT_GT(on.withTcpState, 0u);
  EXPECT_GT(on.tcpIps, 0u);
  EXPECT_GT(on.serverPorts, 0u);
  EXPECT_GT(on.tcpConnections, 0u);
  const Result off = run(false);
  EXPECT_EQ(off.withTcpState, 0u);
  EXPECT_EQ(off.tcpIps, 0u);
  EXPECT_EQ(off.serverPorts, 0u);
  EXPECT_EQ(off.tcpConnections, 0u);
  EXPECT_EQ(off.classified, on.classified);
  EXPECT_GT(on.ipTraffic.size(), 1u);
  EXPECT_EQ(off.ipTraffic, on.ipTraffic);
}

}  // namespace
}  // namespace netmeter
