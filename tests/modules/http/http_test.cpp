#include <gtest/gtest.h>

#include "l7_test_util.h"
#include "modules/http/http_parser.h"
#include "report/http_csv.h"

namespace netmeter {
namespace {

using test::segment;

TEST(HttpParser, ReadsRequestAndResponseHeads) {
  HttpRequestHead req;
  ASSERT_TRUE(parseHttpRequestHead("POST /a?b=1 HTTP/1.1\r\nHost: Example.org:8080\r\ncontent-length: 12\r\n\r\n", req));
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/a?b=1");
  EXPECT_EQ(req.host, "Example.org");
  EXPECT_EQ(req.contentLength, 12);
  HttpResponseHead res;
  ASSERT_TRUE(parseHttpResponseHead("HTTP/1.1 404 Not Found\nTransfer-Encoding: gzip, chunked\n\n", res));
  EXPECT_EQ(res.status, 404);
  EXPECT_TRUE(res.chunked);
  EXPECT_FALSE(parseHttpResponseHead("HTTP/1.1 abc\r\n\r\n", res));
  EXPECT_EQ(findHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), 27u);
  EXPECT_EQ(findHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n"), 0u);
  // Bare line feeds end a head too; a line feed with nothing after it does not yet.
  EXPECT_EQ(findHeadEnd(""), 0u);
  EXPECT_EQ(findHeadEnd("\n"), 0u);
  EXPECT_EQ(findHeadEnd("\n\n"), 2u);
  EXPECT_EQ(findHeadEnd("\n\r\n"), 3u);
  EXPECT_EQ(findHeadEnd("a\n\r"), 0u);
  EXPECT_EQ(findHeadEnd("a\nb\nc\n\nd"), 7u);
  EXPECT_EQ(findHeadEnd("a\r\nb\r\n\r"), 0u);
}

// Pipelined requests; a chunked response split inside its chunk-size line; a Content-Length response
// split inside its head; a HEAD request whose response has no body.
TEST(HttpModule, FollowsPipelinedTransactionsAcrossSegments) {
  const std::string requests =
      "GET /one HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
      "POST /two HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 4\r\n\r\nabcd"
      "HEAD /three HTTP/1.1\r\nHost: static.example.com\r\n\r\n";
  const std::string r1 = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  const std::string r2 = "HTTP/1.1 302 Found\r\nContent-Length: 3\r\n\r\nxyz";
  const std::string r3 = "HTTP/1.1 404 Not Found\r\nContent-Length: 999\r\n\r\n";
  const std::string responses = r1 + r2 + r3;
  test::SyntheticSource source;
  source.add(test::buildFrame(segment(true, requests, 1)), 1'000'000'000);
  const size_t cut1 = r1.find("5\r\n") + 1, cut2 = r1.size() + 10;
  source.add(test::buildFrame(segment(false, responses.substr(0, cut1), 1)), 1'020'000'000);
  source.add(test::buildFrame(segment(false, responses.substr(cut1, cut2 - cut1), uint32_t(1 + cut1))), 1'030'000'000);
  source.add(test::buildFrame(segment(false, responses.substr(cut2), uint32_t(1 + cut2))), 1'050'000'000);
  EngineOptions options;
  options.httpTransactionsPerConnection = 2;
  Engine engine(options);
  engine.run(source);
  auto m = test::mergedModules(engine);
  const HttpServerRecord* server = m->app.http.servers().find(*IpAddress::parse("10.0.0.2"));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.allTime()[0], 3u);
  EXPECT_EQ(server->counters.allTime()[1], 3u);
  EXPECT_EQ(server->statusFamilies[1], 1u);
  EXPECT_EQ(server->statusFamilies[2], 1u);
  EXPECT_EQ(server->statusFamilies[3], 1u);
  EXPECT_EQ(server->responseTime.count, 3u);
  EXPECT_EQ(server->responseTime.min, 20'000'000);
  EXPECT_EQ(server->responseTime.max, 50'000'000);  // r3's head starts in the last segment
  EXPECT_EQ(server->lastUrl, "/three");
  EXPECT_EQ(server->hostNames.count, 2);
  EXPECT_TRUE(m->app.names.find(*IpAddress::parse("10.0.0.2"))->contains("static.example.com"));

  std::vector<HttpTransaction> kept;
  engine.forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) {
      if (const auto* t = HttpModule::transactions(c)) kept.assign(t->begin(), t->end());
    });
  });
  ASSERT_EQ(kept.size(), 2u);  // the last two of three
  EXPECT_EQ(kept[0].url, "/two");
  EXPECT_EQ(kept[0].status, 302);
  EXPECT_EQ(kept[1].method, "HEAD");
  EXPECT_EQ(kept[1].status, 404);
  EXPECT_EQ(kept[1].responseTime, 50'000'000);

  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  writeHttpTransactionsCsv(engine, /*all=*/true, out);
  std::fclose(out);
  const std::string csv(text, size);
  std::free(text);
  EXPECT_NE(csv.find(",POST,www.example.com,/two,302,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",HEAD,static.example.com,/three,404,50000000\n"), std::string::npos) << csv;
}

TEST(HttpModule, LostSegmentInsideABodyKeepsTheFraming) {
  const std::string body(3000, 'x');
  const std::string r1 = "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + body;
  const std::string r2 = "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n";
  test::SyntheticSource source;
  source.add(test::buildFrame(segment(true, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", 1)), 1'000'000'000);
  source.add(test::buildFrame(segment(true, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n", 29)), 1'000'000'001);
  source.add(test::buildFrame(segment(false, r1.substr(0, 100), 1)), 1'010'000'000);
  // r1[100, 1100) is lost
  source.add(test::buildFrame(segment(false, r1.substr(1100) + r2, 1101)), 1'020'000'000);
  Engine engine(EngineOptions{});
  engine.run(source);
  auto m = test::mergedModules(engine);
  const HttpServerRecord* server = m->app.http.servers().find(*IpAddress::parse("10.0.0.2"));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.allTime()[1], 2u);
  EXPECT_EQ(server->statusFamilies[4], 1u);
}

TEST(HttpModule, HeadersSplitOverSegmentsInARealCapture) {
  auto engine = test::analyzeCapture("ndpi/http-lines-split.pcap");
  ASSERT_NE(engine, nullptr);
  auto m = test::mergedModules(*engine);
  const HttpServerRecord* server = m->app.http.servers().find(*IpAddress::parse("192.168.0.20"));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->hostNames.count, 1);
  EXPECT_EQ(server->hostNames.names[0].name, "toni.lan");
  EXPECT_EQ(server->statusFamilies[1], 1u);
}

}  // namespace
}  // namespace netmeter
