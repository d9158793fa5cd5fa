#pragma once

#include <array>
#include <cstddef>

#include "store/memory_account.h"

namespace netmeter {

// A direct-mapped cache of record pointers in front of one of the small tables whose records are
// never removed (VLANs, EtherTypes, QoS classes; see ModuleSet::evictBefore): a packet whose key
// is in its slot skips the hash lookup. A copy starts empty (its pointers would be the original's).
template <typename Key, typename Record, size_t Slots>
class RecordCache {
 public:
  RecordCache() = default;
  RecordCache(const RecordCache&) {}
  RecordCache& operator=(const RecordCache&) {
    entries_ = {};
    return *this;
  }

  // The record of `key` in `table` (created when absent); `slot` picks the cache entry (any value,
  // taken modulo Slots: a cheap function of the key).
  template <typename Table>
  Record& get(Table& table, const Key& key, size_t slot, MemoryAccount& account) {
    Entry& e = entries_[slot % Slots];
    if (e.record == nullptr || !(e.key == key)) {
      e.record = &table.findOrCreate(key, account);
      e.key = key;
    }
    return *e.record;
  }

 private:
  struct Entry {
    Key key{};
    Record* record = nullptr;
  };
  std::array<Entry, Slots> entries_{};
};

}  // namespace netmeter
