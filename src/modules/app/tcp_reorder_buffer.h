#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "store/memory_account.h"

namespace netmeter {

// A few segments of one direction of a TCP byte stream that arrived ahead of the next expected byte,
// kept until the bytes before them arrive. A segment that overtook another on the way to the capture
// point, or one sent after a lost segment whose retransmission is still to come, is then read in
// stream order instead of ending the analyzer's parse with a hole.
//
// Bounded: at most kMaxSegments segments and kMaxBytes captured bytes per direction, copied only when
// a segment is out of order (never on the in-order path) and charged to the shard's memory account.
// A segment that does not fit is refused and the caller treats it as the hole it is.
class TcpReorderBuffer {
 public:
  static constexpr size_t kMaxSegments = 8;
  static constexpr uint32_t kMaxBytes = 24 * 1024;

  // A segment handed back in stream order; owns its bytes, so the buffer may go away meanwhile.
  struct Segment {
    uint32_t seq = 0;
    uint32_t length = 0;
    std::unique_ptr<uint8_t[]> data;
    std::span<const uint8_t> bytes() const { return {data.get(), length}; }
  };

  TcpReorderBuffer() = default;
  TcpReorderBuffer(const TcpReorderBuffer&) = delete;
  TcpReorderBuffer& operator=(const TcpReorderBuffer&) = delete;

  bool empty() const { return count_ == 0; }
  uint32_t heldBytes() const { return bytes_; }

  // Keeps a copy of a whole (not snap-length-cut) segment that starts after the stream's next byte.
  // False when it cannot be kept (full, too large or empty): the stream has a hole there.
  bool hold(uint32_t seq, std::span<const uint8_t> payload, MemoryAccount& account) {
    if (payload.empty() || count_ == kMaxSegments || payload.size() > kMaxBytes - bytes_) return false;
    Segment& h = held_[count_++];
    h.seq = seq;
    h.length = static_cast<uint32_t>(payload.size());
    h.data = std::make_unique_for_overwrite<uint8_t[]>(payload.size());
    std::copy(payload.begin(), payload.end(), h.data.get());
    bytes_ += h.length;
    account.add(h.length);
    return true;
  }

  // Takes out the held segment the stream has reached (it starts at or before `next`), the lowest
  // such first; false when every held segment still lies ahead.
  bool take(uint32_t next, Segment& out, MemoryAccount& account) { return takeLowest(&next, out, account); }
  // Takes out the held segment lowest in the stream whether the stream has reached it or not (the
  // stream goes on with another reader, which orders the segments itself); false when none is held.
  bool takeAny(Segment& out, MemoryAccount& account) { return takeLowest(nullptr, out, account); }

  // Frees every held segment (the parse is over or has given up).
  void clear(MemoryAccount& account) {
    account.add(-static_cast<int64_t>(bytes_));
    for (size_t i = 0; i < count_; ++i) held_[i] = Segment{};
    count_ = 0;
    bytes_ = 0;
  }

 private:
  // The lowest held segment that starts at or before `*next` (any when null).
  bool takeLowest(const uint32_t* next, Segment& out, MemoryAccount& account) {
    size_t best = count_;
    for (size_t i = 0; i < count_; ++i) {
      if (next != nullptr && int32_t(held_[i].seq - *next) > 0) continue;
      if (best == count_ || int32_t(held_[i].seq - held_[best].seq) < 0) best = i;
    }
    if (best == count_) return false;
    out = std::move(held_[best]);
    account.add(-static_cast<int64_t>(out.length));
    bytes_ -= out.length;
    --count_;
    if (best != count_) held_[best] = std::move(held_[count_]);
    held_[count_] = Segment{};
    return true;
  }

  std::array<Segment, kMaxSegments> held_{};
  uint32_t bytes_ = 0;
  uint8_t count_ = 0;
};

}  // namespace netmeter
