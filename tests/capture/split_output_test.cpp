#include "capture/split_output.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "capture/packet_selector.h"
#include "decode/decoder.h"
#include "filter/snap_rules.h"
#include "support/packet_builder.h"

namespace netmeter::capture {
namespace {

constexpr PacketTime kT0 = 1'700'000'000 * kNanosPerSecond;  // 2023-11-14 22:13:20 UTC

TEST(CaptureFileName, FormatsPacketTimeInUtcAndStaysAPlainName) {
  EXPECT_EQ(captureFileName("cap_%Y%m%d_%H%M%S", kT0 + 999'999'999), "cap_20231114_221320");
  EXPECT_EQ(captureFileName("../../etc/%Y", kT0), "_.._etc_2023");  // no directories, no leading dot
  EXPECT_EQ(captureFileName("", kT0), "capture");
  EXPECT_EQ(captureFileName(std::string(300, 'a'), kT0).size(), 200u);
  EXPECT_EQ(captureFileName("a\nb", kT0), "a_b");
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/netmeter-split-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

std::vector<std::string> writeSplit(const std::string& dir, SplitPolicy policy, int packets, PacketTime step) {
  std::vector<std::string> closed;
  std::string current;
  SinkOptions options;
  options.format = OutputFormat::kPcapng;
  SplitOutput out(
      options, policy,
      [&](PacketTime first, SinkTarget& target) {
        current = captureFileName("part_%H%M%S", first) + "_" + std::to_string(closed.size()) + ".pcapng";
        target.path = dir + "/" + current;
        return std::string();
      },
      [&](std::string&) {
        closed.push_back(current);
        return true;
      });
  const std::vector<InterfaceInfo> interfaces{InterfaceInfo{"eth0", "", 1, 65535, 9}};
  test::FrameSpec spec;
  spec.payload = 958;  // 1000-byte frames
  const auto frame = test::buildFrame(spec);
  for (int i = 0; i < packets; ++i) {
    const RawPacket raw = test::rawPacket(frame, kT0 + i * step);
    EXPECT_TRUE(out.write(raw, interfaces, 0));
  }
  EXPECT_TRUE(out.close());
  EXPECT_EQ(out.packetBytes(), uint64_t(packets) * frame.size());
  return closed;
}

TEST(SplitOutput, SplitsBySizeAndNamesEachPartByItsFirstPacket) {
  TempDir dir;
  // 1000-byte packets, a new part once 10,000 bytes of packets are in one: 25 packets -> 10 + 10 + 5.
  const auto parts = writeSplit(dir.path, SplitPolicy{10'000, 0}, 25, kNanosPerSecond);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "part_221320_0.pcapng");
  EXPECT_EQ(parts[1], "part_221330_1.pcapng");  // its first packet is the 11th, 10 s later
  EXPECT_EQ(parts[2], "part_221340_2.pcapng");
  for (const auto& p : parts) EXPECT_TRUE(std::filesystem::exists(dir.path + "/" + p));
  EXPECT_GT(std::filesystem::file_size(dir.path + "/" + parts[0]), std::filesystem::file_size(dir.path + "/" + parts[2]));
}

TEST(SplitOutput, SplitsByDurationOfPacketTime) {
  TempDir dir;
  // One packet every 2 s, 5 s per part: packets at 0,2,4 | 6,8,10 | 12,14,16 | 18.
  const auto parts = writeSplit(dir.path, SplitPolicy{0, 5 * kNanosPerSecond}, 10, 2 * kNanosPerSecond);
  EXPECT_EQ(parts.size(), 4u);
  // No packet, no file.
  EXPECT_TRUE(writeSplit(dir.path, SplitPolicy{}, 0, 1).empty());
}

TEST(SnapRules, FirstMatchingRuleDecidesAndUndecidedDoesNotMatch) {
  filter::SnapRules rules;
  for (auto [expression, snap] : std::initializer_list<std::pair<const char*, uint32_t>>{
           {"l7Protocol == DNS", 0}, {"port == 53", 60}, {"ip == 10.0.0.0/8", 100}, {"", 64}}) {
    filter::SnapRules::Rule rule;
    ASSERT_FALSE(filter::SnapRules::compileRule(expression, snap, rule, captureCompileOptions()).has_value());
    rules.add(std::move(rule));
  }
  auto snapOf = [&](const test::FrameSpec& spec, filter::L7State l7) {
    const auto frame = test::buildFrame(spec);
    const RawPacket raw = test::rawPacket(frame, kT0);
    DecodedPacket decoded;
    decodePacket(raw, decoded);
    filter::PacketContext context;
    context.l7 = l7;
    return rules.select(filter::PacketView{decoded, frame.data(), &context});
  };
  test::FrameSpec dns;
  dns.dstPort = 53;
  dns.l4Protocol = 17;
  // L7 not classified yet: the L7 rule is undecided, so the port rule decides.
  EXPECT_EQ(snapOf(dns, filter::L7State::kNotClassified), std::optional<uint32_t>(60));
  // Classified as something else (unknown): still the port rule.
  EXPECT_EQ(snapOf(dns, filter::L7State::kClassified), std::optional<uint32_t>(60));
  test::FrameSpec web;
  EXPECT_EQ(snapOf(web, filter::L7State::kClassified), std::optional<uint32_t>(100));
  web.srcIp = "192.0.2.1";
  web.dstIp = "192.0.2.2";
  EXPECT_EQ(snapOf(web, filter::L7State::kClassified), std::optional<uint32_t>(64));  // the catch-all rule

  filter::SnapRules::Rule bad;
  EXPECT_TRUE(filter::SnapRules::compileRule("port = 1", 10, bad).has_value());
}

}  // namespace
}  // namespace netmeter::capture
