// Hand-built pcapng and pcap files for the cases the shared captures do not cover, and the fuzz
// regression inputs.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/capture_files.h"
#include "io/input_buffer.h"
#include "io/io_test_util.h"
#include "io/pcapng_reader.h"
#include "test_paths.h"

namespace netmeter {
namespace {

// Builds pcapng blocks in a chosen byte order.
class Blocks {
 public:
  explicit Blocks(bool bigEndian) : be_(bigEndian) {}
  Blocks& section() {
    begin(0x0A0D0D0A);
    u32(0x1A2B3C4D);
    u16(1);
    u16(0);
    u32(0xffffffff);
    u32(0xffffffff);
    option(3, "TestOS");
    return end();
  }
  Blocks& interface(uint16_t linkType, uint32_t snap, const std::string& name, int tsresol = -1,
                    int64_t tsoffset = 0) {
    begin(1);
    u16(linkType);
    u16(0);
    u32(snap);
    if (!name.empty()) option(2, name);
    if (tsresol >= 0) option(9, std::string(1, static_cast<char>(tsresol)));
    if (tsoffset != 0) {
      std::string v;
      for (int i = 0; i < 8; ++i)
        v += static_cast<char>(be_ ? tsoffset >> (56 - 8 * i) : tsoffset >> (8 * i));
      option(14, v);
    }
    return end();
  }
  Blocks& enhanced(uint32_t ifid, uint64_t ticks, const std::string& data, uint32_t original = 0) {
    begin(6);
    u32(ifid);
    u32(static_cast<uint32_t>(ticks >> 32));
    u32(static_cast<uint32_t>(ticks));
    u32(static_cast<uint32_t>(data.size()));
    u32(original != 0 ? original : static_cast<uint32_t>(data.size()));
    padded(data);
    option(1, "a comment");
    return end();
  }
  Blocks& obsolete(uint16_t ifid, uint64_t ticks, const std::string& data) {
    begin(2);
    u16(ifid);
    u16(0);
    u32(static_cast<uint32_t>(ticks >> 32));
    u32(static_cast<uint32_t>(ticks));
    u32(static_cast<uint32_t>(data.size()));
    u32(static_cast<uint32_t>(data.size()));
    padded(data);
    return end();
  }
  Blocks& simple(uint32_t original, const std::string& data) {
    begin(3);
    u32(original);
    padded(data);
    return end();
  }
  Blocks& other(uint32_t type, size_t bodySize) {
    begin(type);
    padded(std::string(bodySize, 'x'));
    return end();
  }
  const std::string& bytes() const { return out_; }

 private:
  void u16(uint16_t v) {
    out_ += static_cast<char>(be_ ? v >> 8 : v);
    out_ += static_cast<char>(be_ ? v : v >> 8);
  }
  void u32(uint32_t v) {
    if (be_) {
      u16(static_cast<uint16_t>(v >> 16));
      u16(static_cast<uint16_t>(v));
    } else {
      u16(static_cast<uint16_t>(v));
      u16(static_cast<uint16_t>(v >> 16));
    }
  }
  void padded(const std::string& s) {
    out_ += s;
    out_.append((4 - s.size() % 4) % 4, '\0');
  }
  void option(uint16_t code, const std::string& value) {
    u16(code);
    u16(static_cast<uint16_t>(value.size()));
    padded(value);
  }
  void begin(uint32_t type) {
    start_ = out_.size();
    u32(type);
    u32(0);
  }
  Blocks& end() {
    const auto length = static_cast<uint32_t>(out_.size() - start_ + 4);
    u32(length);
    const std::string saved = out_.substr(out_.size() - 4);
    out_.replace(start_ + 4, 4, saved);
    return *this;
  }
  bool be_;
  std::string out_;
  size_t start_ = 0;
};

TEST(PcapngBlocks, SectionsInBothByteOrdersGetNewInterfaceIds) {
  Blocks little(false), big(true);
  little.section().interface(1, 0, "le0").interface(101, 0, "le1").enhanced(1, 1'000'000, "one");
  big.section()
      .interface(1, 0, "be0", 9)
      .other(5, 24)
      .enhanced(0, 2'000'000'000, "two")
      .simple(9, "three....");
  const test::ReadAll r = test::readMemory(little.bytes() + big.bytes() + little.bytes(), "sections.pcapng");
  ASSERT_EQ(r.last, ReadStatus::kEnd) << r.errors.at(0).toString();
  ASSERT_EQ(r.packets.size(), 4u);
  EXPECT_EQ(r.packets[0].interfaceId, 1);
  EXPECT_EQ(r.packets[0].linkType, 101);
  EXPECT_EQ(r.packets[0].timestamp, kNanosPerSecond);  // default resolution: microseconds
  EXPECT_EQ(r.packets[1].interfaceId, 2);
  EXPECT_EQ(r.packets[1].timestamp, 2 * kNanosPerSecond);
  EXPECT_EQ(r.packets[1].bytes, "two");
  // The simple packet block: interface 0 of its section, the previous timestamp, its own length.
  EXPECT_EQ(r.packets[2].interfaceId, 2);
  EXPECT_EQ(r.packets[2].timestamp, 2 * kNanosPerSecond);
  EXPECT_EQ(r.packets[2].bytes, "three....");
  EXPECT_EQ(r.packets[3].interfaceId, 4);
  ASSERT_EQ(r.interfaces.size(), 5u);
  EXPECT_EQ(r.interfaces[2].name, "be0");
  EXPECT_EQ(r.interfaces[3].name, "le0");

  OpenResult opened =
      openCaptureMemory(reinterpret_cast<const uint8_t*>(big.bytes().data()), big.bytes().size());
  ASSERT_TRUE(opened.ok());
  auto* reader = dynamic_cast<PcapngReader*>(opened.source.get());
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->sections().at(0).bigEndian);
  EXPECT_EQ(reader->sections().at(0).os, "TestOS");
}

TEST(PcapngBlocks, TimestampResolutionsAndOffset) {
  for (bool be : {false, true}) {
    Blocks b(be);
    b.section()
        .interface(1, 0, "ms", 3)                     // 10^-3
        .interface(1, 0, "pow2", 0x80 | 20)           // 2^-20
        .interface(1, 0, "ps", 12)                    // 10^-12
        .interface(1, 0, "offset", 6, 1'000'000'000)  // if_tsoffset: 1e9 s
        .interface(1, 0, "ns", 9)
        .enhanced(0, 1500, "a")
        .enhanced(1, (uint64_t{3} << 20) + (uint64_t{1} << 19), "b")
        .enhanced(2, 1'234'567'891'234'567, "c")
        .obsolete(3, 5'000'000, "d")
        .enhanced(4, 0xFFFFFFFFFFFFull, "e", 60);
    const test::ReadAll r = test::readMemory(b.bytes(), "res.pcapng");
    ASSERT_EQ(r.last, ReadStatus::kEnd);
    ASSERT_EQ(r.packets.size(), 5u);
    EXPECT_EQ(r.packets[0].timestamp, 1'500'000'000);
    EXPECT_EQ(r.packets[1].timestamp, 3'500'000'000);
    EXPECT_EQ(r.packets[2].timestamp, 1'234'567'891'234);
    EXPECT_EQ(r.packets[3].timestamp, 1'000'000'005 * kNanosPerSecond);
    EXPECT_EQ(r.packets[4].timestamp, 0xFFFFFFFFFFFFll);
    EXPECT_EQ(r.packets[4].originalLength, 60u);
    EXPECT_EQ(r.interfaces[0].timestampDigits, 3u);
    EXPECT_EQ(r.interfaces[1].timestampDigits, 7u);
    EXPECT_EQ(r.interfaces[2].timestampDigits, 12u);
    EXPECT_EQ(r.interfaces[3].timestampOffsetSeconds, 1'000'000'000);
  }
}

TEST(PcapngBlocks, UnknownBlocksAreSkipped) {
  Blocks b(false);
  b.section()
      .other(4, 40)
      .interface(1, 0, "x")
      .other(0x0BAD, 13)
      .other(0x40000BAD, 0)
      .other(0x12345678, 8)
      .enhanced(0, 1, "p")
      .other(5, 60)
      .other(0x0A, 100);
  const test::ReadAll r = test::readMemory(b.bytes(), "skip.pcapng");
  EXPECT_EQ(r.last, ReadStatus::kEnd);
  EXPECT_EQ(r.packets.size(), 1u);
}

TEST(PcapngBlocks, DamageIsReportedWithTheBlockOffset) {
  Blocks b(false);
  b.section().interface(1, 0, "x").enhanced(0, 1, "first");
  const size_t second = b.bytes().size();
  b.enhanced(3, 2, "undeclared interface");
  test::ReadAll r = test::readMemory(b.bytes(), "bad.pcapng");
  ASSERT_EQ(r.packets.size(), 1u);
  ASSERT_EQ(r.last, ReadStatus::kError);
  EXPECT_EQ(r.errors[0].offset, second);
  EXPECT_NE(r.errors[0].message.find("undeclared interface 3"), std::string::npos);

  std::string mismatch = Blocks(false).section().interface(1, 0, "x").enhanced(0, 1, "first").bytes();
  mismatch[mismatch.size() - 4] ^= 4;
  r = test::readMemory(mismatch, "bad.pcapng");
  ASSERT_EQ(r.last, ReadStatus::kError);
  EXPECT_NE(r.errors[0].message.find("trailing length"), std::string::npos);

  Blocks tooSmall(false);
  tooSmall.section().interface(1, 0, "x", 0x80 | 64);
  r = test::readMemory(tooSmall.bytes(), "bad.pcapng");
  ASSERT_EQ(r.last, ReadStatus::kError);
  EXPECT_NE(r.errors[0].message.find("if_tsresol"), std::string::npos);
}

// A pcapng reader over `bytes` (which must outlive it), for the tests that call its own methods.
std::unique_ptr<PcapngReader> openPcapngBytes(const std::string& bytes) {
  ReaderOptions options;
  options.name = "blocks.pcapng";
  ReadError error;
  return PcapngReader::open(
      std::make_unique<io::InputBuffer>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
      options, error);
}

// The time index enters a file at a record offset (PcapngReader::skipTo): a simple packet block,
// which carries no time, must get the time of the packet block before it also when that one was
// skipped, an obsolete packet block included (found by fuzz_pcapng_reader).
TEST(PcapngBlocks, SkipToKeepsTheTimeOfASkippedPacketBlockForSimpleBlocks) {
  for (bool obsolete : {false, true}) {
    Blocks b(false);
    b.section().interface(1, 0, "eth0");
    if (obsolete)
      b.obsolete(0, 7'000'000, "first");
    else
      b.enhanced(0, 7'000'000, "first");
    b.simple(6, "second");
    const std::string bytes = b.bytes();
    auto open = [&] { return openPcapngBytes(bytes); };
    auto all = open();
    ASSERT_NE(all, nullptr);
    RawPacket first, second;
    ASSERT_EQ(all->next(first), ReadStatus::kPacket);
    ASSERT_EQ(all->next(second), ReadStatus::kPacket);
    EXPECT_EQ(second.timestamp, 7 * kNanosPerSecond);
    auto entered = open();
    ASSERT_TRUE(entered->skipTo(second.recordOffset));
    RawPacket again;
    ASSERT_EQ(entered->next(again), ReadStatus::kPacket);
    EXPECT_EQ(again.recordOffset, second.recordOffset);
    EXPECT_EQ(again.timestamp, second.timestamp)
        << (obsolete ? "after an obsolete packet block" : "after an EPB");
  }
}

// A reader entering a file at a record offset may jump between the section and interface blocks an
// earlier read listed (structureBlocks) instead of walking every block: same interfaces, same packets.
TEST(PcapngBlocks, SkipToJumpsBetweenTheListedStructureBlocksLikeTheWalk) {
  Blocks b(true);  // big-endian first section
  b.section().interface(1, 0, "eth0").enhanced(0, 1'000'000, "a").enhanced(0, 2'000'000, "b");
  b.interface(101, 0, "raw", 9).enhanced(1, 3'000'000'000, "c");
  Blocks second(false);  // a little-endian second section with its own interfaces
  second.section().interface(1, 0, "eth1").enhanced(0, 4'000'000, "d").interface(1, 0, "eth2");
  second.enhanced(1, 5'000'000, "e").enhanced(0, 6'000'000, "f");
  const std::string bytes = b.bytes() + second.bytes();
  auto open = [&] { return openPcapngBytes(bytes); };
  auto all = open();
  ASSERT_NE(all, nullptr);
  std::vector<RawPacket> packets;
  RawPacket p;
  while (all->next(p) == ReadStatus::kPacket) packets.push_back(p);
  ASSERT_EQ(packets.size(), 6u);
  std::vector<uint64_t> structure;
  ASSERT_TRUE(all->structureBlocks(0, structure));
  EXPECT_EQ(structure.size(), 2u + 4u);              // 2 section headers, 4 interface blocks
  EXPECT_FALSE(all->structureBlocks(1, structure));  // another file's
  for (size_t k = 1; k < packets.size(); ++k) {
    SCOPED_TRACE(k);
    auto walked = open();
    auto jumped = open();
    ASSERT_TRUE(walked->skipTo(packets[k].recordOffset));
    ASSERT_TRUE(jumped->skipTo(packets[k].recordOffset, &structure));
    RawPacket w, j;
    for (size_t i = k; i < packets.size(); ++i) {
      ASSERT_EQ(walked->next(w), ReadStatus::kPacket);
      ASSERT_EQ(jumped->next(j), ReadStatus::kPacket);
      EXPECT_EQ(j.recordOffset, w.recordOffset);
      EXPECT_EQ(j.timestamp, w.timestamp);
      EXPECT_EQ(j.interfaceId, w.interfaceId);
      EXPECT_EQ(j.linkType, w.linkType);
      EXPECT_EQ(j.timestamp, packets[i].timestamp);
      EXPECT_EQ(j.interfaceId, packets[i].interfaceId);
    }
    EXPECT_EQ(jumped->next(j), ReadStatus::kEnd);
    EXPECT_EQ(jumped->interfaces().size(), walked->interfaces().size());
  }
  // A list that does not name structure blocks is damage, reported at the offset.
  std::vector<uint64_t> wrong{packets[1].recordOffset};
  auto misled = open();
  EXPECT_FALSE(misled->skipTo(packets[3].recordOffset, &wrong));
  EXPECT_NE(misled->error().message.find("where an earlier read found"), std::string::npos);
}

// A simple packet block takes the time of the packet block before it: a file with one must be walked.
TEST(PcapngBlocks, SimplePacketBlocksMakeAFileUnjumpable) {
  Blocks b(false);
  b.section().interface(1, 0, "eth0").enhanced(0, 1, "a").simple(6, "second");
  const test::ReadAll r = test::readMemory(b.bytes(), "spb.pcapng");
  ASSERT_EQ(r.packets.size(), 2u);
  const std::string bytes = b.bytes();
  auto reader = openPcapngBytes(bytes);
  RawPacket p;
  std::vector<uint64_t> structure;
  ASSERT_EQ(reader->next(p), ReadStatus::kPacket);
  EXPECT_TRUE(reader->structureBlocks(0, structure));
  ASSERT_EQ(reader->next(p), ReadStatus::kPacket);
  EXPECT_FALSE(reader->structureBlocks(0, structure));
}

TEST(PcapFile, FcsBitsInTheLinkTypeField) {
  std::string pcap = test::readFileBytes(test::sharedPcap("ndpi/NTPv4.pcap"));
  pcap[23] = static_cast<char>(0x10 | (2 << 5));  // F bit, FCS length 2 x 16 bits (little-endian file)
  const test::ReadAll r = test::readMemory(pcap, "fcs.pcap");
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].linkType, 1);
  EXPECT_EQ(r.interfaces[0].fcsBytes, 4);
}

TEST(Regressions, FuzzReproducersDoNotCrash) {
  const auto dir = test::fixture("regressions/io");
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no reproducers yet";
  size_t replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    SCOPED_TRACE(entry.path().string());
    const test::ReadAll r = test::readMemory(test::readFileBytes(entry.path()), "reproducer");
    if (r.opened && r.last == ReadStatus::kError) {
      EXPECT_EQ(r.errors.at(0).file, "reproducer");
    }
    ++replayed;
  }
  SUCCEED() << replayed << " reproducers";
}

}  // namespace
}  // namespace netmeter
