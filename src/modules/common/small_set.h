#pragma once

#include <array>
#include <cstdint>

namespace netmeter {

// A sorted set of at most Capacity values stored inline (no allocation). When more values arrive, the
// smallest Capacity are kept and `overflow()` says the set is incomplete: memory per entity stays
// bounded, and what is kept does not depend on the order of insertion (so merging shards in any order
// gives the same set).
template <typename T, size_t Capacity>
class SmallSet {
 public:
  void insert(const T& v) {
    uint8_t i = 0;
    while (i < size_ && values_[i] < v) ++i;
    if (i < size_ && values_[i] == v) return;
    if (size_ == Capacity) {
      overflow_ = true;
      if (i == size_) return;  // larger than everything kept
      --size_;                 // drop the largest
    }
    for (uint8_t j = size_; j > i; --j) values_[j] = values_[j - 1];
    values_[i] = v;
    ++size_;
  }
  void mergeFrom(const SmallSet& o) {
    for (uint8_t i = 0; i < o.size_; ++i) insert(o.values_[i]);
    overflow_ = overflow_ || o.overflow_;
  }
  bool contains(const T& v) const {
    for (uint8_t i = 0; i < size_; ++i)
      if (values_[i] == v) return true;
    return false;
  }
  const T* begin() const { return values_.data(); }
  const T* end() const { return values_.data() + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool overflow() const { return overflow_; }

 private:
  std::array<T, Capacity> values_{};
  uint8_t size_ = 0;
  bool overflow_ = false;
};

}  // namespace netmeter
