#pragma once

#include <array>
#include <cstdint>

namespace netmeter {

// Up to Capacity distinct values with a count each, stored inline and sorted by value. When more
// distinct values arrive the smallest Capacity are kept and `overflow()` says so; what is kept does
// not depend on the order of insertion, so shards merge to the same set in any order.
template <typename T, size_t Capacity>
class CountedSet {
 public:
  struct Entry {
    T value{};
    uint64_t count = 0;
  };

  void add(const T& v, uint64_t n = 1) {
    size_t i = 0;
    while (i < size_ && entries_[i].value < v) ++i;
    if (i < size_ && entries_[i].value == v) {
      entries_[i].count += n;
      return;
    }
    if (size_ == Capacity) {
      overflow_ = true;
      if (i == size_) return;
      --size_;
    }
    for (size_t j = size_; j > i; --j) entries_[j] = entries_[j - 1];
    entries_[i] = Entry{v, n};
    ++size_;
  }
  void mergeFrom(const CountedSet& o) {
    for (size_t i = 0; i < o.size_; ++i) add(o.entries_[i].value, o.entries_[i].count);
    overflow_ = overflow_ || o.overflow_;
  }
  const Entry* begin() const { return entries_.data(); }
  const Entry* end() const { return entries_.data() + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool overflow() const { return overflow_; }

 private:
  std::array<Entry, Capacity> entries_{};
  uint32_t size_ = 0;
  bool overflow_ = false;
};

}  // namespace netmeter
