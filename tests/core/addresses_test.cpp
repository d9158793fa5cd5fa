#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "core/ip_address.h"
#include "core/mac_address.h"
#include "core/packet_time.h"

namespace netmeter {
namespace {

TEST(MacAddress, ParsesAndFormats) {
  auto mac = MacAddress::parse("00:1B:21:aa:bb:0c");
  ASSERT_TRUE(mac);
  EXPECT_EQ(mac->toString(), "00:1b:21:aa:bb:0c");
  EXPECT_EQ(mac->oui(), 0x001b21u);
  EXPECT_FALSE(MacAddress::parse("00:1b:21:aa:bb"));
  EXPECT_FALSE(MacAddress::parse("00:1b:21:aa:bb:0g"));
  EXPECT_TRUE(MacAddress::parse("ff-ff-ff-ff-ff-ff")->isBroadcast());
}

TEST(IpAddress, ParsesBothFamilies) {
  auto v4 = IpAddress::parse("10.1.2.3");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->isV4());
  EXPECT_EQ(v4->v4HostOrder(), 0x0a010203u);
  EXPECT_EQ(v4->toString(), "10.1.2.3");
  auto v6 = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->isV6());
  EXPECT_EQ(v6->toString(), "2001:db8::1");
  EXPECT_NE(*v4, IpAddress::parse("::a01:203").value());  // same bytes, other family
  EXPECT_FALSE(IpAddress::parse("10.1.2"));
  EXPECT_TRUE(IpAddress::parse("239.1.1.1")->isMulticast());
  EXPECT_TRUE(IpAddress::parse("ff02::1")->isMulticast());
}

// The hand-written formatting against the C library's, over edge values and a sweep of octets.
TEST(IpAddress, FormatsLikeInetNtopAndMacsLikePrintf) {
  for (uint32_t seed = 0; seed < 20000; ++seed) {
    const uint32_t v = seed < 4 ? std::array<uint32_t, 4>{0, 0xffffffffu, 0x0a000001u, 0x01640a00u}[seed]
                                : seed * 2654435761u;
    const uint8_t raw[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    char expected[INET_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET, raw, expected, sizeof expected), nullptr);
    const auto ip = IpAddress::parse(expected);
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->toString(), expected);
    char mac[18];
    std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", raw[0], raw[1], raw[2], raw[3],
                  raw[1] ^ 0x5a, raw[3] ^ 0xa5);
    EXPECT_EQ(MacAddress::parse(mac)->toString(), mac);
  }
}

// IPv6 against inet_ntop: random addresses with runs of zero groups in every place and length,
// IPv4-compatible and IPv4-mapped ones, all zeros, ::1.
TEST(IpAddress, FormatsIpv6LikeInetNtop) {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  for (int n = 0; n < 50000; ++n) {
    uint8_t raw[16];
    const uint64_t r = next(), zeros = next();
    for (size_t i = 0; i < 16; ++i) raw[i] = uint8_t(next() >> (8 * (i % 8)));
    for (size_t w = 0; w < 8; ++w)  // each group zero with probability 1/2, often in runs
      if ((zeros >> w) & 1 || (r % 3 == 0 && w >= (r >> 8) % 8)) raw[2 * w] = raw[2 * w + 1] = 0;
    if (n % 7 == 0) {  // IPv4-compatible / IPv4-mapped / zero tail shapes
      std::fill(raw, raw + 10, uint8_t{0});
      raw[10] = raw[11] = (n % 2 == 0) ? 0xff : 0;
      if (n % 3 == 0) raw[12] = raw[13] = 0;
    }
    if (n == 1) std::fill(raw, raw + 16, uint8_t{0});
    if (n == 2) std::fill(raw, raw + 15, uint8_t{0}), raw[15] = 1;
    char expected[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, raw, expected, sizeof expected), nullptr);
    const auto ip = IpAddress::parse(expected);
    ASSERT_TRUE(ip) << expected;
    ASSERT_EQ(ip->toString(), expected);
  }
}

TEST(PacketTime, SecondOfFloors) {
  EXPECT_EQ(secondOf(1'500'000'000), 1);
  EXPECT_EQ(secondOf(-1), -1);
  EXPECT_EQ(secondOf(0), 0);
  EXPECT_EQ(secondOf(-1'000'000'000), -1);
  EXPECT_EQ(secondOf(-1'000'000'001), -2);
  // INT64_MIN is a shard's "no packet yet" time: defined, no overflow (UBSan checks it).
  EXPECT_EQ(secondOf(INT64_MIN), INT64_MIN / 1'000'000'000 - 1);
}

}  // namespace
}  // namespace netmeter
