#include "io/input_buffer.h"

#include <algorithm>
#include <cstring>

namespace netmeter::io {

InputBuffer::InputBuffer(std::unique_ptr<ByteSource> source, size_t chunkSize)
    : source_(std::move(source)),
      storage_(std::make_unique_for_overwrite<uint8_t[]>(std::max<size_t>(chunkSize, 4096))),
      capacity_(std::max<size_t>(chunkSize, 4096)) {
  start_ = pos_ = end_ = storage_.get();
}

InputBuffer::InputBuffer(const uint8_t* data, size_t size) : viewSize_(size), eof_(true) {
  start_ = pos_ = data;
  end_ = data + size;
}

uint64_t InputBuffer::rawBytesConsumed() const {
  return source_ != nullptr ? source_->rawBytesConsumed() : static_cast<uint64_t>(pos_ - start_);
}

uint64_t InputBuffer::rawBytesTotal() const {
  return source_ != nullptr ? source_->rawBytesTotal() : viewSize_;
}

size_t InputBuffer::readMore() {
  if (eof_) return 0;
  uint8_t* writable = storage_.get() + (end_ - storage_.get());
  const size_t space = capacity_ - static_cast<size_t>(end_ - storage_.get());
  const size_t got = source_->read(writable, space);
  if (got == 0) eof_ = true;
  end_ += got;
  return got;
}

bool InputBuffer::fill(size_t n) {
  if (source_ == nullptr) return false;
  // Slide the unread bytes to the front of the buffer.
  const size_t pending = available();
  if (pos_ != storage_.get()) {
    std::memmove(storage_.get(), pos_, pending);
    base_ += static_cast<uint64_t>(pos_ - start_);
    start_ = pos_ = storage_.get();
    end_ = storage_.get() + pending;
  }
  while (available() < n) {
    if (static_cast<size_t>(end_ - storage_.get()) == capacity_) {
      // Full but still short: grow (at most doubling, so memory follows the data actually read).
      const size_t grown = std::min(n, capacity_ * 2);
      const size_t have = available();
      auto bigger = std::make_unique_for_overwrite<uint8_t[]>(grown);
      std::memcpy(bigger.get(), storage_.get(), have);
      end_ = bigger.get() + have;
      start_ = pos_ = bigger.get();
      storage_ = std::move(bigger);
      capacity_ = grown;
    }
    if (readMore() == 0) return false;
  }
  return true;
}

bool InputBuffer::skip(uint64_t n) {
  if (n > available() && source_ != nullptr && !eof_ && source_->skipForward(n - available())) {
    // Jumped in the file: the window restarts, empty, at the new position.
    base_ += static_cast<uint64_t>(end_ - start_) + (n - available());
    start_ = pos_ = end_ = storage_.get();
    return true;
  }
  while (n > available()) {
    n -= available();
    pos_ = end_;
    if (source_ == nullptr) return false;
    base_ += static_cast<uint64_t>(end_ - start_);
    start_ = pos_ = end_ = storage_.get();
    if (readMore() == 0) return false;
  }
  pos_ += n;
  return true;
}

bool InputBuffer::atEnd() {
  return available() == 0 && !fill(1);
}

}  // namespace netmeter::io
