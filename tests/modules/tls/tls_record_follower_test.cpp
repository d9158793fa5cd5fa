// TlsRecordFollower against TlsRecordParser: on random record streams cut into random segments, the
// follower (started at the beginning, or handed over from the parser at any segment) reports the
// same alerts as the parser that reads every byte.
#include "modules/tls/tls_record_follower.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "modules/tls/hello_builder.h"
#include "modules/tls/tls_record_parser.h"

namespace netmeter::test {
namespace {

struct FollowerAlertLog {
  std::vector<int> alerts;  // level << 8 | description, or -1 for an encrypted alert
  void onAlert(uint8_t level, uint8_t description) { alerts.push_back(level << 8 | description); }
  void onEncryptedAlert() { alerts.push_back(-1); }
  bool onHandshake(uint8_t, std::span<const uint8_t>) { return false; }
  void onRecord(uint8_t) {}
};

Bytes randomRecords(std::mt19937& rng) {
  Bytes stream;
  const int records = 1 + int(rng() % 30);
  for (int i = 0; i < records; ++i) {
    const uint8_t type = uint8_t(20 + rng() % 5);
    size_t length = rng() % 4 == 0 ? rng() % 4 : rng() % 3000;
    if (type == 21 && rng() % 2 == 0) length = 2;
    Bytes body(length);
    for (auto& b : body) b = uint8_t(rng());
    append(stream, record(type, body, uint16_t(0x0300 + rng() % 5)));
  }
  return stream;
}

TEST(TlsRecordFollower, AgreesWithTheRecordParserOnAnySegmentation) {
  std::mt19937 rng(20261207);
  for (int round = 0; round < 2000; ++round) {
    const Bytes stream = randomRecords(rng);
    std::vector<std::pair<size_t, size_t>> segments;  // [from, to)
    for (size_t at = 0; at < stream.size();) {
      const size_t n = 1 + rng() % (rng() % 2 ? 8 : 1500);
      segments.emplace_back(at, std::min(stream.size(), at + n));
      at += n;
    }
    MemoryAccount account;
    tls::TlsRecordParser reference;
    FollowerAlertLog expected;
    for (auto [from, to] : segments)
      reference.feed(std::span<const uint8_t>(stream).subspan(from, to - from), expected, account);
    ASSERT_FALSE(reference.stopped());

    // Handed over after `handover` segments (0: following from the start).
    const size_t handover = rng() % (segments.size() + 1);
    tls::TlsRecordParser parser;
    FollowerAlertLog got;
    const uint32_t isn = uint32_t(rng());
    for (size_t i = 0; i < handover; ++i)
      parser.feed(
          std::span<const uint8_t>(stream).subspan(segments[i].first, segments[i].second - segments[i].first),
          got, account);
    tls::TlsRecordFollower follower;
    const uint32_t handoverSeq =
        isn + uint32_t(handover < segments.size() ? segments[handover].first : stream.size());
    follower.start(handoverSeq, parser.position());
    for (size_t i = handover; i < segments.size(); ++i) {
      const auto [from, to] = segments[i];
      const auto bytes = std::span<const uint8_t>(stream).subspan(from, to - from);
      follower.onSegment(isn + uint32_t(from), bytes, uint32_t(bytes.size()), got);
      if (rng() % 4 == 0)
        follower.onSegment(isn + uint32_t(from), bytes, uint32_t(bytes.size()), got);  // again
    }
    ASSERT_EQ(got.alerts, expected.alerts) << "round " << round << " handover " << handover;
    EXPECT_TRUE(follower.following());
  }
}

}  // namespace
}  // namespace netmeter::test
