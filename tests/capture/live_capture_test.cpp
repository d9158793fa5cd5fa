#include "engine/live_capture.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "capture/extraction.h"
#include "capture/packet_selector.h"
#include "engine/capture_ring.h"
#include "engine/engine.h"
#include "support/packet_builder.h"
#include "support/synthetic_source.h"

namespace netmeter {
namespace {

constexpr PacketTime kT0 = 1'700'000'000 * kNanosPerSecond;

TEST(CaptureRing, KeepsOrderAcrossWrapAndRefusesWhenFull) {
  CaptureRing ring(4096);
  EXPECT_EQ(ring.capacity(), 4096u);
  std::vector<uint8_t> data(300);
  uint64_t pushed = 0, popped = 0;
  // Many rounds of filling and draining with odd sizes: records wrap around the end many times.
  for (int round = 0; round < 50; ++round) {
    for (;;) {
      CapturedPacketHeader h;
      h.seq = pushed;
      h.capturedLength = uint32_t((pushed * 37) % 300);
      for (uint32_t i = 0; i < h.capturedLength; ++i) data[i] = uint8_t(pushed + i);
      if (!ring.push(h, data.data())) break;
      ++pushed;
    }
    EXPECT_FALSE(ring.empty());
    const size_t take = round % 2 == 0 ? 3 : 1000;
    for (size_t k = 0; k < take; ++k) {
      const uint8_t* d = nullptr;
      const CapturedPacketHeader* h = ring.front(&d);
      if (h == nullptr) break;
      ASSERT_EQ(h->seq, popped);
      ASSERT_EQ(h->capturedLength, uint32_t((popped * 37) % 300));
      for (uint32_t i = 0; i < h->capturedLength; ++i) ASSERT_EQ(d[i], uint8_t(popped + i));
      ring.pop();
      ++popped;
    }
  }
  EXPECT_GT(pushed, 500u);
  // A record larger than the ring never fits.
  CapturedPacketHeader big;
  big.capturedLength = 5000;
  std::vector<uint8_t> bigData(5000);
  EXPECT_FALSE(ring.push(big, bigData.data()));
}

// Many connections, DNS and TLS, spread over seconds (as the engine tests use).
test::SyntheticSource traffic() {
  test::SyntheticSource src;
  PacketTime t = kT0;
  for (int i = 0; i < 4000; ++i) {
    test::FrameSpec s;
    const int host = i % 97, server = i % 13;
    s.srcIp = (i % 5 == 0 ? "2001:db8::" : "10.1.0.") + std::to_string(host + 1);
    s.dstIp = (i % 5 == 0 ? "2001:db8:1::" : "192.168.0.") + std::to_string(server + 1);
    s.srcPort = uint16_t(30000 + i % 211);
    s.dstPort = i % 3 == 0 ? 53 : 443;
    s.l4Protocol = i % 3 == 0 ? 17 : 6;
    s.tcpFlags = i % 7 == 0 ? tcpflag::kSyn : tcpflag::kAck;
    s.vlan = i % 4 == 0 ? uint16_t(10 + i % 3) : 0xffff;
    s.payload = uint32_t(i % 1400);
    s.srcMac = 0x001b21000000ULL + uint64_t(host);
    if (i % 2 == 1) {
      std::swap(s.srcIp, s.dstIp);
      std::swap(s.srcPort, s.dstPort);
      std::swap(s.srcMac, s.dstMac);
    }
    src.add(test::buildFrame(s), t);
    t += 3 * kNanosPerMilli + (i % 17) * 1000;
  }
  return src;
}

struct Packet {
  PacketTime t;
  uint32_t original;
  std::vector<uint8_t> bytes;
  bool operator==(const Packet&) const = default;
};

class Collector final : public capture::PacketOutput {
 public:
  bool write(const RawPacket& p, const std::vector<InterfaceInfo>&, uint32_t snap) override {
    const uint32_t n = snap != 0 ? std::min(snap, p.capturedLength) : p.capturedLength;
    packets.push_back({p.timestamp, p.originalLength, std::vector<uint8_t>(p.data, p.data + n)});
    bytes += n;
    return true;
  }
  bool flush() override { return true; }
  const std::string& error() const override { return error_; }
  uint64_t bytesWritten() const override { return bytes; }
  uint64_t packetBytes() const override { return bytes; }
  std::vector<Packet> packets;
  uint64_t bytes = 0;
  std::string error_;
};

filter::Filter compile(const std::string& text) {
  auto r = filter::Filter::compile(text, capture::captureCompileOptions());
  EXPECT_TRUE(r.ok()) << r.error.toString();
  return *r.filter;
}

// The reference result: the offline extraction over the same packets.
std::vector<Packet> offline(const std::string& expression, PacketTime start, PacketTime end, uint32_t snap) {
  auto source = traffic();
  capture::PacketSelector selector(compile(expression));
  Collector out;
  capture::ExtractionOptions options;
  options.window = {start, end};
  options.snapLength = snap;
  capture::extract(source, selector, out, options);
  return out.packets;
}

// Runs the engine with a live capture attached before the first packet; the consumer drains it
// while the engine runs (or only afterwards when `readLate`).
std::vector<Packet> live(unsigned threads, const std::string& expression, PacketTime start, PacketTime end,
                         uint32_t snap, size_t ringBytes, bool readLate, uint64_t& dropped) {
  auto source = traffic();
  EngineOptions options;
  options.threads = threads;
  Engine engine(options);
  LiveCaptureSpec spec;
  spec.filter = compile(expression);
  spec.start = start;
  spec.end = end;
  spec.snapLength = snap;
  spec.ringBytesPerWorker = ringBytes;
  auto capture = std::make_shared<LiveCapture>(std::move(spec), threads);
  EXPECT_TRUE(engine.attachCapture(capture));
  std::thread runner([&] { engine.run(source); });
  if (readLate) runner.join();
  std::vector<Packet> packets;
  uint64_t lastSeq = 0;
  for (;;) {
    CapturedPacketHeader h;
    const uint8_t* data = nullptr;
    const auto r = capture->next(h, data);
    if (r == LiveCapture::Next::kEnd) break;
    if (r == LiveCapture::Next::kWait) {
      std::this_thread::yield();
      continue;
    }
    if (!packets.empty()) {
      EXPECT_GT(h.seq, lastSeq);
    }
    lastSeq = h.seq;
    packets.push_back({h.timestamp, h.originalLength, std::vector<uint8_t>(data, data + h.capturedLength)});
  }
  if (!readLate) runner.join();
  dropped = capture->dropped();
  return packets;
}

TEST(LiveCapture, EqualsOfflineExtractionForAnyThreadCount) {
  const std::string expression = "(port == 53 and vlan == none) or (serverport == 443 and tcpFlags == syn)";
  const PacketTime start = kT0 + 2 * kNanosPerSecond, end = kT0 + 9 * kNanosPerSecond;
  const auto expected = offline(expression, start, end, 100);
  ASSERT_GT(expected.size(), 200u);
  for (unsigned threads : {1u, 2u, 3u}) {
    uint64_t dropped = 0;
    const auto got = live(threads, expression, start, end, 100, size_t{4} << 20, false, dropped);
    EXPECT_EQ(dropped, 0u);
    EXPECT_EQ(got.size(), expected.size()) << "threads " << threads;
    EXPECT_TRUE(got == expected) << "threads " << threads;
  }
}

TEST(LiveCapture, ASlowConsumerCountsDropsAndKeepsOrder) {
  uint64_t dropped = 0;
  const auto all = offline("port == 443", INT64_MIN, INT64_MAX, 0);
  const auto got = live(2, "port == 443", INT64_MIN, INT64_MAX, 0, 16 * 1024, true, dropped);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(got.size() + dropped, all.size());
  // What was kept is a subsequence of the full capture, in trace order.
  size_t j = 0;
  for (const auto& p : got) {
    while (j < all.size() && !(all[j] == p)) ++j;
    ASSERT_LT(j, all.size());
    ++j;
  }
}

TEST(LiveCapture, EndsWhenTheTraceEndsAndAfterIt) {
  uint64_t dropped = 0;
  const auto got = live(2, "port == 53", kT0 + 1000 * kNanosPerSecond, INT64_MAX, 0, 1 << 20, false, dropped);
  EXPECT_TRUE(got.empty());  // starts after the end of the trace: ends with it, empty

  // Attached after the engine has finished: over at once.
  auto source = traffic();
  Engine engine(EngineOptions{});
  engine.run(source);
  LiveCaptureSpec spec;
  auto capture = std::make_shared<LiveCapture>(std::move(spec), 1);
  EXPECT_TRUE(engine.attachCapture(capture));
  CapturedPacketHeader h;
  const uint8_t* data = nullptr;
  EXPECT_EQ(capture->next(h, data), LiveCapture::Next::kEnd);
}

}  // namespace
}  // namespace netmeter
