#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "generate/generate_command.h"
#include "trace_reader.h"

namespace netmeter {
namespace {

int run(std::vector<std::string> args) {
  args.insert(args.begin(), "netmeter-generate");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return runGenerateCommand(int(args.size()), argv.data());
}

TEST(GenerateCommand, WritesTheRequestedTrace) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("netmeter_cmd_" + std::to_string(::getpid()) + ".pcap"))
          .string();
  EXPECT_EQ(run({"--out", path, "--packets", "2000", "--hosts=50", "--connections", "200", "--seed", "9",
                 "--ipv6-share", "0", "--vlan-share", "0", "--snaplen", "96", "--start", "1000", "--quiet"}),
            0);
  const test::ReadResult trace = test::readTrace(path);
  ASSERT_EQ(trace.packets.size(), 2000u);
  EXPECT_EQ(trace.packets.front().time, 1000LL * 1'000'000'000);
  for (const test::ParsedPacket& p : trace.packets) {
    EXPECT_LE(p.caplen, 96u);
    EXPECT_NE(p.ipVersion, 6);
    EXPECT_EQ(p.vlanTags, 0);
  }
  EXPECT_EQ(run({"--out", path, "--packets", "500", "--flood", "--quiet"}), 0);
  EXPECT_EQ(test::readTrace(path).packets.size(), 500u);
  std::filesystem::remove(path);
}

TEST(GenerateCommand, RejectsBadArguments) {
  EXPECT_EQ(run({}), 2);                                             // no --out
  EXPECT_EQ(run({"--out", "/tmp/x.pcap", "--packets", "ten"}), 2);   // not a number
  EXPECT_EQ(run({"--out", "/tmp/x.pcap", "--ipv6-share", "2"}), 2);  // out of range
  EXPECT_EQ(run({"--out", "/tmp/x.pcap", "--bogus", "1"}), 2);       // unknown flag
  EXPECT_EQ(run({"--out", "/tmp/x.pcap", "--packets"}), 2);          // missing value
  EXPECT_EQ(run({"--out", "/nonexistent-dir/x.pcap", "--packets", "10", "--quiet"}), 1);
  EXPECT_EQ(run({"--help"}), 0);
}

}  // namespace
}  // namespace netmeter
