#include "io/input_buffer.h"

#include <algorithm>
#include <cstring>

namespace netmeter::io {

InputBuffer::InputBuffer(std::unique_ptr<ByteSource> source, size_t chunkSize, uint32_t maxHeldChunks)
    : source_(std::move(source)), budget_(std::max<uint32_t>(maxHeldChunks, 1)) {
  chunks_.push_back(std::make_unique<BufferChunk>(budget_, std::max<size_t>(chunkSize, 4096)));
  current_ = chunks_.back().get();
  start_ = pos_ = end_ = current_->data();
}

InputBuffer::InputBuffer(const uint8_t* data, size_t size) : budget_(1), viewSize_(size), eof_(true) {
  chunks_.push_back(std::make_unique<BufferChunk>(budget_, data, size));
  current_ = chunks_.back().get();
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
  uint8_t* writable = current_->data() + (end_ - current_->data());
  const size_t space = current_->size() - static_cast<size_t>(end_ - current_->data());
  const size_t got = source_->read(writable, space);
  if (got == 0) eof_ = true;
  end_ += got;
  return got;
}

BufferChunk* InputBuffer::freeChunk(size_t size) {
  const size_t n = chunks_.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (nextFree_ + k) % n;
    if (chunks_[i].get() == current_ || chunks_[i]->held()) continue;
    // Free but too small (a record longer than the chunks came by): replace it, so that the
    // number of chunks stays what the holds need.
    if (chunks_[i]->size() < size) chunks_[i] = std::make_unique<BufferChunk>(budget_, size);
    nextFree_ = (i + 1) % n;
    return chunks_[i].get();
  }
  chunks_.push_back(std::make_unique<BufferChunk>(budget_, size));
  nextFree_ = 0;
  return chunks_.back().get();
}

void InputBuffer::restartWindow(size_t keep, size_t size) {
  BufferChunk* target = current_;
  if (current_->held() || current_->size() < size) target = freeChunk(size);
  if (target->data() != pos_ && keep != 0) std::memmove(target->data(), pos_, keep);
  base_ += static_cast<uint64_t>(pos_ - start_);
  current_ = target;
  start_ = pos_ = target->data();
  end_ = target->data() + keep;
}

bool InputBuffer::fill(size_t n) {
  if (source_ == nullptr) return false;
  // Slide the unread bytes to the front of a chunk nobody holds.
  if (pos_ != current_->data()) restartWindow(available(), current_->size());
  while (available() < n) {
    if (static_cast<size_t>(end_ - current_->data()) == current_->size()) {
      // Full but still short: grow (at most doubling, so memory follows the data actually read).
      restartWindow(available(), std::min(n, current_->size() * 2));
    }
    if (readMore() == 0) return false;
  }
  return true;
}

bool InputBuffer::skip(uint64_t n) {
  if (n > available() && source_ != nullptr && !eof_ && source_->skipForward(n - available())) {
    // Jumped in the file: the window restarts, empty, at the new position.
    const uint64_t jumped = n - available();
    pos_ = end_;
    restartWindow(0, current_->size());
    base_ += jumped;
    return true;
  }
  while (n > available()) {
    n -= available();
    pos_ = end_;
    if (source_ == nullptr) return false;
    restartWindow(0, current_->size());
    if (readMore() == 0) return false;
  }
  pos_ += n;
  return true;
}

bool InputBuffer::atEnd() {
  return available() == 0 && !fill(1);
}

}  // namespace netmeter::io
