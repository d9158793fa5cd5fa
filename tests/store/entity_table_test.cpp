// EntityTable: records with stable addresses, found by key or through a caller-kept hint.
#include "store/entity_table.h"

#include <gtest/gtest.h>

namespace netmeter {
namespace {

struct Counted {
  PacketTime lastActivity = 0;
  uint64_t value = 0;
  void release(MemoryAccount&) {}
};

TEST(EntityTable, HintFindsTheRecordWithoutALookupAndAStaleOneIsChecked) {
  EntityTable<uint32_t, Counted> table;
  MemoryAccount account;
  const void* hint = nullptr;
  Counted& a = table.findOrCreateHinted(1, hint, account);
  a.value = 10;
  a.lastActivity = 100;
  ASSERT_NE(hint, nullptr);
  EXPECT_EQ(decltype(table)::hinted(hint, 1), &a);
  EXPECT_EQ(&table.findOrCreateHinted(1, hint, account), &a);

  // A hint used for another key finds (or creates) that key's record and then points at it.
  const void* shared = hint;
  Counted& b = table.findOrCreateHinted(2, shared, account);
  EXPECT_NE(&b, &a);
  EXPECT_EQ(b.value, 0u);
  EXPECT_EQ(decltype(table)::hinted(shared, 2), &b);
  EXPECT_EQ(decltype(table)::hinted(shared, 1), nullptr);

  // Record 1 removed and its slot reused by key 3: the old hint no longer leads to key 1.
  b.lastActivity = 300;
  EXPECT_EQ(table.evictBefore(200, account), 1u);
  EXPECT_EQ(decltype(table)::hinted(hint, 1), nullptr);
  Counted& c = table.findOrCreate(3, account);
  EXPECT_EQ(&c, &a);  // the freed slot
  EXPECT_EQ(decltype(table)::hinted(hint, 1), nullptr);
  EXPECT_EQ(decltype(table)::hinted(hint, 3), &c);
  Counted& again = table.findOrCreateHinted(1, hint, account);
  EXPECT_NE(&again, &c);
  EXPECT_EQ(again.value, 0u);  // a new record for key 1, not key 3's
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(decltype(table)::hinted(hint, 1), &again);
}

}  // namespace
}  // namespace netmeter
