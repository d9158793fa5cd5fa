#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/buffer_chunk.h"
#include "io/byte_source.h"

namespace netmeter::io {

// A window over a byte stream for the capture readers: large reads from a ByteSource into a chunk of
// memory, or a direct view of memory (no copy). Records are parsed in place while they are contiguous;
// the window slides only when a record crosses the end of the buffered data: within the chunk when
// nobody holds it, else into a free chunk (see BufferChunk: the engine's batches keep pointing at
// packets they hold in earlier chunks). At most `maxHeldChunks` chunks are held at once, so the
// buffer owns at most that many plus two.
class InputBuffer {
 public:
  static constexpr uint32_t kDefaultMaxHeldChunks = 64;

  // Reads `source` in chunks of up to `chunkSize` bytes.
  InputBuffer(std::unique_ptr<ByteSource> source, size_t chunkSize,
              uint32_t maxHeldChunks = kDefaultMaxHeldChunks);
  // A view of `size` bytes at `data`, which must stay valid and unchanged while the buffer is used.
  InputBuffer(const uint8_t* data, size_t size);

  size_t available() const { return static_cast<size_t>(end_ - pos_); }
  const uint8_t* data() const { return pos_; }
  // The chunk holding data() (valid until the next ensure(), skip() or atEnd()).
  BufferChunk* chunk() const { return current_; }
  // Byte offset of data() in the (decompressed) stream.
  uint64_t offset() const { return base_ + static_cast<uint64_t>(pos_ - start_); }
  void consume(size_t n) { pos_ += n; }  // n <= available()

  // Makes at least `n` contiguous bytes available at data(); false when the stream ends (or fails)
  // first. Invalidates earlier data() pointers (the bytes stay where they are only in a held
  // chunk). Callers bound `n` (a chunk grows up to `n`, in step with the data actually read).
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
  // Chunks allocated so far (bounded by the holding budget plus two) and held now.
  size_t chunkCount() const { return chunks_.size(); }
  uint32_t heldChunks() const { return budget_.held.load(std::memory_order_acquire); }

 private:
  bool fill(size_t n);
  size_t readMore();  // reads into the free space at end_, growing nothing; 0 at end of stream
  // Moves the window's `keep` unread bytes to the start of a chunk of at least `size` bytes that
  // nobody holds: the current one when possible, else a free or new one.
  void restartWindow(size_t keep, size_t size);
  BufferChunk* freeChunk(size_t size);

  std::unique_ptr<ByteSource> source_;  // null for a memory view
  ChunkHoldBudget budget_;
  std::vector<std::unique_ptr<BufferChunk>> chunks_;
  size_t nextFree_ = 0;  // where freeChunk() starts looking (chunks are released roughly in order)
  BufferChunk* current_ = nullptr;
  const uint8_t* start_ = nullptr;  // first byte of the window, at stream offset base_
  const uint8_t* pos_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t base_ = 0;
  size_t viewSize_ = 0;
  bool eof_ = false;
};

}  // namespace netmeter::io
