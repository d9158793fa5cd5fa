#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "io/byte_source.h"

namespace netmeter::io {

// A window over a byte stream for the capture readers: large reads from a ByteSource into one buffer,
// or a direct view of memory (no copy). Records are parsed in place while they are contiguous; the
// window slides (compacts) only when a record crosses the end of the buffered data.
class InputBuffer {
 public:
  // Reads `source` in chunks of up to `chunkSize` bytes.
  InputBuffer(std::unique_ptr<ByteSource> source, size_t chunkSize);
  // A view of `size` bytes at `data`, which must stay valid and unchanged while the buffer is used.
  InputBuffer(const uint8_t* data, size_t size);

  size_t available() const { return static_cast<size_t>(end_ - pos_); }
  const uint8_t* data() const { return pos_; }
  // Byte offset of data() in the (decompressed) stream.
  uint64_t offset() const { return base_ + static_cast<uint64_t>(pos_ - start_); }
  void consume(size_t n) { pos_ += n; }  // n <= available()

  // Makes at least `n` contiguous bytes available at data(); false when the stream ends (or fails)
  // first. Invalidates earlier data() pointers. Callers bound `n` (the buffer grows up to `n`, in
  // step with the data actually read).
  bool ensure(size_t n) { return available() >= n || fill(n); }
  // Skips `n` bytes: seeks in a plain file, else reads through what is not buffered; false when the
  // stream ends first (after a seek past the end, the next read finds the end).
  bool skip(uint64_t n);
  // True when no byte is left (reads more to find out).
  bool atEnd();

  bool failed() const { return source_ != nullptr && !source_->error().empty(); }
  const std::string& failure() const { return source_->error(); }
  bool decompressing() const { return source_ != nullptr && source_->decompressing(); }
  uint64_t rawBytesConsumed() const;
  uint64_t rawBytesTotal() const;

 private:
  bool fill(size_t n);
  size_t readMore();  // reads into the free space at end_, growing nothing; 0 at end of stream

  std::unique_ptr<ByteSource> source_;  // null for a memory view
  std::unique_ptr<uint8_t[]> storage_;
  size_t capacity_ = 0;
  const uint8_t* start_ = nullptr;  // first byte of the window, at stream offset base_
  const uint8_t* pos_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t base_ = 0;
  size_t viewSize_ = 0;
  bool eof_ = false;
};

}  // namespace netmeter::io
