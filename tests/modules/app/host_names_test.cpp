#include "modules/app/host_names.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace netmeter {
namespace {

// The rule spelled out plainly: the kMaxNames most recently seen names, sorted again after every
// change, newest first and then by name.
struct ReferenceNames {
  std::vector<HostName> names;
  void learn(const std::string& name, NameSource source, PacketTime t) {
    auto byName = std::find_if(names.begin(), names.end(), [&](const HostName& n) { return n.name == name; });
    if (byName != names.end()) {
      if (t >= byName->lastSeen) {
        byName->source = t > byName->lastSeen ? source : std::min(byName->source, source);
        byName->lastSeen = t;
      }
    } else if (names.size() < HostNameRecord::kMaxNames) {
      names.push_back(HostName{.name = name, .source = source, .lastSeen = t});
    } else {
      auto older = [](const HostName& a, PacketTime at, const std::string& n) {
        return a.lastSeen < at || (a.lastSeen == at && a.name > n);
      };
      size_t oldest = 0;
      for (size_t i = 1; i < names.size(); ++i)
        if (older(names[i], names[oldest].lastSeen, names[oldest].name)) oldest = i;
      if (older(names[oldest], t, name))
        names[oldest] = HostName{.name = name, .source = source, .lastSeen = t};
    }
    std::sort(names.begin(), names.end(), HostNameRecord::newerFirst);
  }
};

void expectSame(const HostNameRecord& r, const ReferenceNames& ref, int step) {
  ASSERT_EQ(r.count, ref.names.size()) << "step " << step;
  for (size_t i = 0; i < ref.names.size(); ++i) {
    ASSERT_EQ(r.names[i].name, ref.names[i].name) << "step " << step << " slot " << i;
    ASSERT_EQ(r.names[i].lastSeen, ref.names[i].lastSeen) << "step " << step << " slot " << i;
    ASSERT_EQ(r.names[i].source, ref.names[i].source) << "step " << step << " slot " << i;
  }
}

// Names seen again, new names, late (older) sightings and equal times, in random order: the record
// (which moves only the changed name to its place) always equals the plainly sorted reference.
TEST(HostNameRecord, KeepsTheMostRecentNamesInOrderLikeAFullSort) {
  std::mt19937 rng(5);
  for (int round = 0; round < 200; ++round) {
    HostNameRecord record;
    ReferenceNames reference;
    MemoryAccount account;
    for (int step = 0; step < 300; ++step) {
      const std::string name = "host" + std::to_string(rng() % 9) + ".example";
      const auto source = NameSource(rng() % 3);
      const PacketTime t = PacketTime(rng() % 40);  // many equal times and late sightings
      record.learn(name, source, t, account);
      reference.learn(name, source, t);
      expectSame(record, reference, step);
    }
    record.release(account);
    EXPECT_EQ(account.bytes, 0);
  }
}

TEST(HostNameRecord, MergingTwoRecordsEqualsLearningEverythingInOne) {
  std::mt19937 rng(9);
  for (int round = 0; round < 200; ++round) {
    HostNameRecord a, b, all;
    MemoryAccount account;
    for (int step = 0; step < 20; ++step) {
      const std::string name = "n" + std::to_string(rng() % 7);
      const auto source = NameSource(rng() % 3);
      const PacketTime t = PacketTime(rng() % 15);
      (rng() % 2 ? a : b).learn(name, source, t, account);
      all.learn(name, source, t, account);
    }
    a.mergeFrom(b, account);
    ASSERT_EQ(a.count, all.count);
    for (uint8_t i = 0; i < a.count; ++i) {
      EXPECT_EQ(a.names[i].name, all.names[i].name) << round;
      EXPECT_EQ(a.names[i].lastSeen, all.names[i].lastSeen) << round;
    }
  }
}

}  // namespace
}  // namespace netmeter
