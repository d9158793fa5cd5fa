#include "modules/quic/quic_crypto_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace netmeter::test {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes message(uint32_t bodyLength) {
  Bytes m{1, static_cast<uint8_t>(bodyLength >> 16), static_cast<uint8_t>(bodyLength >> 8),
          static_cast<uint8_t>(bodyLength)};
  for (uint32_t i = 0; i < bodyLength; ++i) m.push_back(static_cast<uint8_t>(i * 7));
  return m;
}

TEST(QuicCryptoStream, InOrderOutOfOrderAndOverlapping) {
  Bytes m = message(3000);
  for (unsigned seed = 0; seed < 20; ++seed) {
    // Cut into random pieces, some duplicated with overlap, delivered shuffled.
    std::mt19937 rng(seed);
    std::vector<std::pair<size_t, size_t>> pieces;
    for (size_t at = 0; at < m.size();) {
      size_t n = std::min<size_t>(1 + rng() % 400, m.size() - at);
      pieces.emplace_back(at, n);
      if (rng() % 4 == 0 && at > 10) pieces.emplace_back(at - 10, n + 10);
      at += n;
    }
    std::shuffle(pieces.begin(), pieces.end(), rng);
    quic::QuicCryptoStream s;
    MemoryAccount account;
    for (auto [at, n] : pieces) s.add(at, std::span<const uint8_t>(m.data() + at, n), account);
    ASSERT_EQ(s.state(), quic::QuicCryptoStream::State::kComplete) << seed;
    auto got = s.message();
    ASSERT_EQ(got.size(), m.size());
    EXPECT_TRUE(std::equal(got.begin(), got.end(), m.begin()));
    EXPECT_GT(account.bytes, 0);
    s.release(account);
    EXPECT_EQ(account.bytes, 0);
  }
}

TEST(QuicCryptoStream, DataAfterTheFirstMessageIsIgnored) {
  Bytes m = message(100);
  Bytes more = m;
  more.insert(more.end(), 500, 0xee);  // a second handshake message follows
  quic::QuicCryptoStream s;
  MemoryAccount account;
  s.add(0, more, account);
  EXPECT_EQ(s.state(), quic::QuicCryptoStream::State::kComplete);
  EXPECT_EQ(s.message().size(), m.size());
  s.release(account);
}

TEST(QuicCryptoStream, LimitsFailTheStream) {
  MemoryAccount account;
  quic::QuicCryptoStream tooLong(1024);
  Bytes m = message(2000);
  tooLong.add(0, std::span<const uint8_t>(m.data(), 100), account);
  EXPECT_EQ(tooLong.state(), quic::QuicCryptoStream::State::kFailed);
  EXPECT_EQ(account.bytes, 0);

  quic::QuicCryptoStream farAway(1024);
  Bytes some(10, 1);
  farAway.add(uint64_t{1} << 60, some, account);  // huge offset: ignored, nothing allocated
  EXPECT_EQ(account.bytes, 0);
  farAway.add(1020, some, account);  // crosses the limit before the length is known
  EXPECT_EQ(farAway.state(), quic::QuicCryptoStream::State::kFailed);

  quic::QuicCryptoStream scattered;
  for (uint32_t i = 0; i < 40; ++i)
    scattered.add(100 + 10 * i, std::span<const uint8_t>(some.data(), 1), account);
  EXPECT_EQ(scattered.state(), quic::QuicCryptoStream::State::kFailed);  // more than 32 holes
  EXPECT_EQ(account.bytes, 0);
}

}  // namespace
}  // namespace netmeter::test
