#pragma once

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/packet_time.h"
#include "store/memory_account.h"
#include "store/query_yield.h"
#include "store/stable_vector.h"

namespace netmeter {

// A worker's table of statistics records (one per IP, MAC, VLAN, ...), keyed by Key. Records have
// stable addresses, are created on first sight (the only allocation, amortized) and removed only by
// evictBefore() when the memory budget needs room. Record must have `PacketTime lastActivity` and a
// `void release(MemoryAccount&)` that frees its history.
template <typename Key, typename Record, typename Hash = absl::Hash<Key>>
class EntityTable {
 public:
  // Memory one record costs: its slot, and its share of the hash index (key + index + control byte per
  // slot, at a load factor between 7/16 and 7/8: counted at the worst case, twice).
  static constexpr int64_t kBytesPerRecord = sizeof(Record) + sizeof(Key) + 8 + 2 * (sizeof(Key) + 5);

  // The record for `key`, created (value-initialized, `created` set) when absent.
  Record& findOrCreate(const Key& key, MemoryAccount& account, bool& created) {
    return findOrCreateSlot(key, account, created).record;
  }

  Record& findOrCreate(const Key& key, MemoryAccount& account) {
    bool created;
    return findOrCreate(key, account, created);
  }

  // Like findOrCreate, with a caller-kept hint that skips the hash lookup when it still points at the
  // record of `key`. A hint is an opaque pointer to a slot; slots are never freed while the table lives
  // (removed ones are reused), so a stale hint is always safe to check; one must not outlive its table.
  Record& findOrCreateHinted(const Key& key, const void*& hint, MemoryAccount& account) {
    if (Slot* slot = slotOf(hint, key)) return slot->record;
    bool created;
    Slot& slot = findOrCreateSlot(key, account, created);
    hint = &slot;
    return slot.record;
  }

  // The same with a hint that may be absent (null: a plain lookup).
  Record& findOrCreateHinted(const Key& key, const void** hint, MemoryAccount& account) {
    if (hint == nullptr) return findOrCreate(key, account);
    return findOrCreateHinted(key, *hint, account);
  }

  // The record `hint` points at if it still holds `key`, else nullptr: what findOrCreateHinted() takes
  // without a lookup.
  static const Record* hinted(const void* hint, const Key& key) {
    const Slot* slot = slotOf(hint, key);
    return slot != nullptr ? &slot->record : nullptr;
  }

  const Record* find(const Key& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &records_[it->second].record;
  }
  Record* find(const Key& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &records_[it->second].record;
  }

  // Calls f(key, record) for every record.
  template <typename F>
  void forEach(F&& f) const {
    for (const Slot& s : records_)
      if (s.used) f(s.key, s.record);
  }
  template <typename F>
  void forEach(F&& f) {
    for (Slot& s : records_)
      if (s.used) f(s.key, s.record);
  }

  // Calls f(key, record) for the records in slots [from, from + maxSlots) and returns where the next
  // call should start (size() of the slot array once every slot was visited). For scans in chunks
  // that let go of the owner's lock between chunks; records created or removed in between may be
  // missed or seen twice (a removed key created again in a later slot).
  template <typename F>
  size_t forEachFrom(size_t from, size_t maxSlots, F&& f) const {
    const size_t end = std::min(records_.size(), from + maxSlots);
    for (size_t i = from; i < end; ++i)
      if (records_[i].used) f(records_[i].key, records_[i].record);
    return end;
  }
  size_t slotCount() const { return records_.size(); }

  // Removes records whose last activity is before `before`; returns how many.
  size_t evictBefore(PacketTime before, MemoryAccount& account) {
    size_t removed = 0;
    for (uint32_t i = 0; i < records_.size(); ++i) {
      QueryYield::point();
      Slot& s = records_[i];
      if (!s.used || s.record.lastActivity >= before) continue;
      s.record.release(account);
      index_.erase(s.key);
      s.used = false;
      free_.push_back(i);
      account.add(-kBytesPerRecord);
      ++removed;
    }
    return removed;
  }

  size_t size() const { return index_.size(); }

 private:
  struct Slot {
    Key key{};
    Record record{};
    bool used = false;
  };
  // The slot `hint` points at if it holds `key` (hints come from findOrCreateHinted, which hands out
  // the table's own, mutable slots).
  static Slot* slotOf(const void* hint, const Key& key) {
    Slot* slot = static_cast<Slot*>(const_cast<void*>(hint));
    return slot != nullptr && slot->used && slot->key == key ? slot : nullptr;
  }
  Slot& findOrCreateSlot(const Key& key, MemoryAccount& account, bool& created) {
    auto [it, inserted] = index_.try_emplace(key, 0u);
    created = inserted;
    if (!inserted) return records_[it->second];
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      records_[slot] = Slot{};
    } else {
      slot = static_cast<uint32_t>(records_.size());
      records_.emplace_back();
    }
    it->second = slot;
    records_[slot].key = key;
    records_[slot].used = true;
    account.add(kBytesPerRecord);
    return records_[slot];
  }

  absl::flat_hash_map<Key, uint32_t, Hash> index_;
  StableVector<Slot> records_;
  std::vector<uint32_t> free_;
};

}  // namespace netmeter
