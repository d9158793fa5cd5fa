#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "modules/tls/fixed_list.h"
#include "store/memory_account.h"

namespace netmeter::quic {

// Reassembles the start of the Initial CRYPTO stream (RFC 9000 §19.6) until it holds the first TLS
// handshake message (the ClientHello): frames may come out of order, overlap, and span several
// packets (large ClientHellos, or clients that shuffle CRYPTO frames as Chrome does). The buffer grows
// to the highest offset received, at most `maxBytes`; received byte ranges are tracked in a small
// fixed list. Data beyond the limit, or more than 32 disjoint ranges, fail the stream. The first
// message is a TLS handshake message (4-byte header with a 24-bit length), or with `Framing::kGoogle`
// a gQUIC handshake message on stream 1 (CHLO: its length from its tag entries, googleMessageLength).
class QuicCryptoStream {
 public:
  enum class State : uint8_t { kCollecting, kComplete, kFailed };
  enum class Framing : uint8_t { kTls, kGoogle };

  explicit QuicCryptoStream(uint32_t maxBytes = 16384) : maxBytes_(maxBytes) {}
  ~QuicCryptoStream() = default;
  QuicCryptoStream(const QuicCryptoStream&) = delete;
  QuicCryptoStream& operator=(const QuicCryptoStream&) = delete;

  void add(uint64_t offset, std::span<const uint8_t> data, MemoryAccount& account);
  // Before the first add().
  void setFraming(Framing framing) { framing_ = framing; }
  bool empty() const { return ranges_.empty(); }
  State state() const { return state_; }
  // The first handshake message, header included (valid while kComplete and not released).
  std::span<const uint8_t> message() const {
    return state_ == State::kComplete && buffer_.size() >= total_
               ? std::span<const uint8_t>(buffer_.data(), total_)
               : std::span<const uint8_t>{};
  }
  void release(MemoryAccount& account);
  int64_t heapBytes() const { return static_cast<int64_t>(buffer_.capacity()); }

 private:
  struct Range {
    uint32_t begin;
    uint32_t end;
  };
  void insertRange(uint32_t begin, uint32_t end);
  void fail(MemoryAccount& account) {
    state_ = State::kFailed;
    release(account);
  }

  uint32_t maxBytes_;
  State state_ = State::kCollecting;
  Framing framing_ = Framing::kTls;
  uint32_t total_ = 0;  // the whole message's length (TLS: 4 + its length), once its header is in
  std::vector<uint8_t> buffer_;
  tls::FixedList<Range, 32> ranges_;  // sorted, disjoint, non-adjacent
};

}  // namespace netmeter::quic
