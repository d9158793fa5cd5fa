// extract(): the capture window, limits, stop, connection state for serverport, L7 skipping.
#include "capture/extraction.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "decode/decoder.h"
#include "io/capture_files.h"
#include "support/synthetic_source.h"

namespace netmeter::capture {
namespace {

using test::kTestEpoch;

filter::Filter compile(const char* expression) {
  auto r = filter::Filter::compile(expression);
  EXPECT_TRUE(r.ok()) << r.error.toString();
  return std::move(*r.filter);
}

struct CaptureRun {
  ExtractionResult result;
  std::vector<RawPacket> packets;  // read back from the output
  std::vector<std::vector<uint8_t>> storage;
};

CaptureRun runCapture(test::SyntheticSource& source, std::optional<filter::Filter> f,
                      const ExtractionOptions& options = {}) {
  CaptureRun run;
  std::vector<uint8_t> bytes;
  SinkTarget target;
  target.callback = [&](const uint8_t* d, size_t n) {
    bytes.insert(bytes.end(), d, d + n);
    return true;
  };
  std::string error;
  auto sink = CaptureSink::create(target, {}, source.interfaces(), error);
  EXPECT_NE(sink, nullptr) << error;
  PacketSelector selector(std::move(f));
  run.result = extract(source, selector, *sink, options);
  EXPECT_TRUE(sink->close());
  auto opened = openCaptureMemory(bytes.data(), bytes.size());
  EXPECT_TRUE(opened.ok());
  RawPacket p;
  while (opened.source->next(p) == ReadStatus::kPacket) {
    run.storage.emplace_back(p.data, p.data + p.capturedLength);
    run.packets.push_back(p);
  }
  return run;
}

// Ten UDP packets, one per second, alternating between two hosts.
test::SyntheticSource tenPackets() {
  test::SyntheticSource s;
  for (int i = 0; i < 10; ++i) {
    test::FrameSpec f;
    f.l4Protocol = 17;
    f.srcIp = i % 2 == 0 ? "10.0.0.1" : "10.0.0.9";
    f.dstPort = uint16_t(1000 + i);
    s.add(test::buildFrame(f), kTestEpoch + i * kNanosPerSecond);
  }
  return s;
}

TEST(Extraction, FilterSelectsAndCountsIgnored) {
  auto source = tenPackets();
  const CaptureRun run = runCapture(source, compile("ip == 10.0.0.1 and l4Protocol == UDP"));
  EXPECT_EQ(run.result.counters.captured, 5u);
  EXPECT_EQ(run.result.counters.ignored, 5u);
  EXPECT_EQ(run.result.counters.read, 10u);
  EXPECT_EQ(run.result.reason, StopReason::kEndOfInput);
  ASSERT_EQ(run.packets.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(run.packets[i].timestamp, kTestEpoch + PacketTime(2 * i) * kNanosPerSecond);
}

TEST(Extraction, NoFilterTakesEverything) {
  auto source = tenPackets();
  const CaptureRun run = runCapture(source, std::nullopt);
  EXPECT_EQ(run.result.counters.captured, 10u);
}

TEST(Extraction, WindowStartsAtFirstPacketAtOrAfterStartAndStopsAtEnd) {
  auto source = tenPackets();
  ExtractionOptions o;
  o.window.start = kTestEpoch + 3 * kNanosPerSecond;
  o.window.end = kTestEpoch + 7 * kNanosPerSecond;
  const CaptureRun run = runCapture(source, std::nullopt, o);
  ASSERT_EQ(run.packets.size(), 4u);
  EXPECT_EQ(run.packets.front().timestamp, kTestEpoch + 3 * kNanosPerSecond);
  EXPECT_EQ(run.packets.back().timestamp, kTestEpoch + 6 * kNanosPerSecond);
  EXPECT_EQ(run.result.reason, StopReason::kEndTime);
  EXPECT_EQ(run.result.counters.read, 8u);  // stopped at the packet of second 7
}

TEST(Extraction, OnceStartedOutOfOrderPacketsAreKept) {
  test::SyntheticSource s;
  const auto frame = test::buildFrame({});
  s.add(frame, kTestEpoch + 1 * kNanosPerSecond);
  s.add(frame, kTestEpoch + 3 * kNanosPerSecond);
  s.add(frame, kTestEpoch + 2 * kNanosPerSecond);  // before the start, but after the packet that started the capture
  ExtractionOptions o;
  o.window.start = kTestEpoch + 3 * kNanosPerSecond;
  const CaptureRun run = runCapture(s, std::nullopt, o);
  ASSERT_EQ(run.packets.size(), 2u);
  EXPECT_EQ(run.packets[1].timestamp, kTestEpoch + 2 * kNanosPerSecond);
}

TEST(Extraction, Limits) {
  {
    auto source = tenPackets();
    ExtractionOptions o;
    o.limits.maxPackets = 3;
    const CaptureRun run = runCapture(source, std::nullopt, o);
    EXPECT_EQ(run.packets.size(), 3u);
    EXPECT_EQ(run.result.reason, StopReason::kPacketLimit);
  }
  {
    auto source = tenPackets();
    ExtractionOptions o;
    o.limits.maxDuration = 4 * kNanosPerSecond;  // seconds 0..3 since the capture started
    const CaptureRun run = runCapture(source, std::nullopt, o);
    EXPECT_EQ(run.packets.size(), 4u);
    EXPECT_EQ(run.result.reason, StopReason::kDurationLimit);
  }
  {
    auto source = tenPackets();
    ExtractionOptions o;
    o.limits.maxBytes = 1;  // crossed by the first packet
    const CaptureRun run = runCapture(source, std::nullopt, o);
    EXPECT_EQ(run.packets.size(), 1u);
    EXPECT_EQ(run.result.reason, StopReason::kByteLimit);
  }
}

TEST(Extraction, StopFlagEndsTheExtraction) {
  test::SyntheticSource s;
  const auto frame = test::buildFrame({});
  for (int i = 0; i < 5000; ++i) s.add(frame, kTestEpoch + i);
  std::atomic<bool> stop{true};
  ExtractionOptions o;
  o.stop = &stop;
  const CaptureRun run = runCapture(s, std::nullopt, o);
  EXPECT_EQ(run.result.reason, StopReason::kStopped);
  EXPECT_LT(run.packets.size(), 1024u);
}

// A TCP connection whose client uses port 80 and whose server listens on 5000: the handshake decides.
test::SyntheticSource reversedPortsConnection() {
  test::SyntheticSource s;
  auto add = [&](bool fromClient, uint8_t flags, PacketTime t) {
    test::FrameSpec f;
    f.srcIp = fromClient ? "10.0.0.1" : "10.0.0.2";
    f.dstIp = fromClient ? "10.0.0.2" : "10.0.0.1";
    f.srcPort = fromClient ? 80 : 5000;
    f.dstPort = fromClient ? 5000 : 80;
    f.tcpFlags = flags;
    s.add(test::buildFrame(f), t);
  };
  add(true, 0x02, kTestEpoch);                         // SYN
  add(false, 0x12, kTestEpoch + 1000);                 // SYN-ACK
  add(true, 0x10, kTestEpoch + 2000);                  // ACK
  add(false, 0x18, kTestEpoch + 3 * kNanosPerSecond);  // PSH-ACK
  return s;
}

TEST(Extraction, ServerPortFollowsTheConnectionNotThePacket) {
  {
    auto source = reversedPortsConnection();
    const CaptureRun run = runCapture(source, compile("serverport == 5000"));
    EXPECT_EQ(run.packets.size(), 4u);
  }
  {
    auto source = reversedPortsConnection();
    const CaptureRun run = runCapture(source, compile("serverport == 80"));
    EXPECT_EQ(run.packets.size(), 0u);
  }
  {
    // Packet by packet (no connection state), the ACKs would be decided by the lower port: 80.
    auto source = reversedPortsConnection();
    RawPacket raw;
    source.next(raw);
    source.next(raw);
    source.next(raw);
    DecodedPacket d;
    decodePacket(raw, d);
    auto f = compile("serverport == 80");
    EXPECT_EQ(f.match(filter::PacketView{d, raw.data, nullptr}), filter::Match::kYes);
  }
  {
    // Packets before the window still teach the selector who the server is.
    auto source = reversedPortsConnection();
    ExtractionOptions o;
    o.window.start = kTestEpoch + 2000;
    const CaptureRun run = runCapture(source, compile("serverport == 5000"), o);
    EXPECT_EQ(run.packets.size(), 2u);
  }
}

TEST(Extraction, UnclassifiedL7PacketsAreSkipped) {
  auto source = tenPackets();
  const CaptureRun run = runCapture(source, compile("l7Protocol == DNS"));
  EXPECT_EQ(run.result.counters.captured, 0u);
  EXPECT_EQ(run.result.counters.skipped, 10u);
  EXPECT_EQ(run.result.counters.ignored, 0u);
  // `and` with a false clause decides without the L7 result.
  auto again = tenPackets();
  const CaptureRun mixed = runCapture(again, compile("ip == 10.0.0.1 and l7Protocol == DNS"));
  EXPECT_EQ(mixed.result.counters.ignored, 5u);
  EXPECT_EQ(mixed.result.counters.skipped, 5u);
}

}  // namespace
}  // namespace netmeter::capture
