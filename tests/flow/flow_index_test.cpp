#include "flow/flow_index.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

namespace netmeter {
namespace {

// The index against a reference map from slot to hash, under random inserts and erases, with hashes drawn
// from a small set so that runs, wrap-around at the end of the table and equal hash bits (candidates the
// caller must reject) all occur.
class FlowIndexModel {
 public:
  uint32_t find(const FlowIndex& index, uint32_t slot) const {
    const uint64_t h = hashes_.at(slot);
    return index.find(h, [&](uint32_t s) { return s == slot; });
  }
  std::unordered_map<uint32_t, uint64_t> hashes_;
  std::unordered_map<uint32_t, uint64_t> erased_;  // slot -> the hash it had
  void erase(uint32_t slot) {
    erased_[slot] = hashes_.at(slot);
    hashes_.erase(slot);
  }
};

TEST(FlowIndex, FindsInsertedSlotsAndForgetsErasedOnes) {
  FlowIndex index;
  EXPECT_EQ(index.candidate(42), FlowIndex::kNone);
  EXPECT_EQ(index.find(42, [](uint32_t) { return true; }), FlowIndex::kNone);
  EXPECT_FALSE(index.erase(42, 7));
  index.insert(42, 7);
  index.insert(42 + (uint64_t{1} << 32), 8);  // same low 32 bits: the same candidate bits
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.candidate(42), 7u);
  EXPECT_EQ(index.find(42, [](uint32_t s) { return s == 8; }), 8u);
  EXPECT_EQ(index.find(43, [](uint32_t) { return true; }), FlowIndex::kNone);
  EXPECT_TRUE(index.erase(42, 7));
  EXPECT_EQ(index.candidate(42), 8u);
  EXPECT_FALSE(index.erase(42, 7));
  EXPECT_EQ(index.size(), 1u);
  EXPECT_GT(index.memoryBytes(), 0u);
}

TEST(FlowIndex, MatchesAReferenceUnderRandomOperations) {
  std::mt19937_64 rng(7);
  FlowIndex index;
  FlowIndexModel model;
  std::vector<uint32_t> live;
  uint32_t nextSlot = 0;
  for (int round = 0; round < 200; ++round) {
    // Hashes from a small pool (many equal low bits) or anywhere.
    for (int i = 0; i < 300; ++i) {
      const uint64_t h = (rng() % 4 == 0) ? rng() % 64 : rng();
      index.insert(h, nextSlot);
      model.hashes_[nextSlot] = h;
      live.push_back(nextSlot++);
    }
    for (int i = 0; i < 200 && !live.empty(); ++i) {
      const size_t k = rng() % live.size();
      const uint32_t slot = live[k];
      ASSERT_TRUE(index.erase(model.hashes_[slot], slot));
      model.erase(slot);
      live[k] = live.back();
      live.pop_back();
    }
    ASSERT_EQ(index.size(), live.size());
    for (uint32_t slot : live) ASSERT_EQ(model.find(index, slot), slot);
  }
  // Erased slots are gone.
  ASSERT_FALSE(model.erased_.empty());
  for (const auto& erased : model.erased_) {
    const uint32_t slot = erased.first;
    const uint64_t hash = erased.second;
    ASSERT_EQ(index.find(hash, [slot](uint32_t s) { return s == slot; }), FlowIndex::kNone);
    ASSERT_FALSE(index.erase(hash, slot));
  }
}

TEST(FlowIndex, StaysAtMostThreeQuartersFull) {
  FlowIndex index;
  for (uint32_t slot = 0; slot < 10000; ++slot) {
    index.insert(uint64_t{slot} * 0x9e3779b97f4a7c15ULL, slot);
    ASSERT_LE(index.size() * 8 * 4, index.memoryBytes() * 3);
  }
}

}  // namespace
}  // namespace netmeter
