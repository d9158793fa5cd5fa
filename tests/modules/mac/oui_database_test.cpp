#include "modules/mac/oui_database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/mac_address.h"

namespace netmeter {
namespace {

namespace fs = std::filesystem;

MacAddress mac(const char* text) {
  return MacAddress::parse(text).value();
}

const OuiDatabase& installed() {
  static const OuiDatabase db = OuiDatabase::load();
  return db;
}

bool haveIeeeData() {
  return fs::exists(fs::path(OuiDatabase::kDefaultDirectory) / "oui.csv");
}

// A temporary directory with crafted CSV files, removed afterwards.
class CraftedDirectory {
 public:
  CraftedDirectory() {
    path_ = fs::temp_directory_path() /
            ("netmeter_oui_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~CraftedDirectory() { fs::remove_all(path_); }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name, std::ios::binary) << content;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(OuiDatabase, KnownVendorsFromIeeeData) {
  if (!haveIeeeData()) GTEST_SKIP() << "ieee-data is not installed";
  const OuiDatabase& db = installed();
  EXPECT_EQ(db.loadError(), "");
  EXPECT_GT(db.size(), 40000u);
  // MA-L, a quoted name with a comma: MA-L,00000C,"Cisco Systems, Inc",...
  EXPECT_EQ(db.vendor(mac("00:00:0c:12:34:56")), "Cisco Systems, Inc");
  EXPECT_EQ(db.vendor(mac("00:00:00:00:00:01")), "XEROX CORPORATION");
  // MA-M (mam.csv: MA-M,208593B,IOG Products LLC) inside the MA-L block 20:85:93 of the IEEE RA.
  EXPECT_EQ(db.vendor(mac("20:85:93:b1:23:45")), "IOG Products LLC");
  EXPECT_EQ(db.vendor(mac("20:85:93:c1:23:45")), db.vendor(mac("20:85:93:c1:00:00")));
  // MA-S (oui36.csv: MA-S,70B3D5F2F,TELEPLATFORMS,"Polbina st., 3/1 Moscow  RU 109388 ").
  EXPECT_EQ(db.vendor(mac("70:b3:d5:f2:f0:01")), "TELEPLATFORMS");
  // IAB (iab.csv: IAB,0050C27D5,DEUTA-WERKE GmbH,...), 36 bits.
  EXPECT_EQ(db.vendor(mac("00:50:c2:7d:50:00")), "DEUTA-WERKE GmbH");
  // Outside every MA-S of the block: the MA-L owner (longest prefix that matches).
  EXPECT_EQ(db.vendor(mac("70:b3:d5:00:00:00")).empty(), false);
  // Doubled quotes inside a quoted name (iab.csv: "JSC ""Component-ASU""").
  EXPECT_EQ(db.vendor(mac("00:50:c2:a5:c0:00")), "JSC \"Component-ASU\"");
}

TEST(OuiDatabase, UnknownLocalAndGroupAddresses) {
  if (!haveIeeeData()) GTEST_SKIP() << "ieee-data is not installed";
  const OuiDatabase& db = installed();
  EXPECT_EQ(db.vendor(mac("02:00:00:00:00:01")), "") << "locally administered";
  EXPECT_EQ(db.vendor(mac("02:60:8c:00:00:01")), "") << "legacy 3Com block with the U/L bit: not answered";
  EXPECT_EQ(db.vendor(mac("ff:ff:ff:ff:ff:ff")), "");
  EXPECT_EQ(db.vendor(mac("33:33:00:00:00:01")), "") << "IPv6 multicast is locally administered";
  EXPECT_EQ(db.vendor(mac("01:00:0c:cc:cc:cc")), "Cisco Systems, Inc") << "CDP multicast";
  EXPECT_EQ(db.vendor(mac("01:00:5e:00:00:01")), "ICANN, IANA Department");
  EXPECT_EQ(db.vendor(mac("01:80:c2:00:00:00")), "IEEE 802.1 Chair");
  // An unassigned MA-L: find one by scanning (the registry changes over time).
  bool foundUnknown = false;
  for (uint32_t oui = 0xfc0000; oui < 0xfcffff && !foundUnknown; oui += 4) {
    MacAddress m;
    m.bytes = {uint8_t(oui >> 16), uint8_t(oui >> 8), uint8_t(oui), 1, 2, 3};
    foundUnknown = db.vendor(m).empty();
  }
  EXPECT_TRUE(foundUnknown);
}

TEST(OuiDatabase, CraftedCsvWithQuotes) {
  CraftedDirectory dir;
  dir.write("oui.csv",
            "Registry,Assignment,Organization Name,Organization Address\r\n"
            "MA-L,AABBC0,\"Comma, Inc.\",\"1 Main St, Springfield\"\r\n"
            "MA-L,001122,\"Multi\r\nLine? no: \"\"quoted\"\" name\",\"Street 1,\r\nTown\"\r\n"
            "MA-L,001123,  Padded Name  ,addr\n"  // LF only, padded
            "MA-L,001124,First Owner,addr\r\n"
            "MA-L,001124,Second Owner,addr\r\n"  // duplicate: first wins
            "MA-L,XYZ123,Bad Hex,addr\r\n"       // skipped
            "MA-L,001125,,addr\r\n"              // no name: skipped
            "MA-L,0211AA,Local Legacy,addr\r\n"  // U/L bit: skipped
            "\r\n"
            "MA-L,001126,Comma, Inc.,addr\r\n"  // reused name, no trailing newline next
            "MA-L,001127,Last Row,\"no newline at end\"");
  dir.write("mam.csv",
            "Registry,Assignment,Organization Name,Organization Address\n"
            "MA-M,AABBC0D,\"Medium, Ltd\",x\n");
  dir.write("oui36.csv",
            "Registry,Assignment,Organization Name,Organization Address\n"
            "MA-S,AABBC0DEF,\"Small \"\"S\"\", GmbH\",\"a, b, c\"\n");
  dir.write("iab.csv", "Registry,Assignment,Organization Name,Organization Address\n");
  const OuiDatabase db = OuiDatabase::load(dir.path());
  EXPECT_EQ(db.loadError(), "");
  EXPECT_EQ(db.size(), 5u);                            // 001122, 001123, 001124, 001126, 001127
  EXPECT_EQ(db.skippedRows(), 6u);                     // AA.. (x3, U/L bit), XYZ123, no name, 0211AA
  EXPECT_EQ(db.vendor(mac("aa:bb:c0:00:00:00")), "");  // AA has the U/L bit: never a vendor
  EXPECT_EQ(db.vendor(mac("00:11:22:33:44:55")), "Multi\r\nLine? no: \"quoted\" name");
  EXPECT_EQ(db.vendor(mac("00:11:23:00:00:00")), "Padded Name");
  EXPECT_EQ(db.vendor(mac("00:11:24:00:00:00")), "First Owner");
  EXPECT_EQ(db.vendor(mac("00:11:26:00:00:00")), "Comma");  // unquoted: the comma ends the field
  EXPECT_EQ(db.vendor(mac("00:11:27:ff:ff:ff")), "Last Row");
  EXPECT_EQ(db.vendor(mac("00:11:28:00:00:00")), "");
}

TEST(OuiDatabase, LongestPrefixWins) {
  CraftedDirectory dir;
  dir.write("oui.csv",
            "Registry,Assignment,Organization Name,Organization Address\n"
            "MA-L,A8BBC0,\"Large, Inc.\",x\n");
  dir.write("mam.csv",
            "Registry,Assignment,Organization Name,Organization Address\n"
            "MA-M,A8BBC0D,\"Medium, Ltd\",x\n");
  dir.write("oui36.csv",
            "Registry,Assignment,Organization Name,Organization Address\n"
            "MA-S,A8BBC0DEF,\"Small \"\"S\"\", GmbH\",\"a, b, c\"\n");
  // iab.csv missing: reported, the rest is loaded.
  const OuiDatabase db = OuiDatabase::load(dir.path());
  EXPECT_NE(db.loadError().find("iab.csv"), std::string::npos) << db.loadError();
  EXPECT_EQ(db.size(), 3u);
  EXPECT_EQ(db.vendor(mac("a8:bb:c0:de:f1:23")), "Small \"S\", GmbH");
  EXPECT_EQ(db.vendor(mac("a8:bb:c0:de:e1:23")), "Medium, Ltd");
  EXPECT_EQ(db.vendor(mac("a8:bb:c0:d0:00:00")), "Medium, Ltd");
  EXPECT_EQ(db.vendor(mac("a8:bb:c0:c0:00:00")), "Large, Inc.");
  EXPECT_EQ(db.vendor(mac("a9:bb:c0:de:f1:23")), "Small \"S\", GmbH") << "group bit ignored";
  EXPECT_EQ(db.vendor(mac("a8:bb:c1:00:00:00")), "");
}

TEST(OuiDatabase, MissingDirectoryIsNotFatal) {
  const OuiDatabase db = OuiDatabase::load("/nonexistent/netmeter/ieee-data");
  EXPECT_TRUE(db.empty());
  EXPECT_NE(db.loadError().find("/nonexistent/netmeter/ieee-data"), std::string::npos);
  EXPECT_EQ(db.vendor(mac("00:00:0c:12:34:56")), "");
  const OuiDatabase none;
  EXPECT_EQ(none.vendor(mac("00:00:0c:12:34:56")), "");
}

TEST(OuiDatabase, CompactFastAndSafeFromManyThreads) {
  if (!haveIeeeData()) GTEST_SKIP() << "ieee-data is not installed";
  const OuiDatabase& db = installed();
  EXPECT_LT(db.memoryBytes(), 2'000'000u);
  std::atomic<size_t> found{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      size_t local = 0;
      uint64_t x = 0x9e3779b97f4a7c15ULL * uint64_t(t + 1);
      for (int i = 0; i < 250000; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        MacAddress m;
        for (int b = 0; b < 6; ++b) m.bytes[size_t(b)] = uint8_t(x >> (8 * b));
        m.bytes[0] &= 0xfc;
        local += db.vendor(m).empty() ? 0 : 1;
      }
      found += local;
    });
  }
  for (auto& th : threads) th.join();
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("nsPerLookup", std::to_string(ns / 1e6));
  EXPECT_GT(found.load(), 0u);
}

}  // namespace
}  // namespace netmeter
