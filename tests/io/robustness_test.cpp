// Truncated and corrupted captures: never a crash or a hang; packets before the damage, then an error
// naming the file and the offset of the damaged record.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "io/capture_files.h"
#include "io/io_test_util.h"
#include "test_paths.h"

namespace netmeter {
namespace {

using test::sharedPcap;

// Reads `bytes` (a damaged copy of a capture whose intact packets are `reference`) and checks the
// contract. With `prefixOnly`, the damage is a truncation: the packets read must be a prefix of the
// reference, and exactly those records that fit completely (no partial record is dropped silently).
void checkDamaged(const std::string& bytes, const test::ReadAll& reference, bool prefixOnly) {
  const test::ReadAll r = test::readMemory(bytes, "damaged.cap");
  if (!r.opened) {
    EXPECT_EQ(r.openError.file, "damaged.cap");
    EXPECT_FALSE(r.openError.message.empty());
    return;
  }
  if (r.last == ReadStatus::kError) {
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].file, "damaged.cap");
    // Offsets count decompressed bytes when the input was compressed, so they can pass its size.
    if (!r.errors[0].decompressed) {
      EXPECT_LE(r.errors[0].offset, bytes.size());
    }
    EXPECT_FALSE(r.errors[0].message.empty());
    if (!r.packets.empty()) {
      EXPECT_GT(r.errors[0].offset, r.packets.back().recordOffset);
    }
  } else {
    EXPECT_TRUE(r.errors.empty());
  }
  for (const auto& p : r.packets) ASSERT_LE(p.capturedLength, p.originalLength);
  if (!prefixOnly) return;
  ASSERT_LE(r.packets.size(), reference.packets.size());
  for (size_t i = 0; i < r.packets.size(); ++i)
    ASSERT_TRUE(r.packets[i].samePacket(reference.packets[i])) << i;
  const size_t n = r.packets.size();
  if (n < reference.packets.size()) {
    const uint64_t nextRecord = reference.packets[n].recordOffset;
    if (r.last == ReadStatus::kEnd) {
      // A clean end only where a block or record ends: the next packet must not have started.
      EXPECT_GE(nextRecord, bytes.size());
    } else {
      // The error names the damaged record, or a non-packet block before it.
      EXPECT_LE(r.errors[0].offset, nextRecord) << r.errors[0].toString();
    }
  }
}

const char* const kSamples[] = {"pcapplusplus/nanosecs_big_endian.pcap", "ndpi/dns-google-nsid.pcapng",
                                "pcapplusplus/many_interfaces-1.pcapng", "tcpdump/mptcp-v1.pcap"};

TEST(Truncation, EveryByteOfTheFirstRecordsAndRandomOffsets) {
  std::mt19937 rng(1234);
  for (const char* name : kSamples) {
    SCOPED_TRACE(name);
    const std::string original = test::readFileBytes(sharedPcap(name));
    const test::ReadAll reference = test::readMemory(original, "damaged.cap");
    ASSERT_EQ(reference.last, ReadStatus::kEnd);
    ASSERT_GE(reference.packets.size(), 4u);
    const size_t dense = std::min<size_t>(original.size(), reference.packets[3].recordOffset + 8);
    for (size_t cut = 0; cut < dense; ++cut) checkDamaged(original.substr(0, cut), reference, true);
    for (int i = 0; i < 200; ++i) checkDamaged(original.substr(0, rng() % original.size()), reference, true);
  }
}

TEST(Truncation, CutAtARecordBoundaryEndsCleanly) {
  const std::string original = test::readFileBytes(sharedPcap("ndpi/443-curl.pcap"));
  const test::ReadAll reference = test::readMemory(original, "x");
  const test::ReadAll r = test::readMemory(original.substr(0, reference.packets[10].recordOffset), "x");
  EXPECT_EQ(r.last, ReadStatus::kEnd);
  EXPECT_EQ(r.packets.size(), 10u);
}

TEST(Truncation, TruncatedFileOnDiskNamesFileAndOffset) {
  test::TempDir dir;
  const std::string original = test::readFileBytes(sharedPcap("ndpi/443-curl.pcap"));
  const test::ReadAll reference = test::readMemory(original, "x");
  const std::string path = dir.file("cut.pcap");
  test::writeFileBytes(path, original.substr(0, reference.packets[50].recordOffset + 20));
  const test::ReadAll r = test::readPaths({path});
  EXPECT_EQ(r.packets.size(), 50u);
  EXPECT_EQ(r.last, ReadStatus::kError);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].file, path);
  EXPECT_EQ(r.errors[0].offset, reference.packets[50].recordOffset);
  EXPECT_EQ(r.errors[0].toString(), path + ": offset " + std::to_string(reference.packets[50].recordOffset) +
                                        ": truncated record: 20 of " +
                                        std::to_string(16 + reference.packets[50].capturedLength) +
                                        " bytes present");
}

TEST(Corruption, RandomByteChangesNeverCrash) {
  std::mt19937 rng(99);
  for (const char* name : kSamples) {
    SCOPED_TRACE(name);
    const std::string original = test::readFileBytes(sharedPcap(name));
    const test::ReadAll reference = test::readMemory(original, "damaged.cap");
    for (int i = 0; i < 1000; ++i) {
      std::string damaged = original;
      const int changes = 1 + static_cast<int>(rng() % 8);
      for (int c = 0; c < changes; ++c) {
        // Mostly headers: the first records, where lengths and magic numbers live.
        const size_t span = rng() % 2 ? std::min<size_t>(damaged.size(), 512) : damaged.size();
        damaged[rng() % span] = static_cast<char>(rng());
      }
      checkDamaged(damaged, reference, false);
    }
  }
}

TEST(Corruption, DamagedCompressedStreams) {
  std::mt19937 rng(7);
  const std::string original = test::readFileBytes(sharedPcap("ndpi/dns-google-nsid.pcapng"));
  const test::ReadAll reference = test::readMemory(original, "damaged.cap");
  for (const std::string& compressed : {test::gzipBytes(original), test::zstdBytes(original)}) {
    for (int i = 0; i < 300; ++i) {
      std::string damaged = compressed;
      if (i % 2 == 0) {
        damaged[rng() % damaged.size()] = static_cast<char>(rng());
      } else {
        damaged.resize(rng() % damaged.size());
      }
      checkDamaged(damaged, reference, false);
    }
  }
}

TEST(Corruption, HugeLengthsDoNotAllocate) {
  // A pcap record claiming 4 GB, and pcapng blocks claiming 4 GB: errors, no huge allocation.
  std::string pcap = test::readFileBytes(sharedPcap("ndpi/443-curl.pcap"));
  pcap[24 + 8] = pcap[24 + 9] = pcap[24 + 10] = pcap[24 + 11] = '\xff';
  test::ReadAll r = test::readMemory(pcap, "huge.pcap");
  EXPECT_EQ(r.last, ReadStatus::kError);
  EXPECT_EQ(r.errors.at(0).offset, 24u);
  EXPECT_NE(r.errors.at(0).message.find("corrupt record header"), std::string::npos);

  std::string ng = test::readFileBytes(sharedPcap("ndpi/dns-google-nsid.pcapng"));
  const test::ReadAll reference = test::readMemory(ng, "x");
  const size_t at = reference.packets[2].recordOffset;
  ng[at + 4] = ng[at + 5] = ng[at + 6] = '\xff';
  ng[at + 7] = '\xfc';
  r = test::readMemory(ng, "huge.pcapng");
  EXPECT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.last, ReadStatus::kError);
  EXPECT_EQ(r.errors.at(0).offset, at);

  // The same through a file and through gzip (streaming: the limit, not the data, stops it).
  test::TempDir dir;
  test::writeFileBytes(dir.file("huge.pcapng.gz"), test::gzipBytes(ng));
  r = test::readPaths({dir.file("huge.pcapng.gz")});
  EXPECT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.last, ReadStatus::kError);
  EXPECT_EQ(r.errors.at(0).offset, at);
  EXPECT_TRUE(r.errors.at(0).decompressed);
}

TEST(OpenErrors, NameTheFile) {
  test::TempDir dir;
  test::ReadAll r = test::readPaths({dir.file("does-not-exist.pcap")});
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.openError.file, dir.file("does-not-exist.pcap"));
  EXPECT_NE(r.openError.message.find("cannot open"), std::string::npos);

  test::writeFileBytes(dir.file("text.pcap"), "hello, this is not a capture\n");
  r = test::readPaths({dir.file("text.pcap")});
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.openError.file, dir.file("text.pcap"));
  EXPECT_NE(r.openError.message.find("unknown file format"), std::string::npos);

  test::writeFileBytes(dir.file("empty.pcap"), "");
  r = test::readPaths({dir.file("empty.pcap")});
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.openError.message, "empty file");

  // One bad file among good ones: the open fails and names it.
  r = test::readPaths({sharedPcap("ndpi/443-curl.pcap").string(), dir.file("text.pcap")});
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.openError.file, dir.file("text.pcap"));

  std::filesystem::create_directory(dir.path() / "nothing");
  r = test::readPaths({dir.file("nothing")});
  EXPECT_FALSE(r.opened);
  EXPECT_EQ(r.openError.file, dir.file("nothing"));
}

}  // namespace
}  // namespace netmeter
