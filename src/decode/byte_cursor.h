#pragma once

#include <cstdint>

namespace netmeter::decode_detail {

// A bounds-checked read position inside one packet's bytes (internal to the decoder).
//
// Offsets are absolute (from the first byte of the frame), so a layer's position can be stored
// directly in DecodedPacket. Two ends are tracked:
// - `end`: the bytes that are really there (captured bytes, further clipped to the enclosing
//   header's length so that Ethernet padding is never read as payload);
// - `wireEnd`: where the current layer ends according to the headers (may lie beyond `end` when the
//   capture was cut by the snap length). Lengths "on the wire" are taken from here.
// Invariant: pos <= end <= wireEnd, end <= 0xffff (offsets are stored as uint16_t). Every read checks its
// bounds and returns 0 when the bytes are not there, so no call can read past `end`; callers still test
// has(n) first to decide what is malformed.
class ByteCursor {
 public:
  // `end` is at most kMaxEnd (header offsets beyond are treated as not captured).
  ByteCursor(const uint8_t* data, uint32_t end, uint32_t wireEnd)
      : data_(data),
        pos_(0),
        end_(static_cast<uint16_t>(end > kMaxEnd ? kMaxEnd : end)),
        wireEnd_(wireEnd < end_ ? end_ : wireEnd) {}

  static constexpr uint32_t kMaxEnd = 0xffff;

  uint32_t pos() const { return pos_; }
  uint32_t end() const { return end_; }
  uint32_t remaining() const { return uint32_t{end_} - pos_; }
  // Bytes of the current layer on the wire from pos (captured or not).
  uint32_t wireRemaining() const { return wireEnd_ - pos_; }
  bool has(uint32_t n) const { return n <= remaining(); }

  uint8_t u8(uint32_t at) const { return at < remaining() ? data_[pos_ + at] : 0; }
  uint16_t be16(uint32_t at) const {
    if (!within(at, 2)) return 0;
    const uint8_t* p = data_ + pos_ + at;
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
  }
  uint32_t be32(uint32_t at) const {
    if (!within(at, 4)) return 0;
    const uint8_t* p = data_ + pos_ + at;
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
  uint32_t le32(uint32_t at) const {
    if (!within(at, 4)) return 0;
    const uint8_t* p = data_ + pos_ + at;
    return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
  }
  // Pointer to `n` bytes at `at`, or nullptr when they are not all there.
  const uint8_t* bytes(uint32_t at, uint32_t n) const { return within(at, n) ? data_ + pos_ + at : nullptr; }

  // Moves forward by n bytes; callers check has(n) first (clamped to `end` regardless).
  void advance(uint32_t n) { pos_ = has(n) ? static_cast<uint16_t>(pos_ + n) : end_; }

  // Restricts the cursor to `length` bytes from pos on the wire (an IP total length, a UDP length):
  // bytes beyond are padding and are never read.
  void limitTo(uint32_t length) {
    const uint64_t newEnd = uint64_t{pos_} + length;
    wireEnd_ = newEnd > 0xffffffffu ? 0xffffffffu : static_cast<uint32_t>(newEnd);
    if (wireEnd_ < end_) end_ = static_cast<uint16_t>(wireEnd_);
  }

 private:
  bool within(uint32_t at, uint32_t n) const { return at <= remaining() && n <= remaining() - at; }

  // 16 bytes in all, so that a cursor passed by value travels in two registers.
  const uint8_t* data_;
  uint16_t pos_;
  uint16_t end_;
  uint32_t wireEnd_;
};

}  // namespace netmeter::decode_detail
