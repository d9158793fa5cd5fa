#pragma once

#include <cstdint>
#include <span>

namespace netmeter::tls {

// Follows one direction of a TCP stream by sequence number and hands out only the bytes that extend
// it in order: retransmitted bytes are trimmed, and a gap (a segment beyond the next expected byte,
// i.e. lost or reordered data) ends the stream for the parser, which cannot find record boundaries
// after it. Without a SYN the first payload starts the stream.
class TcpStreamCursor {
 public:
  enum class State : uint8_t { kIdle, kFollowing, kGap };

  // The new in-order bytes of a segment (empty for pure retransmissions, after a gap, or on SYN-only).
  std::span<const uint8_t> accept(uint32_t seq, bool syn, std::span<const uint8_t> payload) {
    if (state_ == State::kGap) return {};
    if (syn) {
      next_ = seq + 1;
      state_ = State::kFollowing;
      seq += 1;  // data on a SYN (TCP Fast Open) follows the SYN's sequence number
    }
    if (payload.empty()) return {};
    if (state_ == State::kIdle) {
      next_ = seq;
      state_ = State::kFollowing;
    }
    auto ahead = static_cast<int32_t>(seq - next_);
    if (ahead > 0) {
      state_ = State::kGap;
      return {};
    }
    auto behind = static_cast<size_t>(-static_cast<int64_t>(ahead));
    if (behind >= payload.size()) return {};
    payload = payload.subspan(behind);
    next_ += static_cast<uint32_t>(payload.size());
    return payload;
  }
  State state() const { return state_; }

 private:
  uint32_t next_ = 0;
  State state_ = State::kIdle;
};

}  // namespace netmeter::tls
