#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace netmeter::capture {

// A bounded byte queue from a capture's thread (writer) to its HTTP stream (reader). The writer
// blocks while it is full: that stalls a capture read from files, and makes a live capture's merger
// fall behind so that its per-worker rings fill and count drops — memory never grows with a slow
// client. cancel() (the client left) makes every write fail at once.
class BytePipe {
 public:
  explicit BytePipe(size_t capacity) : capacity_(capacity) {}

  // Writer: false when the reader has cancelled (nothing more will be read).
  bool write(const uint8_t* data, size_t size) {
    std::unique_lock lock(mutex_);
    while (size > 0) {
      writable_.wait(lock, [&] { return cancelled_ || buffered_ < capacity_; });
      if (cancelled_) return false;
      const size_t n = std::min(size, capacity_ - buffered_);
      if (chunks_.empty() || chunks_.back().size() >= kChunk) chunks_.emplace_back();
      chunks_.back().append(reinterpret_cast<const char*>(data), n);
      buffered_ += n;
      data += n;
      size -= n;
      readable_.notify_one();
    }
    return true;
  }
  // Writer: no more data.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    readable_.notify_all();
  }
  // Reader: gone; pending and future writes fail.
  void cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    writable_.notify_all();
  }

  enum class Read : uint8_t { kData, kWait, kEnd };
  // Reader: up to `max` bytes into `out`, waiting at most `wait` for some.
  Read read(std::string& out, size_t max, std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    readable_.wait_for(lock, wait, [&] { return closed_ || buffered_ > 0; });
    if (buffered_ == 0) return closed_ ? Read::kEnd : Read::kWait;
    while (!chunks_.empty() && out.size() < max) {
      std::string& front = chunks_.front();
      const size_t n = std::min(front.size() - offset_, max - out.size());
      out.append(front, offset_, n);
      offset_ += n;
      buffered_ -= n;
      if (offset_ == front.size()) {
        chunks_.pop_front();
        offset_ = 0;
      }
    }
    writable_.notify_one();
    return Read::kData;
  }
  bool finished() const {
    std::lock_guard lock(mutex_);
    return closed_ && buffered_ == 0;
  }

 private:
  static constexpr size_t kChunk = 64 * 1024;
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable writable_, readable_;
  std::deque<std::string> chunks_;
  size_t offset_ = 0;  // into chunks_.front()
  size_t buffered_ = 0;
  bool closed_ = false;
  bool cancelled_ = false;
};

}  // namespace netmeter::capture
