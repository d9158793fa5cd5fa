#pragma once

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/itoa.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace netmeter {

// Compact JSON text written event by event (SAX) into a rapidjson-style stream (`Push(n)` returns room
// for n chars, `Pop(n)` gives back the last n; rapidjson::StringBuffer). The text is byte for byte
// what rapidjson::Writer writes for the same events (tests/core/json_sax_writer_test.cpp), with the
// same number formatting (rapidjson's own itoa/dtoa), bytes >= 0x80 copied as they are and the same
// escapes, except that a NaN or infinite number is written as null (rapidjson writes nothing and
// leaves a key without a value). What makes it faster than rapidjson's writer, whose generic prefix
// and per-character escaping were a third of the JSON report's CPU time: the separator is one flag
// (no stack of levels), a key goes out with its colon in one copy, and whether a string needs escaping
// is checked 8 bytes at a time before it is copied whole.
template <typename Stream>
class JsonSaxWriter {
 public:
  explicit JsonSaxWriter(Stream& os) : os_(&os) {}

  void beginObject() { begin('{'); }
  void endObject() { end('}'); }
  void beginArray() { begin('['); }
  void endArray() { end(']'); }

  // A member name: the value that follows is written without a separator.
  void key(const char* s, size_t length) {
    separator();
    writeString(s, length, /*colon=*/true);
    afterKey_ = true;
  }
  void string(const char* s, size_t length) {
    separator();
    writeString(s, length, /*colon=*/false);
  }
  void uint64(uint64_t v) {
    separator();
    char* out = os_->Push(kMaxInteger);
    os_->Pop(kMaxInteger - size_t(rapidjson::internal::u64toa(v, out) - out));
  }
  void int64(int64_t v) {
    separator();
    char* out = os_->Push(kMaxInteger);
    os_->Pop(kMaxInteger - size_t(rapidjson::internal::i64toa(v, out) - out));
  }
  void real(double v) {
    if (!std::isfinite(v)) return null();
    separator();
    char* out = os_->Push(kMaxDouble);
    os_->Pop(kMaxDouble - size_t(rapidjson::internal::dtoa(v, out) - out));
  }
  void boolean(bool v) { literal(v ? "true" : "false", v ? 4 : 5); }
  void null() { literal("null", 4); }
  // Already serialized JSON, copied as it is (nothing but the separator when empty).
  void raw(const char* json, size_t length) {
    separator();
    if (length != 0) std::memcpy(os_->Push(length), json, length);
  }

  // Whether any byte is a control character, '"' or '\\' (what JSON escapes; rapidjson leaves 0x7f
  // and bytes >= 0x80 as they are): 8 bytes at a time, the last word overlapping the one before it.
  static bool needsEscaping(const char* s, size_t length) {
    if (length >= 8) {
      uint64_t any = 0;
      size_t i = 0;
      for (; i + 8 < length; i += 8) any |= flagged(load64(s + i));
      return ((any | flagged(load64(s + length - 8))) & kHigh) != 0;
    }
    if (length >= 4)
      return (flagged(uint64_t(load32(s)) | uint64_t(load32(s + length - 4)) << 32) & kHigh) != 0;
    for (size_t i = 0; i < length; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == '"' || c == '\\') return true;
    }
    return false;
  }

 private:
  static constexpr size_t kMaxInteger = 20;  // "-9223372036854775808", "18446744073709551615"
  static constexpr size_t kMaxDouble = 25;   // rapidjson's dtoa buffer
  static constexpr uint64_t kOnes = 0x0101010101010101u, kHigh = 0x8080808080808080u;

  static uint64_t load64(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  static uint32_t load32(const char* p) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
  }
  // A byte's top bit is set when it is below 0x20, or zero after the XOR with '"' or '\\' (SWAR).
  static uint64_t flagged(uint64_t w) {
    const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
    return ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
  }

  // Copies up to 32 bytes with two overlapping fixed-size moves instead of a library call.
  static void copy(char* to, const char* from, size_t n) {
    struct Word16 {
      uint64_t a, b;
    };
    if (n >= 16) {
      if (n > 32) {
        std::memcpy(to, from, n);
        return;
      }
      Word16 head, tail;
      std::memcpy(&head, from, 16);
      std::memcpy(&tail, from + n - 16, 16);
      std::memcpy(to, &head, 16);
      std::memcpy(to + n - 16, &tail, 16);
    } else if (n >= 8) {
      const uint64_t head = load64(from), tail = load64(from + n - 8);
      std::memcpy(to, &head, 8);
      std::memcpy(to + n - 8, &tail, 8);
    } else if (n >= 4) {
      const uint32_t head = load32(from), tail = load32(from + n - 4);
      std::memcpy(to, &head, 4);
      std::memcpy(to + n - 4, &tail, 4);
    } else {
      for (size_t i = 0; i < n; ++i) to[i] = from[i];
    }
  }

  // The comma before every value but the first of its object or array (none after a key).
  void separator() {
    if (afterKey_) {
      afterKey_ = false;
      return;
    }
    if (hasValue_) *os_->Push(1) = ',';
    hasValue_ = true;
  }
  void begin(char bracket) {
    separator();
    hasValue_ = false;
    *os_->Push(1) = bracket;
  }
  // The level that closes is a value of the enclosing one, which therefore has a value: no stack.
  void end(char bracket) {
    hasValue_ = true;
    afterKey_ = false;
    *os_->Push(1) = bracket;
  }
  void literal(const char* text, size_t length) {
    separator();
    copy(os_->Push(length), text, length);
  }

  void writeString(const char* s, size_t length, bool colon) {
    if (needsEscaping(s, length)) return writeEscaped(s, length, colon);
    char* out = os_->Push(length + 2 + (colon ? 1 : 0));
    out[0] = '"';
    copy(out + 1, s, length);
    out[length + 1] = '"';
    if (colon) out[length + 2] = ':';
  }
  // rapidjson's escapes: \b \t \n \f \r, \" and \\ by name, other controls as \u00XX (upper case).
  void writeEscaped(const char* s, size_t length, bool colon) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const size_t reserved = length * 6 + 3;
    char* const start = os_->Push(reserved);
    char* out = start;
    *out++ = '"';
    for (size_t i = 0; i < length; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') {
        *out++ = char(c);
        continue;
      }
      *out++ = '\\';
      switch (c) {
        case '"':
          *out++ = '"';
          break;
        case '\\':
          *out++ = '\\';
          break;
        case '\b':
          *out++ = 'b';
          break;
        case '\t':
          *out++ = 't';
          break;
        case '\n':
          *out++ = 'n';
          break;
        case '\f':
          *out++ = 'f';
          break;
        case '\r':
          *out++ = 'r';
          break;
        default:
          *out++ = 'u', *out++ = '0', *out++ = '0';
          *out++ = kHex[c >> 4], *out++ = kHex[c & 15];
      }
    }
    *out++ = '"';
    if (colon) *out++ = ':';
    os_->Pop(reserved - size_t(out - start));
  }

  Stream* os_;
  bool hasValue_ = false;  // the innermost open object or array (or the root) has a value already
  bool afterKey_ = false;  // a key was written: its value comes next
};

}  // namespace netmeter
