#include "generate/services.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <vector>

#include "modules/quic/quic_initial_keys.h"
#include "modules/quic/quic_long_header.h"
#include "modules/quic/quic_packet_protection.h"

namespace netmeter {
namespace {

using Buffer = std::array<uint8_t, kMaxPrefix>;

PrefixRequest request(Service service, bool fromClient, uint32_t exchange, uint32_t length = 0) {
  return PrefixRequest{service, fromClient, exchange, length, length, 1234, 0x5a17};
}

uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// Classifiers recognise handshakes by length fields that must match the packet exactly.
TEST(Services, HandshakeMessagesCarryTheirOwnLength) {
  Buffer b;
  size_t n = writeServerGreeting(Service::kMysql, 7, b);
  ASSERT_GT(n, 38u);
  EXPECT_EQ(b[0] | b[1] << 8 | b[2] << 16, int(n - 4));
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(b.data()) + n - 22, 21), "mysql_native_password");

  const PrefixRequest rdp = request(Service::kRdp, true, 0);
  n = writeApplicationPrefix(rdp, b);
  EXPECT_EQ(n, fixedMessageLength(rdp));
  EXPECT_EQ(size_t(b[2] << 8 | b[3]), n);  // TPKT length
  EXPECT_EQ(size_t(b[4]), n - 5);          // X.224 length indicator
  EXPECT_EQ(b[5], 0xe0);                   // Connection Request

  const PrefixRequest smb = request(Service::kSmb, true, 0);
  n = writeApplicationPrefix(smb, b);
  EXPECT_EQ(n, fixedMessageLength(smb));
  EXPECT_EQ(be32(b.data()), n - 4);  // NetBIOS length
  EXPECT_EQ(b[4], 0xfe);

  const PrefixRequest startup = request(Service::kPostgres, true, 0);
  n = writeApplicationPrefix(startup, b);
  EXPECT_EQ(be32(b.data()), n);
  EXPECT_EQ(be32(b.data() + 4), 196608u);
  const PrefixRequest auth = request(Service::kPostgres, false, 0);
  n = writeApplicationPrefix(auth, b);
  EXPECT_EQ(b[0], 'R');
  EXPECT_EQ(be32(b.data() + 1), n - 1);

  EXPECT_EQ(fixedMessageLength(request(Service::kOpenVpn, true, 0)), 42u);
  EXPECT_EQ(fixedMessageLength(request(Service::kOpenVpn, false, 0)), 54u);
  EXPECT_EQ(fixedMessageLength(request(Service::kHttps, true, 0)), 0u);
}

// The SNMP response's outer BER length must cover the datagram for every size the model asks.
TEST(Services, SnmpResponseFillsTheDatagramExactly) {
  Buffer b;
  for (uint32_t length = 60; length <= 1400; ++length) {
    const size_t n = writeApplicationPrefix(request(Service::kSnmp, false, 0, length), b);
    ASSERT_EQ(n, length);
    ASSERT_EQ(b[0], 0x30);
    const size_t lengthBytes = b[1] < 0x80 ? 1 : 1 + (b[1] & 0x7f);
    const size_t inner = b[1] < 0x80 ? b[1] : b[1] == 0x81 ? b[2] : size_t(b[2] << 8 | b[3]);
    ASSERT_EQ(1 + lengthBytes + inner, length) << length;
  }
}

TEST(Services, SyslogIsPrintableAndFillsTheDatagram) {
  Buffer b;
  const size_t n = writeApplicationPrefix(request(Service::kSyslog, true, 0, 300), b);
  ASSERT_EQ(n, 300u);
  EXPECT_EQ(b[0], '<');
  for (size_t i = 0; i + 1 < n; ++i) EXPECT_TRUE(b[i] >= 0x20 && b[i] < 0x7f) << i;
  EXPECT_EQ(b[n - 1], '\n');
}

// The client Initial opens with the RFC 9001 Initial keys and carries a ClientHello with the SNI.
TEST(Services, QuicClientInitialDecrypts) {
  Buffer b;
  const size_t n = writeApplicationPrefix(request(Service::kQuic, true, 0, 1250), b);
  ASSERT_EQ(n, 1250u);
  const std::span<const uint8_t> packet(b.data(), n);
  quic::LongHeader header;
  ASSERT_EQ(quic::parseLongHeader(packet, header), quic::HeaderResult::kOk);
  EXPECT_EQ(header.version, quic::kVersion1);
  EXPECT_EQ(header.type, quic::PacketType::kInitial);
  EXPECT_EQ(header.size, n);
  const auto keys =
      quic::deriveInitialKeys(*quic::versionParameters(quic::kVersion1), header.dcid, quic::Side::kClient);
  ASSERT_TRUE(keys);
  std::vector<uint8_t> scratch(n);
  const auto frames = quic::openPacket(packet, header, *keys, scratch);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames[0], 0x06);  // CRYPTO
  const std::string_view plain(reinterpret_cast<const char*>(frames.data()), frames.size());
  EXPECT_NE(plain.find(".example."), std::string_view::npos);

  // Same request, same bytes: the generator stays deterministic.
  Buffer again;
  ASSERT_EQ(writeApplicationPrefix(request(Service::kQuic, true, 0, 1250), again), n);
  EXPECT_TRUE(std::equal(b.begin(), b.begin() + n, again.begin()));
}

}  // namespace
}  // namespace netmeter
