#include "modules/connections/l7_response_score.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace netmeter {
namespace {

constexpr PacketTime kMs = 1'000'000;

ResponseTimeStats responseTimes(std::initializer_list<PacketTime> times) {
  ResponseTimeStats s;
  for (PacketTime t : times) s.add(t);
  return s;
}

IpAddress scoreIp(const char* text) {
  auto ip = IpAddress::parse(text);
  EXPECT_TRUE(ip) << text;
  return ip ? *ip : IpAddress{};
}

TEST(L7Score, RatioRoundedAndCapped) {
  EXPECT_EQ(l7Score(100, 100), 100u);  // as fast as the reference
  EXPECT_EQ(l7Score(100, 200), 50u);   // twice as slow
  EXPECT_EQ(l7Score(100, 50), 100u);   // faster: capped
  EXPECT_EQ(l7Score(100, 300), 33u);   // 33.33
  EXPECT_EQ(l7Score(200, 300), 67u);   // 66.67 rounds up
  EXPECT_EQ(l7Score(1, 200), 1u);      // 0.5 rounds away from zero
  EXPECT_EQ(l7Score(1, 201), 0u);      // 0.4975
  EXPECT_EQ(l7Score(0, 5), 0u);        // an instant reference against a measured time
  EXPECT_EQ(l7Score(5, 0), 100u);      // a measured time of 0 is as fast as can be
  EXPECT_EQ(l7Score(0, 0), 100u);
}

TEST(L7Score, NullWithoutATime) {
  EXPECT_EQ(l7Score(100, -1), std::nullopt);
  EXPECT_EQ(l7Score(-1, 100), std::nullopt);
  EXPECT_EQ(l7Score(std::nan(""), 100), std::nullopt);
}

TEST(L7Score, LowerOfTwo) {
  EXPECT_EQ(lowerL7Score(80, 95), 80u);
  EXPECT_EQ(lowerL7Score(95, 80), 80u);
  EXPECT_EQ(lowerL7Score(std::nullopt, 80), 80u);
  EXPECT_EQ(lowerL7Score(80, std::nullopt), 80u);
  EXPECT_EQ(lowerL7Score(std::nullopt, std::nullopt), std::nullopt);
}

// Two HTTP servers: A answers in 100 ms on average, B in 300 ms; all four responses average 200 ms.
TEST(L7ResponseScores, HttpAgainstTheServerAndTheServerAgainstAll) {
  L7ResponseScores scores;
  const IpAddress a = scoreIp("10.0.0.1"), b = scoreIp("10.0.0.2");
  scores.addHttp(a, responseTimes({50 * kMs, 150 * kMs}));
  scores.addHttp(b, responseTimes({300 * kMs}));
  scores.addHttp(b, responseTimes({300 * kMs}));  // another shard's part of the same server
  // A's connection as fast as A usually is; one twice as slow; one faster (capped).
  auto s = scores.of(a, true, 100 * kMs, false, -1);
  EXPECT_EQ(s.response, 100u);
  EXPECT_EQ(s.server, 100u);  // 200 / 100: faster than all servers together, capped
  EXPECT_EQ(scores.of(a, true, 200 * kMs, false, -1).response, 50u);
  EXPECT_EQ(scores.of(a, true, 10 * kMs, false, -1).response, 100u);
  // B against the mean of all four responses (200 ms).
  s = scores.of(b, true, 600 * kMs, false, -1);
  EXPECT_EQ(s.response, 50u);
  EXPECT_EQ(s.server, 67u);  // 100 * 200 / 300
  // An HTTP connection without a response: no response score, the server's score all the same.
  s = scores.of(b, true, -1, false, -1);
  EXPECT_EQ(s.response, std::nullopt);
  EXPECT_EQ(s.server, 67u);
}

TEST(L7ResponseScores, GlobalAverageIsOverAllResponsesNotTheMeanOfMeans) {
  L7ResponseScores scores;
  const IpAddress busy = scoreIp("10.0.0.1"), slow = scoreIp("10.0.0.2");
  scores.addHttp(busy, responseTimes({10 * kMs, 10 * kMs, 10 * kMs}));
  scores.addHttp(slow, responseTimes({90 * kMs}));
  // All responses: 120 ms / 4 = 30 ms (the mean of the means would be 50 ms).
  EXPECT_EQ(scores.of(slow, true, 90 * kMs, false, -1).server, 33u);
  EXPECT_EQ(scores.of(busy, true, 10 * kMs, false, -1).server, 100u);
}

TEST(L7ResponseScores, NullWithoutAnAverageOfTheSameKind) {
  L7ResponseScores scores;
  const IpAddress web = scoreIp("10.0.0.1"), tlsOnly = scoreIp("2001:db8::1");
  scores.addHttp(web, responseTimes({100 * kMs}));
  scores.addTlsHandshakes(tlsOnly, responseTimes({20 * kMs}));
  scores.addHttp(scoreIp("10.0.0.9"), ResponseTimeStats{});  // a server without timed responses
  // HTTP connection to a server known only for TLS handshakes: nothing to compare with.
  auto s = scores.of(tlsOnly, true, 100 * kMs, false, -1);
  EXPECT_EQ(s.response, std::nullopt);
  EXPECT_EQ(s.server, std::nullopt);
  // A TLS connection to the HTTP-only server, an unknown server, a server without timed responses.
  EXPECT_EQ(scores.of(web, false, -1, true, 20 * kMs).response, std::nullopt);
  EXPECT_EQ(scores.of(scoreIp("10.0.0.3"), true, 100 * kMs, false, -1).server, std::nullopt);
  EXPECT_EQ(scores.of(scoreIp("10.0.0.9"), true, 100 * kMs, false, -1).server, std::nullopt);
  // A connection of neither kind (DNS, ...).
  s = scores.of(web, false, 100 * kMs, false, -1);
  EXPECT_EQ(s.response, std::nullopt);
  EXPECT_EQ(s.server, std::nullopt);
  // The TLS server against the TLS global average (itself).
  s = scores.of(tlsOnly, false, -1, true, 40 * kMs);
  EXPECT_EQ(s.response, 50u);
  EXPECT_EQ(s.server, 100u);
}

// A proxy answering CONNECT (HTTP) whose tunnel carries TLS: both kinds, the lower of each score.
TEST(L7ResponseScores, BothKindsGiveTheLower) {
  L7ResponseScores scores;
  const IpAddress proxy = scoreIp("10.0.0.1"), other = scoreIp("10.0.0.2");
  scores.addHttp(proxy, responseTimes({40 * kMs}));
  scores.addHttp(other, responseTimes({20 * kMs}));  // HTTP global: 30 ms -> proxy's HTTP server score 75
  scores.addTlsHandshakes(proxy, responseTimes({10 * kMs, 30 * kMs}));
  scores.addTlsHandshakes(other, responseTimes({40 * kMs}));  // TLS global: 80 / 3 ms -> proxy's 100 (capped)
  // HTTP 40 ms against 40 -> 100; handshake 80 ms against 20 -> 25.
  auto s = scores.of(proxy, true, 40 * kMs, true, 80 * kMs);
  EXPECT_EQ(s.response, 25u);
  EXPECT_EQ(s.server, 75u);
  // HTTP 80 ms -> 50; handshake 20 ms -> 100.
  s = scores.of(proxy, true, 80 * kMs, true, 20 * kMs);
  EXPECT_EQ(s.response, 50u);
  // A CONNECT answered, its TLS handshake not timed (no ServerHello): the HTTP score alone.
  EXPECT_EQ(scores.of(proxy, true, 80 * kMs, true, -1).response, 50u);
  // The other server: TLS 40 ms against 80/3 ms -> 67, HTTP 20 against 30 -> 100 (capped).
  EXPECT_EQ(scores.of(other, true, -1, true, -1).server, 67u);
}

}  // namespace
}  // namespace netmeter
