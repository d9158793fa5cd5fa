// Reading the shared reference captures: packet counts, the PcapPlusPlus assertions, compression.
#include <gtest/gtest.h>

#include "io/capture_files.h"
#include "io/io_test_util.h"
#include "io/pcap_reader.h"
#include "io/pcapng_reader.h"
#include "test_paths.h"

namespace netmeter {
namespace {

using test::readPaths;
using test::sharedPcap;

TEST(SharedCaptures, EveryCaptureYieldsTheManifestPacketCount) {
  const auto captures = test::manifestCaptures();
  ASSERT_EQ(captures.size(), 123u);
  for (const auto& c : captures) {
    SCOPED_TRACE(c.path);
    const test::ReadAll r = readPaths({sharedPcap(c.path).string()});
    ASSERT_TRUE(r.opened) << r.openError.toString();
    // capinfos and tshark read every one of these files to its end without a format error, so none
    // of them is damaged at the file-format level (the "malformed" ones are malformed inside packets).
    EXPECT_EQ(r.last, ReadStatus::kEnd) << r.errors.front().toString();
    EXPECT_EQ(r.packets.size(), c.packets);
    for (const auto& p : r.packets) {
      ASSERT_LE(p.capturedLength, p.originalLength);
      ASSERT_LT(p.interfaceId, r.interfaces.size());
    }
  }
}

TEST(SharedCaptures, ManyInterfacesPcapng) {
  const auto path = sharedPcap("pcapplusplus/many_interfaces-1.pcapng").string();
  OpenResult opened = openCaptureFile(path);
  ASSERT_TRUE(opened.ok()) << opened.error.toString();
  auto* reader = dynamic_cast<PcapngReader*>(opened.source.get());
  ASSERT_NE(reader, nullptr);
  const test::ReadAll r = test::readSource(*reader);
  EXPECT_EQ(r.last, ReadStatus::kEnd);
  EXPECT_EQ(r.packets.size(), 64u);
  size_t ethernet = 0, null = 0;
  for (const auto& p : r.packets) {
    ethernet += p.linkType == static_cast<uint16_t>(LinkType::kEthernet);
    null += p.linkType == static_cast<uint16_t>(LinkType::kNull);
  }
  EXPECT_EQ(ethernet, 62u);
  EXPECT_EQ(null, 2u);
  EXPECT_EQ(r.interfaces.size(), 11u);
  ASSERT_EQ(reader->sections().size(), 1u);
  EXPECT_EQ(reader->sections()[0].os, "Mac OS X 10.10.4, build 14E46 (Darwin 14.4.0)");
  EXPECT_EQ(reader->sections()[0].application, "Dumpcap 1.12.6 (v1.12.6-0-gee1fce6 from master-1.12)");
  EXPECT_EQ(reader->sections()[0].comment, "");
  EXPECT_EQ(reader->sections()[0].hardware, "");
  bool strictlyIncreasing = true;
  for (size_t i = 1; i < r.packets.size(); ++i)
    strictlyIncreasing &= r.packets[i].timestamp > r.packets[i - 1].timestamp;
  EXPECT_FALSE(strictlyIncreasing);
}

TEST(SharedCaptures, BigEndianMicroseconds) {
  OpenResult opened = openCaptureFile(sharedPcap("pcapplusplus/microsecs_big_endian.pcap").string());
  ASSERT_TRUE(opened.ok());
  auto* reader = dynamic_cast<PcapReader*>(opened.source.get());
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->bigEndian());
  EXPECT_FALSE(reader->nanosecond());
  const test::ReadAll r = test::readSource(*reader);
  ASSERT_EQ(r.packets.size(), 13u);
  EXPECT_EQ(r.packets[0].timestamp, 1474059824LL * kNanosPerSecond + 864984000);
  EXPECT_EQ(r.packets[0].linkType, 253);
  ASSERT_EQ(r.interfaces.size(), 1u);
  EXPECT_EQ(r.interfaces[0].timestampDigits, 6u);
}

TEST(SharedCaptures, BigEndianNanoseconds) {
  OpenResult opened = openCaptureFile(sharedPcap("pcapplusplus/nanosecs_big_endian.pcap").string());
  ASSERT_TRUE(opened.ok());
  auto* reader = dynamic_cast<PcapReader*>(opened.source.get());
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->bigEndian());
  EXPECT_TRUE(reader->nanosecond());
  const test::ReadAll r = test::readSource(*reader);
  ASSERT_EQ(r.packets.size(), 10u);
  EXPECT_EQ(r.packets[0].timestamp, 1766361926LL * kNanosPerSecond + 167647291);
  EXPECT_EQ(r.packets[0].linkType, 1);
  EXPECT_EQ(r.interfaces[0].timestampDigits, 9u);
}

TEST(SharedCaptures, TimestampsBeyond2106) {
  const test::ReadAll r = readPaths({sharedPcap("tcpdump/time_2106_overflow.pcapng").string()});
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].timestamp, 4294967296LL * kNanosPerSecond);  // tshark: 4294967296.000000000
}

TEST(SharedCaptures, OtherKnownValues) {
  // tshark -T fields -e frame.time_epoch: first packets of a few captures.
  const test::ReadAll multi = readPaths({sharedPcap("zeek/traces/pcapng-multi-interface.pcapng").string()});
  ASSERT_EQ(multi.packets.size(), 6u);
  EXPECT_EQ(multi.packets[0].timestamp, 1767663089500330493LL);
  EXPECT_EQ(multi.packets[2].timestamp, 1767663437111897000LL);
  EXPECT_EQ(multi.packets[0].interfaceId, 0);
  EXPECT_EQ(multi.packets[2].interfaceId, 1);
  ASSERT_EQ(multi.interfaces.size(), 2u);
  EXPECT_EQ(multi.interfaces[0].name, "eth0");
  EXPECT_EQ(multi.interfaces[1].name, "\\Device\\NPF_{5AE6EDB4-EFF9-46B3-A3C2-EE50C688A9E6}");
  EXPECT_EQ(multi.interfaces[0].timestampDigits, 9u);

  const test::ReadAll sites = readPaths({sharedPcap("ndpi/sites.pcapng").string()});
  EXPECT_EQ(sites.interfaces.size(), 22u);
  ASSERT_FALSE(sites.packets.empty());
  EXPECT_EQ(sites.packets[0].interfaceId, 8);
  EXPECT_EQ(sites.packets[0].timestamp, 1595957694169758000LL);

  const test::ReadAll nano = readPaths({sharedPcap("tcpdump/tcp-handshake-nano.pcap").string()});
  ASSERT_EQ(nano.packets.size(), 3u);
  EXPECT_EQ(nano.packets[0].linkType, static_cast<uint16_t>(LinkType::kLinuxSll));

  // Record usec fields 1000000 and 2147483648 (tcpdump: "(invalid us)"): clamped within their second.
  OpenResult invalidOpen = openCaptureFile(sharedPcap("tcpdump/timestamp_invalid_micro.pcap").string());
  ASSERT_TRUE(invalidOpen.ok());
  const test::ReadAll invalid = test::readSource(*invalidOpen.source);
  ASSERT_EQ(invalid.packets.size(), 3u);
  EXPECT_EQ(invalid.packets[0].timestamp, 1418145369999999000LL);
  EXPECT_EQ(invalid.packets[1].timestamp, 1418145370999999999LL);
  EXPECT_EQ(invalid.packets[2].timestamp, 1418145370999999999LL);
  EXPECT_EQ(dynamic_cast<PcapReader&>(*invalidOpen.source).invalidTimestamps(), 2u);

  // snaplen 1 in the header, an 8-byte record: accepted with slack.
  const test::ReadAll trunc = readPaths({sharedPcap("zeek/traces/trunc/trunc-hdr.pcap").string()});
  ASSERT_EQ(trunc.packets.size(), 1u);
  EXPECT_EQ(trunc.packets[0].capturedLength, 8u);
  EXPECT_EQ(trunc.packets[0].originalLength, 78u);
}

TEST(Compression, GzipAndZstdCopiesReadIdentically) {
  test::TempDir dir;
  for (const char* name : {"ndpi/1kxun.pcap", "ndpi/sites.pcapng", "pcapplusplus/nanosecs_big_endian.pcap",
                           "pcapplusplus/many_interfaces-1.pcapng", "tcpdump/empty.pcapng"}) {
    SCOPED_TRACE(name);
    const std::string original = test::readFileBytes(sharedPcap(name));
    const test::ReadAll plain = readPaths({sharedPcap(name).string()});
    ASSERT_EQ(plain.last, ReadStatus::kEnd);
    // Names say nothing about the content: the magic bytes decide.
    const std::string gz = dir.file("a.bin");
    const std::string zst = dir.file("b.pcap");
    test::writeFileBytes(gz, test::gzipBytes(original));
    test::writeFileBytes(zst, test::zstdBytes(original));
    for (const std::string& path : {gz, zst}) {
      const test::ReadAll r = readPaths({path});
      ASSERT_TRUE(r.opened) << r.openError.toString();
      EXPECT_EQ(r.last, ReadStatus::kEnd);
      ASSERT_EQ(r.packets.size(), plain.packets.size());
      for (size_t i = 0; i < r.packets.size(); ++i) {
        ASSERT_TRUE(r.packets[i].samePacket(plain.packets[i])) << i;
        ASSERT_EQ(r.packets[i].recordOffset, plain.packets[i].recordOffset);
      }
    }
  }
}

TEST(Compression, ConcatenatedGzipMembers) {
  const std::string original = test::readFileBytes(sharedPcap("ndpi/443-curl.pcap"));
  const size_t half = original.size() / 2;
  const std::string both = test::gzipBytes(original.substr(0, half)) + test::gzipBytes(original.substr(half));
  const test::ReadAll r = test::readMemory(both, "two-members.gz");
  EXPECT_EQ(r.last, ReadStatus::kEnd);
  EXPECT_EQ(r.packets.size(), 109u);
}

TEST(Compression, TruncatedCompressedStreamsReportDecompressedOffsets) {
  // Large enough for several zstd blocks (128 KiB each): a cut block yields nothing of itself.
  const std::string original = test::readFileBytes(sharedPcap("ndpi/1kxun.pcap"));
  const test::ReadAll plain = test::readMemory(original, "plain");
  for (const std::string& compressed : {test::gzipBytes(original), test::zstdBytes(original)}) {
    const std::string cut = compressed.substr(0, compressed.size() * 2 / 3);
    const test::ReadAll r = test::readMemory(cut, "cut.z");
    ASSERT_TRUE(r.opened) << r.openError.toString();
    EXPECT_EQ(r.last, ReadStatus::kError);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_TRUE(r.errors[0].decompressed);
    EXPECT_NE(r.errors[0].toString().find("cut.z: offset "), std::string::npos);
    EXPECT_NE(r.errors[0].toString().find("(decompressed)"), std::string::npos) << r.errors[0].toString();
    ASSERT_LT(r.packets.size(), plain.packets.size());
    for (size_t i = 0; i < r.packets.size(); ++i) ASSERT_TRUE(r.packets[i].samePacket(plain.packets[i]));
  }
}

TEST(Compression, CorruptCompressedDataIsAnError) {
  const std::string original = test::readFileBytes(sharedPcap("ndpi/443-curl.pcap"));
  std::string gz = test::gzipBytes(original);
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  const test::ReadAll r = test::readMemory(gz, "bad.gz");
  // Either zlib notices (bad code or CRC) or the garbage it produced fails the record checks first.
  EXPECT_EQ(r.last, ReadStatus::kError);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(r.errors[0].decompressed);
}

}  // namespace
}  // namespace netmeter
