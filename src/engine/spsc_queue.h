#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <new>

namespace netmeter {

// Bounded single-producer single-consumer queue of pointers. push/pop never allocate; the blocking
// variants wait with std::atomic::wait (a futex), so an idle side costs no CPU.
template <typename T>
class SpscQueue {
 public:
  explicit SpscQueue(size_t capacityPowerOfTwo)
      : mask_(capacityPowerOfTwo - 1), slots_(std::make_unique<T*[]>(capacityPowerOfTwo)) {}

  bool tryPush(T* item) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_acquire) > mask_) return false;
    slots_[tail & mask_] = item;
    tail_.store(tail + 1, std::memory_order_release);
    tail_.notify_one();
    return true;
  }
  T* tryPop() {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_.load(std::memory_order_acquire)) return nullptr;
    T* item = slots_[head & mask_];
    head_.store(head + 1, std::memory_order_release);
    head_.notify_one();
    return item;
  }
  void push(T* item) {
    while (!tryPush(item)) {
      const uint64_t head = head_.load(std::memory_order_acquire);
      if (tail_.load(std::memory_order_relaxed) - head > mask_) head_.wait(head, std::memory_order_acquire);
    }
  }
  T* pop() {
    for (;;) {
      if (T* item = tryPop()) return item;
      const uint64_t tail = tail_.load(std::memory_order_acquire);
      if (tail == head_.load(std::memory_order_relaxed)) tail_.wait(tail, std::memory_order_acquire);
    }
  }

 private:
  const uint64_t mask_;
  std::unique_ptr<T*[]> slots_;
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
};

}  // namespace netmeter
