#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace netmeter::tls {

// Bounds-checked big-endian reader over a byte span. A read past the end sets `failed()` and yields
// zeros / empty spans, so parsers check once at the end instead of after every field.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t remaining() const { return failed_ ? 0 : bytes_.size() - pos_; }
  size_t position() const { return pos_; }
  bool failed() const { return failed_; }
  bool atEnd() const { return remaining() == 0; }

  uint8_t u8() { return static_cast<uint8_t>(take(1)); }
  uint16_t u16() { return static_cast<uint16_t>(take(2)); }
  uint32_t u24() { return static_cast<uint32_t>(take(3)); }
  uint32_t u32() { return static_cast<uint32_t>(take(4)); }

  std::span<const uint8_t> bytes(size_t n) {
    if (!ensure(n)) return {};
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // A length-prefixed block (prefix of 1, 2 or 3 bytes) as its own reader.
  ByteReader block8() { return block(u8()); }
  ByteReader block16() { return block(u16()); }
  ByteReader block24() { return block(u24()); }
  void skip(size_t n) { bytes(n); }

 private:
  ByteReader(std::span<const uint8_t> bytes, bool failed) : bytes_(bytes), failed_(failed) {}
  ByteReader block(size_t n) {
    auto s = bytes(n);
    return ByteReader(s, failed_);
  }
  bool ensure(size_t n) {
    if (failed_ || bytes_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  uint64_t take(size_t n) {
    if (!ensure(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | bytes_[pos_ + i];
    pos_ += n;
    return v;
  }

  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace netmeter::tls
