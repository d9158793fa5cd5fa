// RFC 9001 Appendix A (QUIC v1) and RFC 9369 Appendix A (QUIC v2) test vectors.
#include <gtest/gtest.h>

#include <fstream>

#include "modules/quic/quic_initial_keys.h"
#include "modules/quic/quic_long_header.h"
#include "modules/quic/quic_packet_protection.h"
#include "modules/quic/quic_session.h"
#include "modules/tls/ja3.h"
#include "test_paths.h"

namespace netmeter::test {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes hex(const std::string& text) {
  Bytes out;
  for (size_t i = 0; i + 1 < text.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  return out;
}

// A .hex fixture: hex digits, lines starting with '#' are comments.
Bytes hexFixture(const std::string& name) {
  std::ifstream in(fixture("quic/" + name));
  std::string line, text;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') text += line;
  return hex(text);
}

const Bytes kDcid = hex("8394c8f03e515708");

// RFC 5869 Appendix A.1: an output of 42 bytes spans two HMAC blocks.
TEST(QuicInitialKeys, Rfc5869Hkdf) {
  const Bytes ikm(22, 0x0b);
  std::array<uint8_t, 32> prk{};
  ASSERT_TRUE(quic::hkdfExtract(hex("000102030405060708090a0b0c"), ikm, prk));
  EXPECT_EQ(Bytes(prk.begin(), prk.end()),
            hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"));
  Bytes okm(42);
  ASSERT_TRUE(quic::hkdfExpand(prk, hex("f0f1f2f3f4f5f6f7f8f9"), okm));
  EXPECT_EQ(okm, hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));
  std::array<uint8_t, 16> shortPrk{};
  EXPECT_FALSE(quic::hkdfExtract(hex("00"), ikm, shortPrk));
}

TEST(QuicInitialKeys, Rfc9001A1) {
  auto v1 = *quic::versionParameters(quic::kVersion1);
  auto client = quic::deriveInitialKeys(v1, kDcid, quic::Side::kClient);
  ASSERT_TRUE(client);
  EXPECT_EQ(Bytes(client->key.begin(), client->key.end()), hex("1f369613dd76d5467730efcbe3b1a22d"));
  EXPECT_EQ(Bytes(client->iv.begin(), client->iv.end()), hex("fa044b2f42a3fd3b46fb255c"));
  EXPECT_EQ(Bytes(client->hp.begin(), client->hp.end()), hex("9f50449e04a0e810283a1e9933adedd2"));
  auto server = quic::deriveInitialKeys(v1, kDcid, quic::Side::kServer);
  ASSERT_TRUE(server);
  EXPECT_EQ(Bytes(server->key.begin(), server->key.end()), hex("cf3a5331653c364c88f0f379b6067e37"));
  EXPECT_EQ(Bytes(server->iv.begin(), server->iv.end()), hex("0ac1493ca1905853b0bba03e"));
  EXPECT_EQ(Bytes(server->hp.begin(), server->hp.end()), hex("c206b8d9b9f0f37644430b490eeaa314"));
}

TEST(QuicInitialKeys, Rfc9369A1) {
  auto v2 = *quic::versionParameters(quic::kVersion2);
  auto client = quic::deriveInitialKeys(v2, kDcid, quic::Side::kClient);
  ASSERT_TRUE(client);
  EXPECT_EQ(Bytes(client->key.begin(), client->key.end()), hex("8b1a0bc121284290a29e0971b5cd045d"));
  EXPECT_EQ(Bytes(client->iv.begin(), client->iv.end()), hex("91f73e2351d8fa91660e909f"));
  EXPECT_EQ(Bytes(client->hp.begin(), client->hp.end()), hex("45b95e15235d6f45a6b19cbcb0294ba9"));
  auto server = quic::deriveInitialKeys(v2, kDcid, quic::Side::kServer);
  ASSERT_TRUE(server);
  EXPECT_EQ(Bytes(server->key.begin(), server->key.end()), hex("82db637861d55e1d011f19ea71d5d2a7"));
  EXPECT_EQ(Bytes(server->iv.begin(), server->iv.end()), hex("dd13c276499c0249d3310652"));
  EXPECT_EQ(Bytes(server->hp.begin(), server->hp.end()), hex("edf6d05c83121201b436e16877593c3a"));
}

// The unprotected payload of both appendices' client Initial: one CRYPTO frame, then PADDING.
const std::string kClientPayloadHex =
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c000004130113"
    "02010000c000000010000e00000b6578616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fbabaf4559fedba753de171fa71f50f1ce1"
    "5d43e994ec74d748002b0003020304000d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f088394c8f03e51570806"
    "048000ffff";

void checkClientInitial(uint32_t version, const std::string& file) {
  Bytes packet = hexFixture(file);
  ASSERT_EQ(packet.size(), 1200u);
  quic::LongHeader h;
  ASSERT_EQ(quic::parseLongHeader(packet, h), quic::HeaderResult::kOk);
  EXPECT_EQ(h.version, version);
  EXPECT_EQ(h.type, quic::PacketType::kInitial);
  EXPECT_EQ(Bytes(h.dcid.begin(), h.dcid.end()), kDcid);
  EXPECT_EQ(h.packetNumberOffset, 18u);
  EXPECT_EQ(h.size, 1200u);
  auto keys = quic::deriveInitialKeys(*quic::versionParameters(version), h.dcid, quic::Side::kClient);
  ASSERT_TRUE(keys);
  Bytes scratch(2048);
  auto plain = quic::openPacket(packet, h, *keys, scratch);
  Bytes expected = hex(kClientPayloadHex);
  expected.resize(1162, 0);
  ASSERT_EQ(plain.size(), expected.size());
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), expected.begin()));

  // One damaged byte anywhere in the payload fails authentication.
  packet[600] ^= 1;
  EXPECT_TRUE(quic::openPacket(packet, h, *keys, scratch).empty());
}

TEST(QuicPacketProtection, Rfc9001A2ClientInitial) {
  checkClientInitial(quic::kVersion1, "rfc9001_a2_client_initial.hex");
}
TEST(QuicPacketProtection, Rfc9369A2ClientInitial) {
  checkClientInitial(quic::kVersion2, "rfc9369_a2_client_initial.hex");
}

void checkSession(const std::string& clientFile, const std::string& serverFile) {
  quic::QuicSession session;
  MemoryAccount account;
  Bytes scratch(65536);
  Bytes client = hexFixture(clientFile);
  ASSERT_TRUE(quic::QuicSession::looksLikeQuic(client));
  EXPECT_EQ(session.onDatagram(true, client, 10, scratch, account), quic::event::kClientHello);
  const auto& info = session.info();
  EXPECT_EQ(info.client.sni, "example.com");
  EXPECT_EQ(info.client.alpn, "alpn");
  EXPECT_EQ(info.client.cipherSuites, (std::vector<uint16_t>{0x1301, 0x1302}));
  EXPECT_EQ(info.client.ja4.substr(0, 10), "q13d0211an");
  EXPECT_EQ(session.onDatagram(false, hexFixture(serverFile), 20, scratch, account),
            quic::event::kServerHello);
  EXPECT_EQ(info.negotiatedCipher, 0x1301);
  EXPECT_EQ(info.negotiatedVersion, 0x0304);
  EXPECT_TRUE(session.finished());
  EXPECT_EQ(account.bytes, 0);
}

TEST(QuicSession, Rfc9001ClientAndServerHello) {
  checkSession("rfc9001_a2_client_initial.hex", "rfc9001_a3_server_initial.hex");
}
TEST(QuicSession, Rfc9369ClientAndServerHello) {
  checkSession("rfc9369_a2_client_initial.hex", "rfc9369_a3_server_initial.hex");
}

TEST(QuicSession, DamagedAndTruncatedDatagramsAreRejectedQuietly) {
  Bytes client = hexFixture("rfc9001_a2_client_initial.hex");
  Bytes scratch(65536);
  for (size_t cut : {0, 1, 6, 17, 18, 30, 600, 1199}) {
    quic::QuicSession session;
    MemoryAccount account;
    Bytes part(client.begin(), client.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(session.onDatagram(true, part, 1, scratch, account), 0) << cut;
    EXPECT_FALSE(session.info().hasClientHello);
  }
  // The version field changed to an unknown one: not decoded, not a crash.
  client[1] = 0x12;
  EXPECT_FALSE(quic::QuicSession::looksLikeQuic(client));
}

// RFC 9000 §15 reserved versions (0x?a?a?a?a): a client Initial sent with one to force a Version
// Negotiation is opened with v1's keys (as Wireshark does); one that does not authenticate is no
// decryption failure, and the version the client goes on with replaces the reserved one.
TEST(QuicSession, ReservedVersionInitialIsTriedWithV1Keys) {
  auto reserved = quic::versionParameters(0x1a2a3a4a);
  ASSERT_TRUE(reserved);
  EXPECT_TRUE(reserved->assumed);
  EXPECT_EQ(reserved->salt, quic::versionParameters(quic::kVersion1)->salt);
  EXPECT_EQ(quic::versionName(0x1a2a3a4a), "");
  EXPECT_FALSE(quic::isReservedVersion(0x1a2a3a4b));

  const Bytes v1 = hexFixture("rfc9001_a2_client_initial.hex");
  Bytes probe = v1;  // the same packet under a reserved version: its tag no longer matches
  probe[1] = 0x0a, probe[2] = 0x1a, probe[3] = 0x2a, probe[4] = 0x3a;
  ASSERT_TRUE(quic::QuicSession::looksLikeQuic(probe));
  // Only what a client Initial looks like: a datagram of at least 1200 bytes.
  EXPECT_FALSE(quic::QuicSession::looksLikeQuic(std::span<const uint8_t>(probe).first(1199)));

  quic::QuicSession session;
  MemoryAccount account;
  Bytes scratch(65536);
  EXPECT_EQ(session.onDatagram(true, probe, 10, scratch, account), 0);
  EXPECT_EQ(session.info().version, 0x0a1a2a3au);
  EXPECT_EQ(session.info().decryptFailures, 0u);
  EXPECT_EQ(session.onDatagram(true, v1, 20, scratch, account), quic::event::kClientHello);
  EXPECT_EQ(session.info().version, quic::kVersion1);
  EXPECT_EQ(session.info().client.sni, "example.com");
  session.release(account);
  EXPECT_EQ(account.bytes, 0);
}

TEST(QuicVersion, NamesAndPacketTypes) {
  EXPECT_EQ(quic::versionName(0x00000001), "V-1");
  EXPECT_EQ(quic::versionName(0x6b3343cf), "V-2");
  EXPECT_EQ(quic::versionName(0xff00001d), "Draft-29");
  EXPECT_EQ(quic::versionName(0xff00001f), "Draft-31");
  EXPECT_EQ(quic::versionName(0xff000020), "Draft-32");
  EXPECT_EQ(quic::versionName(0x51303436), "Q046");
  EXPECT_FALSE(quic::versionParameters(0x51303436));
  EXPECT_EQ(quic::packetType(0xc0, false), quic::PacketType::kInitial);
  EXPECT_EQ(quic::packetType(0xd0, true), quic::PacketType::kInitial);
  EXPECT_EQ(quic::packetType(0xc0, true), quic::PacketType::kRetry);
  EXPECT_EQ(quic::packetType(0xf0, true), quic::PacketType::kHandshake);
}

TEST(QuicVarint, Rfc9000A1Examples) {
  auto read = [](const std::string& h) {
    Bytes b = hex(h);
    size_t pos = 0;
    return quic::readVarint(b, pos);
  };
  EXPECT_EQ(read("c2197c5eff14e88c"), 151288809941952652u);
  EXPECT_EQ(read("9d7f3e7d"), 494878333u);
  EXPECT_EQ(read("7bbd"), 15293u);
  EXPECT_EQ(read("25"), 37u);
  EXPECT_FALSE(read("7b"));
}

}  // namespace
}  // namespace netmeter::test
