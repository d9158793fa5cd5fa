// The time-to-offset index: built by the engine while it analyses, it lets a capture of the past
// start inside the files and still produce exactly what a read from the beginning produces.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "capture/extraction.h"
#include "capture/indexed_open.h"
#include "engine/engine.h"
#include "io/pcap_writer.h"
#include "io/pcapng_writer.h"
#include "support/packet_builder.h"

namespace netmeter::capture {
namespace {

using test::kTestEpoch;

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("netmeter-time-index-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

// `count` UDP/TCP packets over `seconds`, with a little disorder (about 1 packet in 50 is up to 2 s
// late), between a handful of hosts.
struct TraceSpec {
  size_t count = 20000;
  int seconds = 200;
  uint32_t seed = 1;
  bool pcapng = false;
};

void writeTrace(const std::string& path, const TraceSpec& spec) {
  std::mt19937 rng(spec.seed);
  std::string error;
  std::unique_ptr<io::PcapWriter> pcap;
  std::unique_ptr<io::PcapngWriter> pcapng;
  if (spec.pcapng) {
    pcapng = io::PcapngWriter::create(path, {}, error);
    ASSERT_NE(pcapng, nullptr) << error;
    pcapng->addInterface(InterfaceInfo{"eth0", "", 1, 65535, 9});
  } else {
    io::PcapWriterOptions o;
    o.nanosecond = true;
    pcap = io::PcapWriter::create(path, o, error);
    ASSERT_NE(pcap, nullptr) << error;
  }
  for (size_t i = 0; i < spec.count; ++i) {
    test::FrameSpec f;
    f.srcIp = "10.0.0." + std::to_string(1 + rng() % 6);
    f.dstIp = "10.0.1." + std::to_string(1 + rng() % 6);
    f.l4Protocol = rng() % 2 ? 6 : 17;
    f.srcPort = uint16_t(40000 + rng() % 8);
    f.dstPort = uint16_t(rng() % 2 ? 443 : 53);
    f.payload = rng() % 200;
    const auto frame = test::buildFrame(f);
    PacketTime t = kTestEpoch + PacketTime(i) * spec.seconds * kNanosPerSecond / PacketTime(spec.count);
    if (rng() % 50 == 0) t -= PacketTime(rng() % 2000) * kNanosPerMilli;
    RawPacket raw = test::rawPacket(frame, t);
    if (spec.pcapng && i == spec.count / 2) {
      // An interface declared in the middle of the file: a seek past it must still know it.
      pcapng->addInterface(InterfaceInfo{"eth1", "late", 1, 65535, 9});
    }
    if (spec.pcapng && i > spec.count / 2 && i % 3 == 0) raw.interfaceId = 1;
    ASSERT_TRUE(pcap ? pcap->write(raw) : pcapng->write(raw));
  }
  ASSERT_TRUE(pcap ? pcap->close() : pcapng->close());
}

std::unique_ptr<TimeOffsetIndex> analyse(const std::vector<std::string>& files,
                                         TimeOffsetIndex::Options o = {}) {
  auto index = std::make_unique<TimeOffsetIndex>(o);
  auto opened = openCaptureFiles(files);
  EXPECT_TRUE(opened.ok()) << opened.error.toString();
  Engine engine(EngineOptions{});
  engine.setTimeIndex(index.get());
  engine.run(*opened.source);
  return index;
}

struct Output {
  std::vector<uint8_t> bytes;
  ExtractionCounters counters;
};

Output capture(OpenResult opened, const char* expression, PacketTime start, PacketTime end = INT64_MAX) {
  Output out;
  EXPECT_TRUE(opened.ok()) << opened.error.toString();
  PacketSource& source = *opened.source;
  SinkTarget target;
  target.callback = [&](const uint8_t* d, size_t n) {
    out.bytes.insert(out.bytes.end(), d, d + n);
    return true;
  };
  std::string error;
  // Interfaces of the whole trace, as a capture on a running analysis knows them.
  const std::vector<InterfaceInfo> interfaces{InterfaceInfo{"eth0", "", 1, 65535, 9},
                                              InterfaceInfo{"eth1", "late", 1, 65535, 9}};
  SinkOptions so;
  so.format = OutputFormat::kPcapng;
  auto sink = CaptureSink::create(target, so, interfaces, error);
  EXPECT_NE(sink, nullptr) << error;
  std::optional<filter::Filter> f;
  if (*expression) f = std::move(*filter::Filter::compile(expression).filter);
  PacketSelector selector(std::move(f));
  ExtractionOptions options;
  options.window.start = start;
  options.window.end = end;
  const auto result = extract(source, selector, *sink, options);
  EXPECT_TRUE(sink->close());
  EXPECT_TRUE(source.errors().empty());
  out.counters = result.counters;
  return out;
}

void expectSameCaptures(const std::vector<std::string>& files, const TimeOffsetIndex& index) {
  for (PacketTime start :
       {kTestEpoch - kNanosPerSecond, kTestEpoch + 3 * kNanosPerSecond + 7, kTestEpoch + 50 * kNanosPerSecond,
        kTestEpoch + 101 * kNanosPerSecond, kTestEpoch + 150 * kNanosPerSecond + 123456,
        kTestEpoch + 199 * kNanosPerSecond, kTestEpoch + 500 * kNanosPerSecond}) {
    for (const char* expression : {"", "port == 53", "ip == 10.0.0.3 and l4Protocol == TCP"}) {
      SCOPED_TRACE(std::to_string((start - kTestEpoch) / kNanosPerMilli) + " ms, '" + expression + "'");
      const Output full = capture(openCaptureFiles(files), expression, start, start + 40 * kNanosPerSecond);
      const Output seeked =
          capture(openIndexed(files, &index, start), expression, start, start + 40 * kNanosPerSecond);
      EXPECT_EQ(full.bytes, seeked.bytes);
      EXPECT_EQ(full.counters.captured, seeked.counters.captured);
      if (start > kTestEpoch + 100 * kNanosPerSecond) {
        EXPECT_LT(seeked.counters.read, full.counters.read / 2);  // packets read and looked at
      }
    }
  }
}

TEST(TimeIndex, SeekedCaptureEqualsFullReadPcap) {
  const std::string path = tempPath("a.pcap");
  writeTrace(path, {});
  const auto index = analyse({path});
  EXPECT_GT(index->entryCount(), 100u);
  expectSameCaptures({path}, *index);
  std::filesystem::remove(path);
}

TEST(TimeIndex, SeekedCaptureEqualsFullReadPcapngWithLateInterface) {
  const std::string path = tempPath("b.pcapng");
  TraceSpec spec;
  spec.pcapng = true;
  writeTrace(path, spec);
  const auto index = analyse({path});
  expectSameCaptures({path}, *index);
  std::filesystem::remove(path);
}

TEST(TimeIndex, SeveralFilesMergedAndBoundedIndex) {
  const std::string a = tempPath("c1.pcap"), b = tempPath("c2.pcap");
  TraceSpec s1, s2;
  s2.seed = 2;
  s2.count = 15000;
  writeTrace(a, s1);
  writeTrace(b, s2);
  TimeOffsetIndex::Options o;
  o.everyPackets = 64;
  o.maxEntriesPerFile = 16;
  const auto index = analyse({a, b}, o);
  EXPECT_LE(index->entryCount(), 2u * 16u);
  EXPECT_GE(index->entryCount(), 2u * 8u);
  expectSameCaptures({a, b}, *index);
  std::filesystem::remove(a);
  std::filesystem::remove(b);
}

// Bytes this process has read with read(2) and friends so far (/proc/self/io "rchar").
uint64_t bytesReadByProcess() {
  std::ifstream io("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value)
    if (key == "rchar:") return value;
  return 0;
}

// A plain file is entered by seeking, not by reading up to the offset (a capture or a TCP flow chart
// at the end of a file of terabytes must not read all of it); in pcapng by jumping between the
// section and interface blocks the analysis listed (the late interface of the trace included).
TEST(TimeIndex, APlainFileIsEnteredWithoutReadingWhatLiesBefore) {
  for (bool pcapng : {false, true}) {
    SCOPED_TRACE(pcapng ? "pcapng" : "pcap");
    const std::string path = tempPath(pcapng ? "seek.pcapng" : "seek.pcap");
    TraceSpec spec;
    spec.pcapng = pcapng;
    spec.count = 60000;  // ~10 MB: several read buffers of 1 MiB
    writeTrace(path, spec);
    const auto index = analyse({path});
    const uint64_t size = std::filesystem::file_size(path);
    const uint64_t before = bytesReadByProcess();
    ASSERT_GT(before, 0u) << "no /proc/self/io";
    auto opened = openIndexed({path}, index.get(), kTestEpoch + 190 * kNanosPerSecond);
    ASSERT_TRUE(opened.ok());
    RawPacket raw;
    ASSERT_EQ(opened.source->next(raw), ReadStatus::kPacket);
    EXPECT_GE(raw.recordOffset, size * 9 / 10);
    // The file's header, a read buffer (1 MiB) at the offset and, in pcapng, at the late interface
    // block: nothing else of the 90 % before.
    EXPECT_LT(bytesReadByProcess() - before, size / 2) << "file of " << size << " bytes";
    std::filesystem::remove(path);
  }
}

TEST(TimeIndex, OffsetsNeverSkipAPacketAtOrAfterTheStart) {
  TimeOffsetIndex::Options o;
  o.everyPackets = 1;
  TimeOffsetIndex index(o);
  const std::vector<uint8_t> frame(60, 0);
  // Times 10, 30, 20, 40 at offsets 100, 200, 300, 400: starting at 25 must not skip past offset 200
  // (time 30), and starting at 35 may skip to 400 only because everything before it is older than 35.
  const PacketTime times[] = {10, 30, 20, 40};
  for (int i = 0; i < 4; ++i) {
    RawPacket p = test::rawPacket(frame, times[i]);
    p.recordOffset = uint64_t(100 * (i + 1));
    index.add(p);
  }
  EXPECT_EQ(index.seekOffsets(5, 1)[0], 0u);
  EXPECT_EQ(index.seekOffsets(15, 1)[0], 200u);
  EXPECT_EQ(index.seekOffsets(25, 1)[0], 200u);
  EXPECT_EQ(index.seekOffsets(35, 1)[0], 400u);
  EXPECT_EQ(index.seekOffsets(35, 2)[1], 0u);  // a file the index has not seen: from the beginning
}

}  // namespace
}  // namespace netmeter::capture
