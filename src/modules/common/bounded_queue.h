#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

namespace netmeter {

// A FIFO of at most `limit` elements that drops its oldest element when full: a ring over one vector
// that grows (doubling) up to the limit as elements arrive, so an empty queue allocates nothing and a
// short one allocates once. Per-connection queues use it (HTTP requests waiting for their response,
// the last N transactions) instead of std::deque, whose every instance allocates a map and a 512-byte
// node before its first element.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t limit = SIZE_MAX) : limit_(limit == 0 ? 1 : limit) {}

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t limit() const { return limit_; }
  // Elements oldest first: (*this)[0] is front(), (*this)[size() - 1] is back().
  T& operator[](size_t i) { return ring_[(head_ + i) % ring_.size()]; }
  const T& operator[](size_t i) const { return ring_[(head_ + i) % ring_.size()]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  // Appends `v`; when the queue is at its limit the oldest element goes first (returns true then).
  bool push_back(T v) {
    bool dropped = false;
    if (size_ == limit_) {
      pop_front();
      dropped = true;
    }
    if (size_ == ring_.size()) grow();
    ring_[(head_ + size_) % ring_.size()] = std::move(v);
    ++size_;
    return dropped;
  }
  void pop_front() {
    ring_[head_] = T{};  // releases what the element holds
    head_ = (head_ + 1) % ring_.size();
    --size_;
  }
  // Heap bytes of the ring itself (not what the elements hold).
  size_t capacityBytes() const { return ring_.capacity() * sizeof(T); }

  template <typename Q, typename V>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::remove_const_t<V>;
    using difference_type = std::ptrdiff_t;
    using pointer = V*;
    using reference = V&;

    Iterator() = default;
    Iterator(Q* q, size_t i) : q_(q), i_(i) {}
    V& operator*() const { return (*q_)[i_]; }
    V* operator->() const { return &(*q_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++i_;
      return before;
    }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }

   private:
    Q* q_ = nullptr;
    size_t i_ = 0;
  };
  auto begin() { return Iterator<BoundedQueue, T>(this, 0); }
  auto end() { return Iterator<BoundedQueue, T>(this, size_); }
  auto begin() const { return Iterator<const BoundedQueue, const T>(this, 0); }
  auto end() const { return Iterator<const BoundedQueue, const T>(this, size_); }

 private:
  void grow() {
    const size_t capacity = ring_.empty() ? 1 : std::min(limit_, ring_.size() * 2);
    std::vector<T> bigger(capacity);
    for (size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
    ring_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> ring_;  // size() is the capacity; elements [head_, head_ + size_) modulo it
  size_t head_ = 0;
  size_t size_ = 0;
  size_t limit_;
};

}  // namespace netmeter
