#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <new>
#include <thread>

namespace netmeter {

// Bounded single-producer single-consumer queue of pointers. push/pop never allocate. The blocking
// variants spin briefly and then sleep in short steps: the queues hold enough batches to cover the
// wake-up delay, and a waiting side must not burn the CPU that the other threads need (std::atomic::wait
// spins with sched_yield for a long time first, which on a two-core machine halves throughput).
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
    return true;
  }
  T* tryPop() {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_.load(std::memory_order_acquire)) return nullptr;
    T* item = slots_[head & mask_];
    head_.store(head + 1, std::memory_order_release);
    return item;
  }
  void push(T* item) {
    for (unsigned attempt = 0; !tryPush(item); ++attempt) backOff(attempt);
  }
  T* pop() {
    for (unsigned attempt = 0;; ++attempt) {
      if (T* item = tryPop()) return item;
      backOff(attempt);
    }
  }

 private:
  static void backOff(unsigned attempt) {
    if (attempt < 64) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else if (attempt < 72) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  const uint64_t mask_;
  std::unique_ptr<T*[]> slots_;
  alignas(64) std::atomic<uint64_t> head_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
};

}  // namespace netmeter
