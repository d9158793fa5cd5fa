// CaptureSink: format choice, file headers, truncation and original lengths, interface blocks.
#include "capture/capture_sink.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "io/capture_files.h"
#include "support/packet_builder.h"

namespace netmeter::capture {
namespace {

uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

InterfaceInfo iface(const char* name, uint16_t link, uint32_t snap, uint32_t digits = 6) {
  InterfaceInfo i;
  i.name = name;
  i.linkType = link;
  i.snapLength = snap;
  i.timestampDigits = digits;
  return i;
}

struct Memory {
  std::vector<uint8_t> bytes;
  SinkTarget target() {
    SinkTarget t;
    t.callback = [this](const uint8_t* d, size_t n) {
      bytes.insert(bytes.end(), d, d + n);
      return true;
    };
    return t;
  }
};

// Reads `bytes` back with netmeter's own readers.
std::vector<RawPacket> readBack(const std::vector<uint8_t>& bytes,
                                std::vector<InterfaceInfo>* interfaces = nullptr) {
  auto opened = openCaptureMemory(bytes.data(), bytes.size());
  EXPECT_TRUE(opened.ok()) << opened.error.toString();
  std::vector<RawPacket> out;
  if (!opened.ok()) return out;
  RawPacket p;
  while (opened.source->next(p) == ReadStatus::kPacket) out.push_back(p);
  EXPECT_TRUE(opened.source->error().message.empty()) << opened.source->error().toString();
  if (interfaces) *interfaces = opened.source->interfaces();
  return out;
}

TEST(CaptureSink, OneInterfaceIsClassicPcapWithLibpcapHeader) {
  Memory m;
  std::string error;
  const std::vector<InterfaceInfo> ifs{iface("eth0", 1, 0)};  // snaplen 0: libpcap reports 262144
  auto sink = CaptureSink::create(m.target(), {}, ifs, error);
  ASSERT_NE(sink, nullptr) << error;
  EXPECT_EQ(sink->format(), OutputFormat::kPcap);
  const auto frame = test::buildFrame({});
  RawPacket p = test::rawPacket(frame, 1'600'000'000'123'456'789);
  p.originalLength = 1500;
  ASSERT_TRUE(sink->write(p, ifs));
  ASSERT_TRUE(sink->close());
  ASSERT_EQ(m.bytes.size(), 24u + 16u + frame.size());
  EXPECT_EQ(le32(m.bytes, 0), 0xa1b2c3d4u);  // microseconds: the input had no finer resolution
  EXPECT_EQ(le32(m.bytes, 16), 262144u);
  EXPECT_EQ(le32(m.bytes, 20), 1u);
  EXPECT_EQ(le32(m.bytes, 24), 1'600'000'000u);
  EXPECT_EQ(le32(m.bytes, 28), 123'456u);
  EXPECT_EQ(le32(m.bytes, 32), frame.size());
  EXPECT_EQ(le32(m.bytes, 36), 1500u);
  EXPECT_EQ(sink->packetBytes(), frame.size());
}

TEST(CaptureSink, NanosecondInputGivesNanosecondPcapAndSnapLengthCuts) {
  Memory m;
  std::string error;
  const std::vector<InterfaceInfo> ifs{iface("eth0", 1, 65535, 9)};
  SinkOptions o;
  o.snapLength = 40;
  auto sink = CaptureSink::create(m.target(), o, ifs, error);
  ASSERT_NE(sink, nullptr) << error;
  test::FrameSpec spec;
  spec.payload = 100;
  const auto frame = test::buildFrame(spec);
  ASSERT_TRUE(sink->write(test::rawPacket(frame, 1'600'000'000'123'456'789), ifs));
  ASSERT_TRUE(sink->close());
  EXPECT_EQ(le32(m.bytes, 0), 0xa1b23c4du);
  EXPECT_EQ(le32(m.bytes, 16), 40u);
  const auto back = readBack(m.bytes);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].timestamp, 1'600'000'000'123'456'789);
  EXPECT_EQ(back[0].capturedLength, 40u);
  EXPECT_EQ(back[0].originalLength, frame.size());
  EXPECT_EQ(std::memcmp(back[0].data, frame.data(), 40), 0);
}

TEST(CaptureSink, SeveralInterfacesArePcapngWithOneBlockEach) {
  Memory m;
  std::string error;
  std::vector<InterfaceInfo> ifs{iface("eth0", 1, 65535), iface("eth1", 1, 128)};
  auto sink = CaptureSink::create(m.target(), {}, ifs, error);
  ASSERT_NE(sink, nullptr) << error;
  EXPECT_EQ(sink->format(), OutputFormat::kPcapng);
  test::FrameSpec spec;
  spec.payload = 200;
  const auto frame = test::buildFrame(spec);
  ASSERT_TRUE(sink->write(test::rawPacket(frame, 1'000'000'000'000'000'001, 1), ifs));
  // An interface that appears later (pcapng IDB after the first packet) gets its block on first use.
  ifs.push_back(iface("lo", 1, 0));
  ASSERT_TRUE(sink->write(test::rawPacket(frame, 1'000'000'000'000'000'002, 2), ifs));
  ASSERT_TRUE(sink->write(test::rawPacket(frame, 1'000'000'000'000'000'003, 0), ifs));
  ASSERT_TRUE(sink->close());
  std::vector<InterfaceInfo> backIfs;
  const auto back = readBack(m.bytes, &backIfs);
  ASSERT_EQ(back.size(), 3u);
  ASSERT_EQ(backIfs.size(), 3u);
  EXPECT_EQ(backIfs[0].name, "eth0");
  EXPECT_EQ(backIfs[1].name, "eth1");
  EXPECT_EQ(backIfs[2].name, "lo");
  EXPECT_EQ(back[0].interfaceId, 1);
  EXPECT_EQ(back[0].capturedLength, 128u);  // eth1's own snap length
  EXPECT_EQ(back[0].originalLength, frame.size());
  EXPECT_EQ(back[0].timestamp, 1'000'000'000'000'000'001);  // nanoseconds kept
  EXPECT_EQ(back[1].interfaceId, 2);
  EXPECT_EQ(back[2].interfaceId, 0);
  EXPECT_EQ(back[2].capturedLength, frame.size());
}

TEST(CaptureSink, SingleInterfaceWritesEveryPacketAsInterfaceZero) {
  Memory m;
  std::string error;
  const std::vector<InterfaceInfo> ifs{iface("eth0", 1, 65535), iface("eth1", 1, 65535)};
  SinkOptions o;
  o.singleInterface = true;
  o.format = OutputFormat::kPcapng;
  auto sink = CaptureSink::create(m.target(), o, ifs, error);
  ASSERT_NE(sink, nullptr) << error;
  const auto frame = test::buildFrame({});
  ASSERT_TRUE(sink->write(test::rawPacket(frame, 5, 1), ifs));
  ASSERT_TRUE(sink->close());
  std::vector<InterfaceInfo> backIfs;
  const auto back = readBack(m.bytes, &backIfs);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(backIfs.size(), 1u);
  EXPECT_EQ(back[0].interfaceId, 0);
}

TEST(CaptureSink, ClassicPcapRefusesMixedLinkTypes) {
  Memory m;
  std::string error;
  const std::vector<InterfaceInfo> ifs{iface("eth0", 1, 65535), iface("any", 113, 65535)};
  SinkOptions o;
  o.format = OutputFormat::kPcap;
  EXPECT_EQ(CaptureSink::create(m.target(), o, ifs, error), nullptr);
  EXPECT_NE(error.find("different link types"), std::string::npos) << error;
  EXPECT_TRUE(m.bytes.empty());
}

TEST(CaptureSink, ClassicPcapLeavesOutTimesItCannotHold) {
  Memory m;
  std::string error;
  const std::vector<InterfaceInfo> ifs{iface("eth0", 1, 65535)};
  auto sink = CaptureSink::create(m.target(), {}, ifs, error);
  ASSERT_NE(sink, nullptr);
  const auto frame = test::buildFrame({});
  ASSERT_TRUE(sink->write(test::rawPacket(frame, (int64_t{1} << 32) * kNanosPerSecond), ifs));
  ASSERT_TRUE(sink->write(test::rawPacket(frame, -5), ifs));
  ASSERT_TRUE(sink->close());
  EXPECT_EQ(sink->unstorableTimestamps(), 2u);
  EXPECT_EQ(m.bytes.size(), 24u);
}

TEST(CaptureSink, ReportsAFileThatCannotBeCreated) {
  SinkTarget t;
  t.path = "/nonexistent-dir/out.pcap";
  std::string error;
  EXPECT_EQ(CaptureSink::create(t, {}, {iface("eth0", 1, 0)}, error), nullptr);
  EXPECT_NE(error.find("/nonexistent-dir/out.pcap"), std::string::npos) << error;
}

}  // namespace
}  // namespace netmeter::capture
