#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace netmeter {

// The index of a worker's active connections: from a flow's hash to the slot of its connection in
// the flow table. Open addressing with linear probing over 8-byte entries (32 bits of the hash and
// the slot), eight to a cache line, at most 3/4 full; erasing shifts the following entries back, so
// there are no tombstones.
//
// The keys themselves are not stored: they are in the connections. An entry whose hash bits match is
// a candidate that the caller confirms against the connection's key (`matches(slot)`), which it reads
// anyway. A lookup therefore touches one or two lines of the index plus the connection, against a
// hash map of (key, slot) pairs whose matching pair usually lies on another line than the one the
// prefetch stage could name before probing, and whose pairs are six times larger.
class FlowIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Software pipelining: the line where a lookup of `hash` starts probing.
  void prefetch(uint64_t hash) const {
    if (entries_) __builtin_prefetch(&entries_[hash & mask_]);
  }
  // The first slot whose hash bits equal `hash`'s, unconfirmed (kNone: the flow is certainly not
  // indexed). For the prefetch stage, which must not touch the connections yet.
  uint32_t candidate(uint64_t hash) const {
    return find(hash, [](uint32_t) { return true; });
  }
  // The slot of the flow with `hash` for which matches(slot) confirms the key, or kNone.
  template <typename Matches>
  uint32_t find(uint64_t hash, Matches&& matches) const {
    if (!entries_) return kNone;
    const auto tag = static_cast<uint32_t>(hash);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.slot == kNone) return kNone;
      if (e.hash == tag && matches(e.slot)) return e.slot;
    }
  }
  // Adds `slot` under `hash` (the caller made sure its flow is not indexed yet).
  void insert(uint64_t hash, uint32_t slot) {
    if ((size_ + 1) * 4 > capacity() * 3) grow();
    place(Entry{static_cast<uint32_t>(hash), slot});
    ++size_;
  }
  // Removes the entry of `slot`, indexed under `hash`; false when there is none.
  bool erase(uint64_t hash, uint32_t slot) {
    if (!entries_) return false;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.slot == kNone) return false;
      if (e.slot == slot) {
        eraseAt(i);
        return true;
      }
    }
  }
  size_t size() const { return size_; }
  // Heap bytes held.
  size_t memoryBytes() const { return capacity() * sizeof(Entry); }

 private:
  struct Entry {
    uint32_t hash = 0;  // the hash's low 32 bits (the home position is hash & mask_)
    uint32_t slot = kNone;
  };

  size_t capacity() const { return entries_ ? mask_ + 1 : 0; }
  void place(Entry entry) {
    size_t i = entry.hash & mask_;
    while (entries_[i].slot != kNone) i = (i + 1) & mask_;
    entries_[i] = entry;
  }
  // Backward-shift deletion: entries after i in its run move back into the hole when their home
  // position is not cyclically within (hole, their position].
  void eraseAt(size_t hole) {
    for (size_t j = (hole + 1) & mask_;; j = (j + 1) & mask_) {
      const Entry e = entries_[j];
      if (e.slot == kNone) break;
      const size_t home = e.hash & mask_;
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      entries_[hole] = e;
      hole = j;
    }
    entries_[hole] = Entry{};
    --size_;
  }
  void grow() {
    const size_t oldCapacity = capacity();
    // 2^31 entries at most: the hash keeps 32 bits, which must cover the home position.
    const size_t newCapacity = oldCapacity == 0 ? 16 : oldCapacity * 2;
    std::unique_ptr<Entry[]> old = std::move(entries_);
    entries_ = std::make_unique<Entry[]>(newCapacity);
    mask_ = newCapacity - 1;
    for (size_t i = 0; i < oldCapacity; ++i)
      if (old[i].slot != kNone) place(old[i]);
  }

  std::unique_ptr<Entry[]> entries_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace netmeter
