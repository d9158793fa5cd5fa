// Writers (round trips through the readers) and several files merged into one trace.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/capture_files.h"
#include "io/io_test_util.h"
#include "io/merged_source.h"
#include "io/pcap_writer.h"
#include "io/pcapng_writer.h"
#include "test_paths.h"

namespace netmeter {
namespace {

using test::sharedPcap;

RawPacket rawOf(const test::PacketRecord& p) {
  RawPacket raw;
  raw.timestamp = p.timestamp;
  raw.capturedLength = p.capturedLength;
  raw.originalLength = p.originalLength;
  raw.linkType = p.linkType;
  raw.interfaceId = p.interfaceId;
  raw.data = reinterpret_cast<const uint8_t*>(p.bytes.data());
  return raw;
}

void writePcap(const std::string& path, const std::vector<test::PacketRecord>& packets, bool nanosecond,
               uint16_t linkType = 1) {
  std::string error;
  auto w = io::PcapWriter::create(path, io::PcapWriterOptions{linkType, 262144, nanosecond}, error);
  ASSERT_NE(w, nullptr) << error;
  for (const auto& p : packets) ASSERT_TRUE(w->write(rawOf(p))) << w->error();
  ASSERT_TRUE(w->close()) << w->error();
}

TEST(PcapWriter, RoundTripMicroAndNano) {
  test::TempDir dir;
  const test::ReadAll original =
      test::readPaths({sharedPcap("pcapplusplus/nanosecs_big_endian.pcap").string()});
  for (bool nano : {false, true}) {
    const std::string path = dir.file(nano ? "ns.pcap" : "us.pcap");
    writePcap(path, original.packets, nano);
    const test::ReadAll back = test::readPaths({path});
    ASSERT_EQ(back.last, ReadStatus::kEnd);
    ASSERT_EQ(back.packets.size(), original.packets.size());
    EXPECT_EQ(back.interfaces.at(0).timestampDigits, nano ? 9u : 6u);
    for (size_t i = 0; i < back.packets.size(); ++i) {
      auto expected = original.packets[i];
      if (!nano) expected.timestamp -= expected.timestamp % kNanosPerMicro;
      ASSERT_TRUE(back.packets[i].samePacket(expected)) << i;
    }
  }
}

TEST(PcapWriter, CallbackSinkAndSnapLength) {
  std::string bytes;
  auto w = io::PcapWriter::create(
      [&](const uint8_t* data, size_t size) {
        bytes.append(reinterpret_cast<const char*>(data), size);
        return true;
      },
      io::PcapWriterOptions{101, 4, true});
  const uint8_t payload[] = {0x45, 0, 0, 20, 1, 2, 3, 4};
  RawPacket p;
  p.timestamp = 5 * kNanosPerSecond + 7;
  p.capturedLength = p.originalLength = sizeof payload;
  p.data = payload;
  ASSERT_TRUE(w->write(p));
  p.timestamp = -1;
  EXPECT_FALSE(w->write(p));
  EXPECT_FALSE(w->error().empty());
  ASSERT_TRUE(w->close());
  const test::ReadAll back = test::readMemory(bytes, "mem");
  ASSERT_EQ(back.packets.size(), 1u);
  EXPECT_EQ(back.packets[0].timestamp, 5 * kNanosPerSecond + 7);
  EXPECT_EQ(back.packets[0].capturedLength, 4u);
  EXPECT_EQ(back.packets[0].originalLength, 8u);
  EXPECT_EQ(back.packets[0].linkType, 101);
}

TEST(PcapngWriter, RoundTripInterfacesAndNanoseconds) {
  test::TempDir dir;
  const test::ReadAll original = test::readPaths({sharedPcap("ndpi/dns-google-nsid.pcapng").string()});
  ASSERT_EQ(original.interfaces.size(), 3u);
  const std::string path = dir.file("out.pcapng");
  {
    std::string error;
    auto w = io::PcapngWriter::create(path, {}, error);
    ASSERT_NE(w, nullptr) << error;
    for (const auto& info : original.interfaces) w->addInterface(info);
    for (const auto& p : original.packets) ASSERT_TRUE(w->write(rawOf(p))) << w->error();
    RawPacket bad = rawOf(original.packets[0]);
    bad.interfaceId = 7;
    EXPECT_FALSE(w->write(bad));
    ASSERT_TRUE(w->close());
  }
  const test::ReadAll back = test::readPaths({path});
  ASSERT_EQ(back.last, ReadStatus::kEnd);
  ASSERT_EQ(back.interfaces.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back.interfaces[i].name, original.interfaces[i].name);
    EXPECT_EQ(back.interfaces[i].description, original.interfaces[i].description);
    EXPECT_EQ(back.interfaces[i].linkType, original.interfaces[i].linkType);
    EXPECT_EQ(back.interfaces[i].timestampDigits, 9u);
  }
  EXPECT_EQ(back.interfaces[0].name, "eno1");
  ASSERT_EQ(back.packets.size(), original.packets.size());
  for (size_t i = 0; i < back.packets.size(); ++i) {
    ASSERT_TRUE(back.packets[i].samePacket(original.packets[i])) << i;
    ASSERT_EQ(back.packets[i].interfaceId, original.packets[i].interfaceId);
  }
}

TEST(PcapngWriter, CallbackSinkNanosecondTimestampsPast2106) {
  std::string bytes;
  {
    auto w = io::PcapngWriter::create(
        [&](const uint8_t* data, size_t size) {
          bytes.append(reinterpret_cast<const char*>(data), size);
          return true;
        },
        {});
    InterfaceInfo info;
    info.name = "eth9";
    info.linkType = 1;
    EXPECT_EQ(w->addInterface(info), 0u);
    const uint8_t frame[5] = {1, 2, 3, 4, 5};
    RawPacket p;
    p.timestamp = 4294967297LL * kNanosPerSecond + 123456789;
    p.capturedLength = 5;
    p.originalLength = 1500;
    p.data = frame;
    ASSERT_TRUE(w->write(p));
  }
  const test::ReadAll back = test::readMemory(bytes, "mem");
  ASSERT_EQ(back.packets.size(), 1u);
  EXPECT_EQ(back.packets[0].timestamp, 4294967297LL * kNanosPerSecond + 123456789);
  EXPECT_EQ(back.packets[0].originalLength, 1500u);
  EXPECT_EQ(back.packets[0].bytes, std::string("\1\2\3\4\5"));
}

TEST(Merge, SplitCaptureMergesBackToTheOriginalOrder) {
  test::TempDir dir;
  const test::ReadAll original = test::readPaths({sharedPcap("ndpi/1kxun.pcap").string()});
  ASSERT_EQ(original.packets.size(), 1723u);
  std::vector<test::PacketRecord> even, odd;
  for (size_t i = 0; i < original.packets.size(); ++i) (i % 2 ? odd : even).push_back(original.packets[i]);
  writePcap(dir.file("a.pcap"), even, true);
  writePcap(dir.file("b.pcap"), odd, true);
  const test::ReadAll merged = test::readPaths({dir.file("a.pcap"), dir.file("b.pcap")});
  ASSERT_EQ(merged.last, ReadStatus::kEnd);
  ASSERT_EQ(merged.packets.size(), original.packets.size());
  ASSERT_EQ(merged.interfaces.size(), 1u);  // one interface: same (name, description, link type)
  // The original is in non-decreasing time order, so the merge gives it back, except that packets with
  // equal timestamps come file by file (a.pcap first): the expected order is a stable sort by
  // (timestamp, file).
  for (size_t i = 1; i < original.packets.size(); ++i) {
    ASSERT_GE(original.packets[i].timestamp, original.packets[i - 1].timestamp);
  }
  std::vector<size_t> expected(original.packets.size());
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = i;
  std::stable_sort(expected.begin(), expected.end(), [&](size_t x, size_t y) {
    const PacketTime tx = original.packets[x].timestamp, ty = original.packets[y].timestamp;
    return tx != ty ? tx < ty : x % 2 < y % 2;
  });
  size_t reordered = 0;
  for (size_t i = 0; i < merged.packets.size(); ++i) {
    ASSERT_TRUE(merged.packets[i].samePacket(original.packets[expected[i]])) << i;
    ASSERT_EQ(merged.packets[i].sourceIndex, expected[i] % 2) << i;
    ASSERT_EQ(merged.packets[i].interfaceId, 0);
    reordered += expected[i] != i;
  }
  EXPECT_LT(reordered, original.packets.size() / 10);
}

TEST(Merge, TiesBreakByFileThenRecordOrder) {
  test::TempDir dir;
  auto make = [](PacketTime t, char tag) {
    test::PacketRecord p;
    p.timestamp = t;
    p.bytes = std::string(1, tag);
    p.capturedLength = p.originalLength = 1;
    p.linkType = 1;
    return p;
  };
  writePcap(dir.file("1.pcap"), {make(10, 'a'), make(10, 'b'), make(20, 'c')}, true);
  writePcap(dir.file("2.pcap"), {make(5, 'x'), make(10, 'y'), make(20, 'z')}, true);
  const test::ReadAll merged = test::readPaths({dir.file("1.pcap"), dir.file("2.pcap")});
  std::string order;
  for (const auto& p : merged.packets) order += p.bytes;
  EXPECT_EQ(order, "xabycz");
}

TEST(Merge, DirectoryExpandsToSortedFiles) {
  test::TempDir dir;
  const test::ReadAll original = test::readPaths({sharedPcap("ndpi/443-curl.pcap").string()});
  std::vector<test::PacketRecord> first(original.packets.begin(), original.packets.begin() + 40);
  std::vector<test::PacketRecord> second(original.packets.begin() + 40, original.packets.end());
  std::filesystem::create_directory(dir.path() / "parts");
  writePcap(dir.file("parts/capture-2.pcap"), second, false);
  writePcap(dir.file("parts/capture-1.pcap"), first, false);
  std::filesystem::create_directory(dir.path() / "parts" / "subdir");  // not a regular file: ignored
  ReadError error;
  const auto files = expandCapturePaths({dir.file("parts")}, error);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], dir.file("parts/capture-1.pcap"));
  const test::ReadAll merged = test::readPaths({dir.file("parts")});
  ASSERT_EQ(merged.packets.size(), original.packets.size());
  for (size_t i = 0; i < merged.packets.size(); ++i) {
    ASSERT_TRUE(merged.packets[i].samePacket(original.packets[i])) << i;
    ASSERT_EQ(merged.packets[i].sourceIndex, i < 40 ? 0u : 1u);
  }
}

TEST(Merge, InterfacesUnifyByNameDescriptionAndLinkType) {
  test::TempDir dir;
  auto writeNg = [&](const std::string& path, const std::vector<InterfaceInfo>& ifs, PacketTime t0) {
    std::string error;
    auto w = io::PcapngWriter::create(path, {}, error);
    for (const auto& i : ifs) w->addInterface(i);
    const uint8_t b = 0;
    for (uint16_t i = 0; i < ifs.size(); ++i) {
      RawPacket p;
      p.timestamp = t0 + i;
      p.capturedLength = p.originalLength = 1;
      p.interfaceId = i;
      p.data = &b;
      ASSERT_TRUE(w->write(p));
    }
  };
  const InterfaceInfo eth0{"eth0", "", 1, 0, 9, 0, 0};
  const InterfaceInfo eth1{"eth1", "", 1, 0, 9, 0, 0};
  const InterfaceInfo eth0raw{"eth0", "", 101, 0, 9, 0, 0};
  const InterfaceInfo anon{"", "", 1, 0, 9, 0, 0};
  writeNg(dir.file("a.pcapng"), {eth0, eth1, anon, anon}, 100);
  writeNg(dir.file("b.pcapng"), {eth1, eth0raw, anon, eth0, anon, anon}, 200);
  // A classic pcap file has one interface without a name: it joins the unnamed Ethernet one.
  writePcap(dir.file("c.pcap"), {test::PacketRecord{300, 1, 1, 1, 0, 0, 0, "z"}}, true);
  const test::ReadAll merged =
      test::readPaths({dir.file("a.pcapng"), dir.file("b.pcapng"), dir.file("c.pcap")});
  ASSERT_EQ(merged.last, ReadStatus::kEnd);
  ASSERT_EQ(merged.packets.size(), 11u);
  // a: eth0=0 eth1=1 anon=2 anon=3; b: eth1=1 eth0raw=4 anon=2 eth0=0 anon=3 anon=5; c: anon=2.
  const std::vector<uint16_t> expected = {0, 1, 2, 3, 1, 4, 2, 0, 3, 5, 2};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(merged.packets[i].interfaceId, expected[i]) << i;
  ASSERT_EQ(merged.interfaces.size(), 6u);
  EXPECT_EQ(merged.interfaces[4].linkType, 101);
}

TEST(Merge, AnErrorEndsOneFileOnly) {
  test::TempDir dir;
  const std::string curl = test::readFileBytes(sharedPcap("ndpi/443-curl.pcap"));
  const test::ReadAll curlPackets = test::readMemory(curl, "x");
  test::writeFileBytes(dir.file("1-cut.pcap"), curl.substr(0, curlPackets.packets[30].recordOffset + 5));
  test::writeFileBytes(dir.file("2-cut.pcap"), curl.substr(0, curlPackets.packets[60].recordOffset + 7));
  const std::string good = sharedPcap("ndpi/quic-29.pcap").string();
  OpenResult opened = openCaptureFiles({dir.file("1-cut.pcap"), good, dir.file("2-cut.pcap")});
  ASSERT_TRUE(opened.ok());
  const test::ReadAll r = test::readSource(*opened.source);
  EXPECT_EQ(r.packets.size(), 30u + 15u + 60u);
  EXPECT_EQ(r.last, ReadStatus::kError);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(opened.source->error().file, r.errors[0].file);
  std::vector<std::string> files = {r.errors[0].file, r.errors[1].file};
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files[0], dir.file("1-cut.pcap"));
  EXPECT_EQ(files[1], dir.file("2-cut.pcap"));
  for (const auto& e : r.errors) {
    EXPECT_EQ(e.offset, curlPackets.packets[e.file == files[0] ? 30 : 60].recordOffset);
  }
}

}  // namespace
}  // namespace netmeter
