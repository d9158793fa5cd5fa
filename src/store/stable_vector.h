#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace netmeter {

// A growable array whose elements never move: elements live in blocks of BlockSize, allocated one
// block at a time and value-initialized with it. Tables of records with stable addresses use it
// instead of std::deque, which allocates one node per element once elements are larger than 512
// bytes (a connection, an IP record): one allocation per BlockSize records instead of one each.
template <typename T, size_t BlockSize = 64>
class StableVector {
 public:
  StableVector() = default;
  StableVector(StableVector&& o) noexcept : blocks_(std::move(o.blocks_)), size_(std::exchange(o.size_, 0)) {}
  StableVector& operator=(StableVector&& o) noexcept {
    blocks_ = std::move(o.blocks_);
    size_ = std::exchange(o.size_, 0);
    return *this;
  }

  size_t size() const { return size_; }
  T& operator[](size_t i) { return blocks_[i / BlockSize][i % BlockSize]; }
  const T& operator[](size_t i) const { return blocks_[i / BlockSize][i % BlockSize]; }

  // Appends a value-initialized element.
  T& emplace_back() {
    if (size_ == blocks_.size() * BlockSize) blocks_.push_back(std::make_unique<T[]>(BlockSize));
    return (*this)[size_++];
  }

  template <typename Owner, typename Value>
  class Iterator {
   public:
    Iterator(Owner* v, size_t i) : v_(v), i_(i) {}
    Value& operator*() const { return (*v_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    Owner* v_;
    size_t i_;
  };
  auto begin() { return Iterator<StableVector, T>(this, 0); }
  auto end() { return Iterator<StableVector, T>(this, size_); }
  auto begin() const { return Iterator<const StableVector, const T>(this, 0); }
  auto end() const { return Iterator<const StableVector, const T>(this, size_); }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  size_t size_ = 0;
};

}  // namespace netmeter
