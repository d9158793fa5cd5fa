#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace netmeter::io {

// How many of an input's chunks may be held at once (BufferChunk::tryHold), shared by its chunks.
struct ChunkHoldBudget {
  explicit ChunkHoldBudget(uint32_t chunks) : maxHeld(chunks) {}
  const uint32_t maxHeld;
  std::atomic<uint32_t> held{0};  // chunks with at least one holder
};

// A block of an input's bytes (io::InputBuffer reads into a few of them in turn) that a consumer may
// go on reading after the input moved on, without copying it: the engine's batches point at their
// packets' bytes in the chunk and hold it (once per batch, not per packet) until the worker is done
// with the batch. The input writes into a chunk again only once nobody holds it; while every chunk
// it may hold is held, tryHold() fails and the consumer copies what it keeps instead.
//
// Threads: the reading thread holds (tryHold), any thread releases; the input reuses a chunk after
// seeing it free (held() false), which orders the holders' reads before its next writes.
class BufferChunk {
 public:
  // Owns `size` bytes of its own.
  BufferChunk(ChunkHoldBudget& budget, size_t size)
      : budget_(budget),
        storage_(std::make_unique_for_overwrite<uint8_t[]>(size)),
        data_(storage_.get()),
        size_(size) {}
  // A view of memory that outlives every holder (InputBuffer's memory view): never written.
  BufferChunk(ChunkHoldBudget& budget, const uint8_t* data, size_t size)
      : budget_(budget), data_(const_cast<uint8_t*>(data)), size_(size) {}
  BufferChunk(const BufferChunk&) = delete;
  BufferChunk& operator=(const BufferChunk&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // One more holder, unless this would hold one chunk more than the budget allows (false: nothing
  // held). Reading thread only.
  bool tryHold() {
    if (holders_.load(std::memory_order_relaxed) == 0 &&
        budget_.held.load(std::memory_order_relaxed) >= budget_.maxHeld)
      return false;
    // Only the holders release: a chunk free here stays free until this hold, so its count in the
    // budget moves with the 0 <-> 1 transitions of the holders, each counted once.
    if (holders_.fetch_add(1, std::memory_order_relaxed) == 0)
      budget_.held.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  // A holder is done with the chunk's bytes. Any thread.
  void release() {
    if (holders_.fetch_sub(1, std::memory_order_acq_rel) == 1)
      budget_.held.fetch_sub(1, std::memory_order_release);
  }
  // True while a holder may still read the chunk. Reading thread only.
  bool held() const { return holders_.load(std::memory_order_acquire) != 0; }

 private:
  ChunkHoldBudget& budget_;
  std::unique_ptr<uint8_t[]> storage_;
  uint8_t* data_;
  size_t size_;
  std::atomic<uint32_t> holders_{0};
};

}  // namespace netmeter::io
