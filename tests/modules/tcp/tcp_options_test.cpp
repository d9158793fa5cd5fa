#include "decode/tcp_options.h"

#include <gtest/gtest.h>

#include <vector>

#include "decode/decoder.h"
#include "support/packet_builder.h"

namespace netmeter {
namespace {

TcpOptions parse(const std::vector<uint8_t>& bytes) {
  // Exactly sized heap copy so that ASan sees any read past the end.
  auto* copy = new uint8_t[bytes.size() + 1];
  std::copy(bytes.begin(), bytes.end(), copy);
  const TcpOptions o = parseTcpOptions(bytes.empty() ? nullptr : copy, bytes.size());
  delete[] copy;
  return o;
}

TEST(TcpOptions, TypicalSyn) {
  // MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (Linux).
  const auto o = parse({2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
  EXPECT_EQ(o.mss, 1460);
  EXPECT_EQ(o.windowScale, 7);
  EXPECT_TRUE(o.sackPermitted);
  EXPECT_FALSE(o.malformed);
}

TEST(TcpOptions, ScaleAbove14IsClamped) { EXPECT_EQ(parse({3, 3, 200}).windowScale, 14); }

TEST(TcpOptions, EndOfListStops) {
  const auto o = parse({0, 2, 4, 1, 0});
  EXPECT_EQ(o.mss, 0);
  EXPECT_FALSE(o.malformed);
}

TEST(TcpOptions, MalformedLengthsKeepEarlierOptions) {
  EXPECT_TRUE(parse({2}).malformed);                 // kind without length
  EXPECT_TRUE(parse({2, 1}).malformed);              // length < 2
  EXPECT_TRUE(parse({2, 4, 0x05}).malformed);        // runs past the end
  const auto o = parse({3, 3, 5, 8, 40, 1, 2});      // window scale, then a truncated timestamp
  EXPECT_EQ(o.windowScale, 5);
  EXPECT_TRUE(o.malformed);
  EXPECT_EQ(parse({2, 3, 5}).mss, 0);                // MSS with a wrong length is ignored
  EXPECT_FALSE(parse({}).malformed);
}

TEST(TcpOptions, EveryTruncationIsSafe) {
  const std::vector<uint8_t> full = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  for (size_t n = 0; n <= full.size(); ++n) parse(std::vector<uint8_t>(full.begin(), full.begin() + n));
}

TEST(TcpOptions, DecoderFillsSynOptionsOnly) {
  test::FrameSpec spec;
  spec.tcpFlags = 0x02;
  auto frame = test::buildFrame(spec);
  // The builder writes a 20-byte TCP header: append 4 bytes of MSS option and fix the lengths.
  const size_t tcpStart = 14 + 20;
  frame.insert(frame.begin() + tcpStart + 20, {2, 4, 0x02, 0x18});
  frame[tcpStart + 12] = 6 << 4;
  const uint16_t total = static_cast<uint16_t>(frame.size() - 14);
  frame[16] = total >> 8;
  frame[17] = total & 0xff;
  DecodedPacket p;
  decodePacket(test::rawPacket(frame, 0), p);
  ASSERT_TRUE(p.isTcp());
  EXPECT_EQ(p.tcpSynOptions.mss, 536);
  frame[tcpStart + 13] = 0x10;  // ACK only: options are not parsed
  DecodedPacket q;
  decodePacket(test::rawPacket(frame, 0), q);
  EXPECT_EQ(q.tcpSynOptions.mss, 0);
}

// A SYN whose options the snap length cut (zeek's truncated-header.pcap: 68 bytes): the MSS and
// SACK-permitted captured are the SYN's, as tshark reads them; the window scale was not captured.
TEST(TcpOptions, SnapLengthCutSynKeepsTheOptionsCaptured) {
  test::FrameSpec spec;
  spec.tcpFlags = 0x02;
  auto frame = test::buildFrame(spec);
  const size_t tcpStart = 14 + 20;
  // MSS 1460, SACK-permitted, timestamps, NOP, window scale 7: a 40-byte header.
  frame.insert(frame.begin() + tcpStart + 20,
               {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
  frame[tcpStart + 12] = 10 << 4;
  const uint16_t total = static_cast<uint16_t>(frame.size() - 14);
  frame[16] = total >> 8;
  frame[17] = total & 0xff;
  RawPacket raw = test::rawPacket(frame, 0);
  raw.capturedLength = 68;  // 14 bytes of options captured: MSS, SACK-permitted, part of timestamps
  DecodedPacket p;
  decodePacket(raw, p);
  EXPECT_EQ(p.malformed, MalformedReason::kTruncatedTcp);
  EXPECT_EQ(p.tcpSynOptions.mss, 1460);
  EXPECT_TRUE(p.tcpSynOptions.sackPermitted);
  EXPECT_EQ(p.tcpSynOptions.windowScale, kNoWindowScale);
}

}  // namespace
}  // namespace netmeter
