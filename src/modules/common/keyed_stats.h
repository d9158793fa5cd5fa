#pragma once

#include "store/entity_table.h"
#include "store/query_yield.h"
#include "store/time_series.h"

namespace netmeter {

// An EntityTable of records that have history (TrafficRecord or derived): adds the housekeeping every
// module needs (roll-up, history cut, eviction) and shard merging for queries.
template <typename Key, typename Record>
class KeyedStats : public EntityTable<Key, Record> {
 public:
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
    this->forEach([&](const Key&, Record& r) {
      r.compact(nowSecond, policy, account);
      QueryYield::point();
    });
  }
  void dropBefore(int64_t second, MemoryAccount& account) {
    this->forEach([&](const Key&, Record& r) {
      r.dropBefore(second, account);
      QueryYield::point();
    });
  }
  void mergeFrom(const KeyedStats& o, MemoryAccount& account) {
    o.forEach([&](const Key& k, const Record& r) { this->findOrCreate(k, account).mergeFrom(r, account); });
  }
};

}  // namespace netmeter
