#pragma once

#include <array>
#include <cstdint>

namespace netmeter {

// A set of at most Capacity values stored inline (no allocation). Values beyond the capacity are not
// kept; `overflow()` then says the set is incomplete, so memory per entity stays bounded.
template <typename T, size_t Capacity>
class SmallSet {
 public:
  void insert(const T& v) {
    for (uint8_t i = 0; i < size_; ++i)
      if (values_[i] == v) return;
    if (size_ < Capacity) values_[size_++] = v;
    else overflow_ = true;
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
