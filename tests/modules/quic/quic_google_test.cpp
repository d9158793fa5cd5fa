// Google QUIC: version names, the public header (Q0xx up to Q043), the Q046 long header, the IETF
// invariant form of Q050/T0xx, null-encrypted frames and the CHLO, on packets crafted here.
#include "modules/quic/quic_google.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "modules/quic/quic_crypto_stream.h"
#include "modules/quic/quic_session.h"

namespace netmeter::test {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t kQ025 = 0x51303235;
constexpr uint32_t kQ039 = 0x51303339;
constexpr uint32_t kQ046 = 0x51303436;
constexpr uint32_t kQ050 = 0x51303530;
constexpr uint32_t kT051 = 0x54303531;

void appendText(Bytes& b, std::string_view s) {
  b.insert(b.end(), s.begin(), s.end());
}
void appendLe(Bytes& b, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void appendBe(Bytes& b, uint64_t v, size_t n) {
  for (size_t i = n; i-- > 0;) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// A handshake message: tag, entry count, padding, (tag, end offset) entries, values.
// Tags shorter than 4 characters ("SNI", "REJ") are padded with zeros, as on the wire.
Bytes gquicMessage(std::string tag, const std::vector<std::pair<std::string, std::string>>& entries) {
  Bytes b;
  tag.resize(4, '\0');
  appendText(b, tag);
  appendLe(b, entries.size(), 2);
  appendLe(b, 0, 2);
  uint32_t end = 0;
  for (auto [t, v] : entries) {
    t.resize(4, '\0');
    appendText(b, t);
    end += static_cast<uint32_t>(v.size());
    appendLe(b, end, 4);
  }
  for (const auto& e : entries) appendText(b, e.second);
  return b;
}

Bytes chlo(std::string_view sni, std::string_view ua) {
  return gquicMessage("CHLO", {{"SNI", std::string(sni)},
                               {"VER", "Q025"},
                               {"AEAD", "AESG"},
                               {"UAID", std::string(ua)},
                               {"PAD", std::string(64, '-')}});
}

// A STREAM frame of stream 1 (1-byte stream ID), with a 2-byte offset field when `offset` is set and a
// data length field when `withLength`, integers in the version's byte order.
Bytes streamFrame(std::span<const uint8_t> data, uint64_t offset, bool withLength, bool bigEndian) {
  Bytes b;
  const bool hasOffset = offset != 0;
  b.push_back(static_cast<uint8_t>(0x80 | (withLength ? 0x20 : 0) | (hasOffset ? 1 << 2 : 0)));
  b.push_back(1);
  auto put = [&](uint64_t v, size_t n) { bigEndian ? appendBe(b, v, n) : appendLe(b, v, n); };
  if (hasOffset) put(offset, 2);
  if (withLength) put(data.size(), 2);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// A client packet with a public header: flags 0x0d (version, 8-byte connection ID, 1-byte packet
// number), the message hash (not checked: zeros), the private flags before Q034, then `frames`.
Bytes publicHeaderPacket(uint32_t version, const Bytes& frames, uint8_t packetNumber = 1) {
  Bytes b{0x0d, 1, 2, 3, 4, 5, 6, 7, 8};
  appendBe(b, version, 4);
  b.push_back(packetNumber);
  b.insert(b.end(), 12, 0);
  if (quic::googleVersionNumber(version) < 34) b.push_back(0);
  b.insert(b.end(), frames.begin(), frames.end());
  return b;
}

// A client packet with Q046's long header: type (0 Initial, 1 0-RTT), 4-byte packet number, DCID of 8
// bytes (DCIL 5), no SCID, then the hash and `frames`.
Bytes longHeaderPacket(uint32_t version, const Bytes& frames, uint8_t type = 0) {
  Bytes b{static_cast<uint8_t>(0xc3 | (type << 4))};
  appendBe(b, version, 4);
  b.push_back(0x50);
  for (uint8_t i = 1; i <= 8; ++i) b.push_back(i);
  appendBe(b, 1, 4);
  b.insert(b.end(), 12, 0);
  b.insert(b.end(), frames.begin(), frames.end());
  return b;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct SessionRun {
  quic::QuicSession session;
  MemoryAccount account;
  std::vector<uint8_t> scratch = std::vector<uint8_t>(65536);
  uint8_t send(bool fromClient, const Bytes& datagram, PacketTime t = 1) {
    return session.onDatagram(fromClient, datagram, t, scratch, account);
  }
};

TEST(GoogleQuicVersion, NamesAndNumbers) {
  EXPECT_TRUE(quic::isGoogleVersion(kQ025));
  EXPECT_TRUE(quic::isGoogleVersion(kT051));
  EXPECT_FALSE(quic::isGoogleVersion(0x51313030));  // "Q100"
  EXPECT_FALSE(quic::isGoogleVersion(0x5130344a));  // "Q04J"
  EXPECT_FALSE(quic::isGoogleVersion(quic::kVersion1));
  EXPECT_EQ(quic::googleVersionNumber(kQ046), 46);
  EXPECT_EQ(quic::googleVersionNumber(kT051), 51);
  EXPECT_EQ(quic::versionName(kQ025), "Q025");
  EXPECT_EQ(quic::versionName(kQ046), "Q046");
  EXPECT_EQ(quic::versionName(kQ050), "Q050");
  EXPECT_EQ(quic::versionName(kT051), "T051");
  EXPECT_EQ(quic::versionName(0x54303939), "T099");
  EXPECT_EQ(quic::versionName(0x51303030), "Q000");
  EXPECT_TRUE(quic::googleHelloReadable(kQ046));
  EXPECT_FALSE(quic::googleHelloReadable(kQ050));
  EXPECT_FALSE(quic::googleHelloReadable(0x54303436));  // "T046": TLS inside gQUIC
}

TEST(GoogleQuicHeader, PublicHeader) {
  const Bytes frames = streamFrame(chlo("example.com", "ua"), 0, false, false);
  const Bytes packet = publicHeaderPacket(kQ025, frames);
  quic::GoogleHeader h;
  ASSERT_TRUE(quic::parseGoogleHeader(packet, h));
  EXPECT_EQ(h.version, kQ025);
  EXPECT_TRUE(h.cleartext);
  EXPECT_EQ(h.packetNumberLength, 1);
  // Q025 (before Q034): hash and private flags, then the frames.
  auto f = quic::googleFrames(h);
  EXPECT_TRUE(std::equal(f.begin(), f.end(), frames.begin(), frames.end()));

  Bytes p = packet;
  p[0] = 0x0c;  // no version flag: a later packet
  EXPECT_FALSE(quic::parseGoogleHeader(p, h));
  p[0] = 0x0f;  // reset flag
  EXPECT_FALSE(quic::parseGoogleHeader(p, h));
  p[0] = 0x05;  // no 8-byte connection ID
  EXPECT_FALSE(quic::parseGoogleHeader(p, h));
  p[0] = 0x4d;  // IETF fixed bit: a short header
  EXPECT_FALSE(quic::parseGoogleHeader(p, h));
  p = packet;
  p[9] = 'T';  // T0xx never used the public header
  EXPECT_FALSE(quic::parseGoogleHeader(p, h));
  p = packet;
  p[0] = 0x3d;  // 6-byte packet number
  ASSERT_TRUE(quic::parseGoogleHeader(p, h));
  EXPECT_EQ(h.packetNumberLength, 6);
  EXPECT_FALSE(quic::parseGoogleHeader(std::span<const uint8_t>(packet).first(13), h));
}

TEST(GoogleQuicHeader, Q046LongHeader) {
  const Bytes frames = streamFrame(chlo("example.com", "ua"), 0, true, true);
  const Bytes initial = longHeaderPacket(kQ046, frames);
  quic::GoogleHeader h;
  ASSERT_TRUE(quic::parseGoogleHeader(initial, h));
  EXPECT_EQ(h.version, kQ046);
  EXPECT_TRUE(h.cleartext);
  EXPECT_EQ(h.packetNumberLength, 4);
  auto f = quic::googleFrames(h);  // no private flags since Q034
  EXPECT_TRUE(std::equal(f.begin(), f.end(), frames.begin(), frames.end()));

  const Bytes zeroRtt = longHeaderPacket(kQ046, frames, 1);
  ASSERT_TRUE(quic::parseGoogleHeader(zeroRtt, h));
  EXPECT_EQ(h.version, kQ046);
  EXPECT_FALSE(h.cleartext);
  EXPECT_TRUE(quic::googleFrames(h).empty());

  Bytes p = initial;
  p[5] = 0xf0;  // an 18-byte DCID: past the end
  EXPECT_FALSE(quic::parseGoogleHeader(std::span<const uint8_t>(p).first(20), h));
  p = initial;
  p[0] = 0x83;  // no fixed bit
  EXPECT_FALSE(quic::parseGoogleHeader(p, h));
  p = initial;
  p[1] = 0;  // version 0x00303436: not Google
  EXPECT_FALSE(quic::parseGoogleHeader(p, h));
}

TEST(GoogleQuicHeader, IetfInvariantFormVersionOnly) {
  for (uint32_t version : {kQ050, kT051}) {
    Bytes p{0xc3};
    appendBe(p, version, 4);
    p.push_back(8);
    for (uint8_t i = 0; i < 8; ++i) p.push_back(i);
    p.push_back(0);
    p.insert(p.end(), 40, 0xaa);  // token length, length, protected payload
    quic::GoogleHeader h;
    ASSERT_TRUE(quic::parseGoogleHeader(p, h));
    EXPECT_EQ(h.version, version);
    EXPECT_FALSE(h.cleartext);
    EXPECT_TRUE(quic::QuicSession::looksLikeQuic(p));
  }
}

TEST(GoogleQuicFrames, AcksStopWaitingAndStreamsInBothByteOrders) {
  const Bytes message = chlo("a.example", "ua");
  // Q039+: big-endian. ACK 0x60 (more blocks, 1-byte fields): largest 1, delay 2, 1 block, first
  // block 1, block (gap, length), 1 timestamp (delta, 4-byte time); STOP_WAITING (4-byte delta); PING;
  // WINDOW_UPDATE; BLOCKED; stream 3 (not the crypto stream); stream 1; PADDING.
  Bytes be{0x60, 9, 0, 0, 1, 3, 1, 1, 1, 1, 0, 0, 0, 0};
  be.insert(be.end(), {0x06, 0, 0, 0, 1, 0x07, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0x05, 0, 0, 0, 1});
  Bytes other = streamFrame(Bytes{1, 2, 3}, 0, true, true);
  other[1] = 3;
  Bytes frames = concat({be, other, streamFrame(message, 0, true, true), Bytes{0, 0, 0}});
  quic::GoogleCryptoData data;
  EXPECT_TRUE(quic::readGoogleFrames(frames, kQ039, 4, data));
  ASSERT_EQ(data.size, 1u);
  EXPECT_EQ(data.values[0].offset, 0u);
  EXPECT_TRUE(
      std::equal(data.values[0].data.begin(), data.values[0].data.end(), message.begin(), message.end()));

  // Before Q034, little-endian: ACK 0x40 (entropy, largest, delay, no timestamps), STOP_WAITING with
  // its entropy byte, then a stream frame at offset 0x0102 with a length.
  Bytes le{0x40, 7, 9, 0, 0, 0, 0x06, 1, 1};
  frames = concat({le, streamFrame(message, 0x0102, true, false)});
  data = {};
  EXPECT_TRUE(quic::readGoogleFrames(frames, kQ025, 1, data));
  ASSERT_EQ(data.size, 1u);
  EXPECT_EQ(data.values[0].offset, 0x0102u);
  EXPECT_EQ(data.values[0].data.size(), message.size());

  // Truncated frames stop the walk; what came before is kept.
  Bytes cut = concat({streamFrame(message, 0, true, true), Bytes{0x60, 9}});
  data = {};
  EXPECT_FALSE(quic::readGoogleFrames(cut, kQ046, 4, data));
  EXPECT_EQ(data.size, 1u);
  Bytes lengthPastEnd = streamFrame(message, 0, true, true);
  lengthPastEnd.resize(lengthPastEnd.size() - 1);
  data = {};
  EXPECT_FALSE(quic::readGoogleFrames(lengthPastEnd, kQ046, 4, data));
  EXPECT_EQ(data.size, 0u);
  data = {};
  EXPECT_FALSE(quic::readGoogleFrames(Bytes{0x02, 0, 0, 0, 0}, kQ046, 4, data));  // CONNECTION_CLOSE
}

TEST(GoogleQuicChlo, ParsesTagsAndRejectsInconsistentMessages) {
  const Bytes message = chlo("www.google.it", "Chrome/46.0.2490.80 Linux x86_64");
  EXPECT_EQ(quic::googleMessageLength(message), message.size());
  EXPECT_EQ(quic::googleMessageLength(std::span<const uint8_t>(message).first(7)), 0u);
  EXPECT_EQ(quic::googleMessageLength(std::span<const uint8_t>(message).first(20)), 0u);  // entries cut
  quic::GoogleClientHello hello;
  ASSERT_TRUE(quic::parseGoogleClientHello(message, hello));
  EXPECT_EQ(hello.sni, "www.google.it");
  EXPECT_EQ(hello.userAgent, "Chrome/46.0.2490.80 Linux x86_64");

  EXPECT_FALSE(
      quic::parseGoogleClientHello(std::span<const uint8_t>(message).first(message.size() - 1), hello));
  Bytes rej = message;
  std::copy_n("REJ\0", 4, rej.begin());
  EXPECT_FALSE(quic::parseGoogleClientHello(rej, hello));
  Bytes decreasing = message;
  decreasing[8 + 8 + 4] = 0;  // second entry ends before the first
  EXPECT_FALSE(quic::parseGoogleClientHello(decreasing, hello));
  Bytes tooMany = message;
  tooMany[4] = 0xff;
  EXPECT_EQ(quic::googleMessageLength(tooMany), UINT64_MAX);
  EXPECT_FALSE(quic::parseGoogleClientHello(tooMany, hello));
  const Bytes empty = gquicMessage("CHLO", {});
  ASSERT_TRUE(quic::parseGoogleClientHello(empty, hello));
  EXPECT_TRUE(hello.sni.empty());
}

TEST(GoogleQuicSession, Q025ChloInPublicHeaderPacket) {
  SessionRun run;
  const Bytes packet =
      publicHeaderPacket(kQ025, streamFrame(chlo("www.google.it", "Chrome/46 Linux"), 0, false, false));
  ASSERT_TRUE(quic::QuicSession::looksLikeQuic(packet));
  EXPECT_EQ(run.send(true, packet, 5), quic::event::kGoogleHello);
  const auto& info = run.session.info();
  EXPECT_EQ(info.version, kQ025);
  EXPECT_TRUE(info.hasGoogleHello);
  EXPECT_FALSE(info.hasClientHello);
  EXPECT_EQ(info.client.sni, "www.google.it");
  EXPECT_EQ(info.userAgent, "Chrome/46 Linux");
  EXPECT_EQ(info.clientHelloTime, 5);
  EXPECT_EQ(info.clientInitials, 1u);
  EXPECT_TRUE(run.session.finished());
  EXPECT_EQ(run.account.bytes, 0);
}

TEST(GoogleQuicSession, Q046ChloSplitOverPacketsOutOfOrder) {
  SessionRun run;
  const Bytes message = chlo("i.ytimg.com", "Chrome/80.0.3987.132 Windows NT 6.3; Win64; x64");
  const size_t half = 30;  // inside the entries: the message's length is not known from the first half
  const Bytes first(message.begin(), message.begin() + half);
  const Bytes second(message.begin() + half, message.end());
  const Bytes a = longHeaderPacket(kQ046, streamFrame(first, 0, true, true));
  const Bytes b = longHeaderPacket(kQ046, concat({Bytes{0x07}, streamFrame(second, half, true, true)}));
  EXPECT_EQ(run.send(true, b, 1), 0);
  EXPECT_EQ(run.session.info().version, kQ046);
  EXPECT_FALSE(run.session.finished());
  EXPECT_GT(run.account.bytes, 0);  // the second half waits in the reassembly buffer
  EXPECT_EQ(run.send(false, longHeaderPacket(kQ046, Bytes{}, 2), 2), 0);  // the server's: ignored
  EXPECT_EQ(run.send(true, a, 3), quic::event::kGoogleHello);
  EXPECT_EQ(run.session.info().client.sni, "i.ytimg.com");
  EXPECT_EQ(run.session.info().userAgent, "Chrome/80.0.3987.132 Windows NT 6.3; Win64; x64");
  EXPECT_EQ(run.session.info().clientHelloTime, 3);
  EXPECT_TRUE(run.session.finished());
  EXPECT_EQ(run.account.bytes, 0);
}

TEST(GoogleQuicSession, SniValueSplitAcrossFrames) {
  // The message's SNI value itself is cut between two STREAM frames of one packet.
  SessionRun run;
  const Bytes message = chlo("split.example.org", "ua");
  const size_t cut = 8 + 5 * 8 + 5;  // five bytes into the SNI value
  const Bytes frames = concat({streamFrame(Bytes(message.begin(), message.begin() + cut), 0, true, true),
                               streamFrame(Bytes(message.begin() + cut, message.end()), cut, true, true)});
  EXPECT_EQ(run.send(true, longHeaderPacket(kQ046, frames)), quic::event::kGoogleHello);
  EXPECT_EQ(run.session.info().client.sni, "split.example.org");
  EXPECT_EQ(run.account.bytes, 0);
}

TEST(GoogleQuicSession, UnreadableVersionsEndAtTheVersion) {
  SessionRun run;
  Bytes p{0xc3};
  appendBe(p, kT051, 4);
  p.push_back(8);
  p.insert(p.end(), 8, 1);
  p.push_back(0);
  p.insert(p.end(), 1200, 0xaa);
  EXPECT_EQ(run.send(true, p), quic::event::kGoogleVersion);
  EXPECT_EQ(run.session.info().version, kT051);
  EXPECT_FALSE(run.session.info().hasGoogleHello);
  EXPECT_TRUE(run.session.finished());
}

TEST(GoogleQuicSession, GivesUpWithoutChlo) {
  // A REJ as first message of stream 1: not a CHLO, the session ends.
  SessionRun rejected;
  const Bytes rej = gquicMessage("REJ", {{"STK", "token"}});
  EXPECT_EQ(rejected.send(true, publicHeaderPacket(kQ039, streamFrame(rej, 0, false, true))), 0);
  EXPECT_FALSE(rejected.session.info().hasGoogleHello);
  EXPECT_TRUE(rejected.session.finished());

  // Client packets without version after the first: given up after maxGooglePackets.
  quic::QuicSession::Options options;
  options.maxGooglePackets = 3;
  quic::QuicSession session(options);
  MemoryAccount account;
  std::vector<uint8_t> scratch(65536);
  const Bytes zeroRtt = longHeaderPacket(kQ046, Bytes{0xaa, 0xbb}, 1);
  session.onDatagram(true, zeroRtt, 1, scratch, account);
  EXPECT_EQ(session.info().version, kQ046);
  Bytes shortHeader{0x43, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 0xaa};
  for (int i = 0; i < 3; ++i) session.onDatagram(true, shortHeader, 2 + i, scratch, account);
  EXPECT_FALSE(session.finished());
  session.onDatagram(true, shortHeader, 9, scratch, account);
  EXPECT_TRUE(session.finished());
  EXPECT_EQ(account.bytes, 0);

  // A stream 1 message larger than the reassembly limit fails the stream.
  SessionRun large;
  Bytes huge = gquicMessage("CHLO", {{"PAD", std::string(40, '-')}});
  huge[8 + 4] = 0xff;  // claims 0x...ff bytes of values
  huge[8 + 6] = 0x01;
  EXPECT_EQ(large.send(true, longHeaderPacket(kQ046, streamFrame(huge, 0, true, true))), 0);
  EXPECT_TRUE(large.session.finished());
  EXPECT_EQ(large.account.bytes, 0);
}

TEST(GoogleQuicSession, IetfConnectionsAreNotReadAsGoogle) {
  // After an IETF version, a datagram that would parse as gQUIC is not taken for it.
  SessionRun run;
  Bytes v1{0xc0};
  appendBe(v1, quic::kVersion1, 4);
  v1.push_back(8);
  v1.insert(v1.end(), 8, 7);
  v1.push_back(0);
  v1.push_back(0);   // token length
  v1.push_back(20);  // length
  v1.insert(v1.end(), 20, 0);
  run.send(true, v1);
  EXPECT_EQ(run.session.info().version, quic::kVersion1);
  const Bytes gquic = publicHeaderPacket(kQ025, streamFrame(chlo("x", "y"), 0, false, false));
  EXPECT_EQ(run.send(true, gquic), 0);
  EXPECT_EQ(run.session.info().version, quic::kVersion1);
  EXPECT_FALSE(run.session.info().hasGoogleHello);
  run.session.release(run.account);
  EXPECT_EQ(run.account.bytes, 0);
}

TEST(GoogleQuicCryptoStream, GoogleFramingTakesTheLengthFromTheEntries) {
  const Bytes message = chlo("stream.example", "ua");
  quic::QuicCryptoStream crypto(4096);
  crypto.setFraming(quic::QuicCryptoStream::Framing::kGoogle);
  MemoryAccount account;
  crypto.add(20, std::span<const uint8_t>(message).subspan(20), account);
  EXPECT_EQ(crypto.state(), quic::QuicCryptoStream::State::kCollecting);
  crypto.add(0, std::span<const uint8_t>(message).first(10), account);  // entries not yet all in
  EXPECT_EQ(crypto.state(), quic::QuicCryptoStream::State::kCollecting);
  crypto.add(10, std::span<const uint8_t>(message).subspan(10, 10), account);
  ASSERT_EQ(crypto.state(), quic::QuicCryptoStream::State::kComplete);
  auto m = crypto.message();
  EXPECT_TRUE(std::equal(m.begin(), m.end(), message.begin(), message.end()));
  crypto.release(account);
  EXPECT_EQ(account.bytes, 0);
}

}  // namespace
}  // namespace netmeter::test
