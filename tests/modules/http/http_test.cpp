#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "l7_test_util.h"
#include "modules/http/http_parser.h"
#include "report/http_csv.h"
#include "report/json_report.h"
#include "support/report_text.h"

namespace netmeter {
namespace {

using test::segment;

constexpr int64_t kMs = 1'000'000;

// The HTTP connection's kept transactions and longest response time (one HTTP connection traced).
struct HttpConnectionView {
  std::vector<HttpTransaction> kept;
  PacketTime maxResponseTime = -2;
};

HttpConnectionView httpConnection(const Engine& engine) {
  HttpConnectionView v;
  engine.forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) {
      if (const auto* t = HttpModule::transactions(c)) {
        v.kept.assign(t->begin(), t->end());
        v.maxResponseTime = HttpModule::maxResponseTime(c);
      }
    });
  });
  return v;
}

// Runs `source` keeping `transactions` pairs per connection; the view of its (one) HTTP connection.
HttpConnectionView analyzeConnection(test::SyntheticSource& source, size_t transactions) {
  EngineOptions options;
  options.httpTransactionsPerConnection = transactions;
  Engine engine(options);
  engine.run(source);
  return httpConnection(engine);
}

// A request of the test client for `url`.
std::string getRequest(const std::string& url) {
  return "GET " + url + " HTTP/1.1\r\nHost: h\r\n\r\n";
}

std::string okResponse(size_t bodyBytes) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(bodyBytes) + "\r\n\r\n" +
         std::string(bodyBytes, 'b');
}

// Client requests at the given times (ns) in one stream, from sequence number 1.
struct ClientStream {
  uint32_t seq = 1;
  void send(test::SyntheticSource& source, const std::string& bytes, int64_t time, uint32_t ack = 2000) {
    test::FrameSpec f = segment(true, bytes, seq);
    f.tcpAck = ack;
    source.add(test::buildFrame(f), time);
    seq += uint32_t(bytes.size());
  }
};

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

// A request line sent in pieces too short to recognize on their own ("G", "E", "T / HTTP", ...; Zeek's
// tcp-http-with-padding.pcap): the first piece begins a method, so the connection is HTTP and the
// pieces are joined. A first payload that only looks like a piece later on is not HTTP.
TEST(HttpModule, RecognizesARequestLineSentInPieces) {
  test::SyntheticSource source;
  ClientStream client;
  for (const char* piece : {"G", "E", "T / HTT", "P/1.0\r", "\n\r\n"}) client.send(source, piece, 1000 * kMs);
  source.add(test::buildFrame(segment(false, okResponse(0), 1)), 1004 * kMs);
  const HttpConnectionView v = analyzeConnection(source, 1);
  ASSERT_EQ(v.kept.size(), 1u);
  EXPECT_EQ(v.kept[0].method, "GET");
  EXPECT_EQ(v.kept[0].url, "/");
  EXPECT_EQ(v.kept[0].status, 200);
  EXPECT_EQ(v.kept[0].responseTime, 4 * kMs);
  EXPECT_TRUE(beginsLikeHttpRequest(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("PROPF"), 5)));
  EXPECT_FALSE(beginsLikeHttpRequest(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("GX"), 2)));
  EXPECT_FALSE(beginsLikeHttpRequest({}));
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

// HTTP/0.9 (RFC 1945 4.1): "GET /path" without a version is the whole request; the response is the
// body alone, without status line, up to the connection's end. A request line without a version that
// is not GET is no simple request (its head needs its blank line, as before).
TEST(HttpParser, ReadsHttp09SimpleRequests) {
  EXPECT_EQ(findSimpleRequestEnd("GET /\r\n"), 7u);
  EXPECT_EQ(findSimpleRequestEnd("GET /a\nrest"), 7u);
  EXPECT_EQ(findSimpleRequestEnd("GET /a"), 0u);                 // the line is not complete yet
  EXPECT_EQ(findSimpleRequestEnd("GET / HTTP/1.0\r\n"), 0u);      // a version: a full request
  EXPECT_EQ(findSimpleRequestEnd("GET \r\n"), 0u);                // no target
  EXPECT_EQ(findSimpleRequestEnd("POST /\r\n"), 0u);              // only GET is simple
  HttpRequestHead req;
  ASSERT_TRUE(parseHttpRequestHead("GET /index.html\r\n", req));
  EXPECT_TRUE(req.simple);
  EXPECT_EQ(req.target, "/index.html");
  ASSERT_TRUE(parseHttpRequestHead("GET /a HTTP/1.0\r\n\r\n", req));
  EXPECT_FALSE(req.simple);
}

// A simple request in two pieces, its line ended by CRLF and an extra CRLF (as Zeek's
// mixed-vlan-mpls.pcap sends it), then a response that is HTML from its first byte: one request, one
// response with its response time and no status ("other" family), and the body is not read as heads.
TEST(HttpModule, AnswersAnHttp09RequestWithTheBodyAlone) {
  test::SyntheticSource source;
  ClientStream client;
  client.send(source, "GET /do", 1000 * kMs);
  client.send(source, "c\r\n\r\n", 1001 * kMs);
  const std::string body = "<HTML>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n</HTML>";
  source.add(test::buildFrame(segment(false, body.substr(0, 10), 1)), 1004 * kMs);
  source.add(test::buildFrame(segment(false, body.substr(10), 11)), 1005 * kMs);
  Engine engine{EngineOptions{}};
  engine.run(source);
  auto m = test::mergedModules(engine);
  const HttpServerRecord* server = m->app.http.servers().find(*IpAddress::parse("10.0.0.2"));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.allTime()[0], 1u);
  EXPECT_EQ(server->counters.allTime()[1], 1u);
  EXPECT_EQ(server->statusFamilies[5], 1u);
  EXPECT_EQ(server->statusFamilies[1], 0u);  // the "HTTP/1.1 200" inside the body is body
  EXPECT_EQ(server->responseTime.count, 1u);
  EXPECT_EQ(server->responseTime.max, 3 * kMs);  // from the request's end to the body's first byte
  const HttpConnectionView v = httpConnection(engine);
  ASSERT_EQ(v.kept.size(), 1u);
  EXPECT_EQ(v.kept[0].url, "/doc");
  EXPECT_EQ(v.kept[0].status, 0);  // none: no status line
  EXPECT_EQ(v.kept[0].responseTime, 3 * kMs);
}

// A server that answers a simple request with a full response (status line and headers) is read
// as such.
TEST(HttpModule, AFullResponseToAnHttp09RequestKeepsItsStatus) {
  test::SyntheticSource source;
  ClientStream client;
  client.send(source, "GET /\r\n", 1000 * kMs);
  source.add(test::buildFrame(segment(false, okResponse(3), 1)), 1002 * kMs);
  const HttpConnectionView v = analyzeConnection(source, 1);
  ASSERT_EQ(v.kept.size(), 1u);
  EXPECT_EQ(v.kept[0].status, 200);
  EXPECT_EQ(v.kept[0].responseTime, 2 * kMs);
}

// Zeek's mixed-vlan-mpls.pcap: an HTTP/0.9 exchange (`GET /`, 1428 + 1428 + 573 bytes of HTML).
TEST(HttpModule, Http09ExchangeInARealCapture) {
  auto engine = test::analyzeCapture("zeek/traces/mixed-vlan-mpls.pcap");
  ASSERT_NE(engine, nullptr);
  auto m = test::mergedModules(*engine);
  const HttpServerRecord* server = m->app.http.servers().find(*IpAddress::parse("10.0.0.15"));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->counters.allTime()[0], 1u);
  EXPECT_EQ(server->counters.allTime()[1], 1u);
  EXPECT_EQ(server->statusFamilies[5], 1u);
  EXPECT_EQ(server->responseTime.count, 1u);
  EXPECT_EQ(server->responseTime.max, 1'213'000);  // frame 37 (request) to frame 39 (first HTML)
}

// HTTP/1.1 pipelining: three requests in flight before the first response; the responses answer
// them in order, also when a segment inside a response body is lost (the framing skips it).
TEST(HttpModule, PipelinedRequestsAreAnsweredInOrder) {
  test::SyntheticSource source;
  ClientStream client;
  client.send(source, getRequest("/1"), 1000 * kMs);
  client.send(source, getRequest("/2"), 1001 * kMs);
  client.send(source, getRequest("/3"), 1002 * kMs);
  const std::string r1 = okResponse(10), r2 = okResponse(3000), r3 = okResponse(20);
  source.add(test::buildFrame(segment(false, r1 + r2.substr(0, 500), 1)), 1100 * kMs);
  // r2[500, 1500) is lost
  const uint32_t tail = uint32_t(1 + r1.size() + 1500);
  source.add(test::buildFrame(segment(false, r2.substr(1500), tail)), 1150 * kMs);
  source.add(test::buildFrame(segment(false, r3, uint32_t(tail + r2.size() - 1500))), 1300 * kMs);
  const HttpConnectionView v = analyzeConnection(source, 3);
  ASSERT_EQ(v.kept.size(), 3u);
  EXPECT_EQ(v.kept[0].url, "/1");
  EXPECT_EQ(v.kept[0].responseTime, 100 * kMs);
  EXPECT_EQ(v.kept[1].responseTime, 99 * kMs);  // r2's head starts in the first server segment
  EXPECT_EQ(v.kept[2].url, "/3");
  EXPECT_EQ(v.kept[2].status, 200);
  EXPECT_EQ(v.kept[2].responseTime, 298 * kMs);
  EXPECT_EQ(v.maxResponseTime, 298 * kMs);
}

// A response lost from the capture (a hole in the server's stream) is not taken from the next
// request: the request it answered stays unanswered and the later pairs keep their own responses.
TEST(HttpModule, ALostResponseDoesNotShiftLaterPairs) {
  test::SyntheticSource source;
  ClientStream client;
  const std::string r0 = okResponse(10), r1 = okResponse(100), r2 = okResponse(50), r3 = okResponse(0);
  const uint32_t at1 = uint32_t(1 + r0.size()), at2 = uint32_t(at1 + r1.size()),
                 at3 = uint32_t(at2 + r2.size());
  client.send(source, getRequest("/0"), 500 * kMs, /*ack=*/1);
  source.add(test::buildFrame(segment(false, r0, 1)), 510 * kMs);
  client.send(source, getRequest("/1"), 1000 * kMs, at1);
  // r1 (server bytes [at1, at2)) is not captured
  client.send(source, getRequest("/2"), 2000 * kMs, at2);
  source.add(test::buildFrame(segment(false, r2, at2)), 2200 * kMs);
  client.send(source, getRequest("/3"), 3000 * kMs, at3);
  source.add(test::buildFrame(segment(false, r3, at3)), 3250 * kMs);
  EngineOptions options;
  options.httpTransactionsPerConnection = 4;
  Engine engine(options);
  engine.run(source);
  const HttpConnectionView v = httpConnection(engine);
  ASSERT_EQ(v.kept.size(), 4u);
  EXPECT_EQ(v.kept[0].responseTime, 10 * kMs);
  EXPECT_EQ(v.kept[1].status, 0);
  EXPECT_EQ(v.kept[1].responseTime, -1);
  EXPECT_EQ(v.kept[2].status, 200);
  EXPECT_EQ(v.kept[2].responseTime, 200 * kMs);
  EXPECT_EQ(v.kept[3].responseTime, 250 * kMs);
  auto m = test::mergedModules(engine);
  const HttpServerRecord* server = m->app.http.servers().find(*IpAddress::parse("10.0.0.2"));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->responseTime.count, 3u);
  EXPECT_EQ(server->responseTime.max, 250 * kMs);
}

// An unparsable response head loses the framing like a hole: the next response answers the request
// made after it, not the one the unparsable response answered.
TEST(HttpModule, AnUnparsableResponseDoesNotShiftLaterPairs) {
  test::SyntheticSource source;
  ClientStream client;
  const std::string bad = "HTTP/1.1 2x0 Broken\r\nContent-Length: 0\r\n\r\n";
  client.send(source, getRequest("/1"), 1000 * kMs);
  source.add(test::buildFrame(segment(false, bad, 1)), 1100 * kMs);
  client.send(source, getRequest("/2"), 2000 * kMs);
  source.add(test::buildFrame(segment(false, okResponse(0), uint32_t(1 + bad.size()))), 2030 * kMs);
  const HttpConnectionView v = analyzeConnection(source, 2);
  ASSERT_EQ(v.kept.size(), 2u);
  EXPECT_EQ(v.kept[0].responseTime, -1);
  EXPECT_EQ(v.kept[1].status, 200);
  EXPECT_EQ(v.kept[1].responseTime, 30 * kMs);
}

// The capture begins inside a response: the client's acknowledgement number shows that the server's
// first captured segment comes after bytes that were not captured (here the body of a response
// without its head, which does not look like a message end), so the next response answers the
// request made after it.
TEST(HttpModule, ACaptureStartingInsideAResponseSeesTheHole) {
  test::SyntheticSource source;
  ClientStream client;
  client.send(source, getRequest("/1"), 1000 * kMs, /*ack=*/1);
  source.add(test::buildFrame(segment(false, std::string(500, 'x'), 1001)), 1100 * kMs);
  client.send(source, getRequest("/2"), 2000 * kMs, /*ack=*/1501);
  source.add(test::buildFrame(segment(false, okResponse(0), 1501)), 2180 * kMs);
  const HttpConnectionView v = analyzeConnection(source, 2);
  ASSERT_EQ(v.kept.size(), 2u);
  EXPECT_EQ(v.kept[0].responseTime, -1);
  EXPECT_EQ(v.kept[1].status, 200);
  EXPECT_EQ(v.kept[1].responseTime, 180 * kMs);
}

// After a hole, requests pipelined after it keep the in-order pairing; the one before it (whose
// response was in the hole) is closed unanswered.
TEST(HttpModule, RequestsPipelinedAfterAHoleStayInOrder) {
  test::SyntheticSource source;
  ClientStream client;
  const std::string r1 = okResponse(1000);
  client.send(source, getRequest("/1"), 1000 * kMs, /*ack=*/1);
  // r1's first 600 bytes (its head) are lost, its end is captured
  source.add(test::buildFrame(segment(false, r1.substr(600), 601)), 1100 * kMs);
  const uint32_t next = uint32_t(1 + r1.size());
  client.send(source, getRequest("/2"), 2000 * kMs, next);
  client.send(source, getRequest("/3"), 2001 * kMs, next);
  source.add(test::buildFrame(segment(false, okResponse(5), next)), 2100 * kMs);
  source.add(test::buildFrame(segment(false, okResponse(7), uint32_t(next + okResponse(5).size()))),
             2200 * kMs);
  const HttpConnectionView v = analyzeConnection(source, 3);
  ASSERT_EQ(v.kept.size(), 3u);
  EXPECT_EQ(v.kept[0].responseTime, -1);
  EXPECT_EQ(v.kept[1].responseTime, 100 * kMs);
  EXPECT_EQ(v.kept[2].responseTime, 199 * kMs);
}

nlohmann::json reportOf(Engine& engine) {
  ReportInput input;
  input.renderThreads = 1;
  return nlohmann::json::parse(test::reportText(engine, input));
}

// The connection's L7 response time is its longest HTTP response time, also when only the last
// transaction is kept (the default), and the report says so.
TEST(HttpModule, ConnectionKeepsItsLongestResponseTime) {
  test::SyntheticSource source;
  ClientStream client;
  uint32_t serverSeq = 1;
  for (const auto& [request, response] :
       {std::pair{1000, 1100}, std::pair{2000, 2300}, std::pair{3000, 3050}}) {
    client.send(source, getRequest("/" + std::to_string(request)), request * kMs);
    source.add(test::buildFrame(segment(false, okResponse(1), serverSeq)), response * kMs);
    serverSeq += uint32_t(okResponse(1).size());
  }
  Engine engine(EngineOptions{});
  engine.run(source);
  const HttpConnectionView v = httpConnection(engine);
  ASSERT_EQ(v.kept.size(), 1u);
  EXPECT_EQ(v.kept[0].responseTime, 50 * kMs);
  EXPECT_EQ(v.maxResponseTime, 300 * kMs);
  const nlohmann::json report = reportOf(engine);
  ASSERT_EQ(report["connections"].size(), 1u);
  EXPECT_EQ(report["connections"][0]["l7ResponseTime"], 300 * kMs);
}

// 1kxun.pcap misses the server's first bytes on several connections (the capture begins inside a
// response): pairs and response times as tshark's http.request_in / http.time (desegment_body off).
TEST(HttpModule, PairsLikeTsharkWhenResponsesWereNotCaptured) {
  auto opened = openCaptureFiles({test::sharedPcap("ndpi/1kxun.pcap").string()});
  ASSERT_TRUE(opened.source);
  EngineOptions options;
  options.httpTransactionsPerConnection = 3;
  Engine engine(options);
  engine.run(*opened.source);
  std::vector<HttpTransaction> port45422;
  PacketTime max45380 = -1, max49412 = -1;
  engine.forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) {
      if (c.clientPort == 45422)
        port45422.assign(HttpModule::transactions(c)->begin(), HttpModule::transactions(c)->end());
      if (c.clientPort == 45380) max45380 = HttpModule::maxResponseTime(c);
      if (c.clientPort == 49412) max49412 = HttpModule::maxResponseTime(c);
    });
  });
  ASSERT_EQ(port45422.size(), 3u);
  EXPECT_EQ(port45422[0].responseTime, -1);           // frame 1162: its response was not captured
  EXPECT_EQ(port45422[1].responseTime, 181'164'000);  // frame 1292 -> 1301
  EXPECT_EQ(port45422[2].responseTime, 184'081'000);  // frame 1308 -> 1320
  EXPECT_EQ(max45380, 380'392'000);                   // frame 1151
  EXPECT_EQ(max49412, 224'224'000);                   // frame 1395 -> 1406
  auto m = test::mergedModules(engine);
  const HttpServerRecord* server = m->app.http.servers().find(*IpAddress::parse("161.117.13.29"));
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->responseTime.max, 380'392'000);
}

}  // namespace
}  // namespace netmeter
