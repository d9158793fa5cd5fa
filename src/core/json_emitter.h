#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace netmeter {

namespace detail {
// rapidjson's Writer escapes a string a character at a time (its SIMD scan needs RAPIDJSON_SSE2 and
// 16 bytes or more). Keys and nearly all values need no escaping: one branch-free pass checks it, and
// they are then copied whole (the JSON report on the 2 M-packet trace: 0.30 -> 0.26 s). The text is the same
// as the base's (which copies bytes >= 0x80 as they are when reading and writing UTF-8 without validation).
template <typename Stream>
class UnescapedCopyWriter : public rapidjson::Writer<Stream> {
 public:
  using Base = rapidjson::Writer<Stream>;
  using Base::Base;
  bool String(const char* s, rapidjson::SizeType length) {
    if (needsEscaping(s, length)) return Base::String(s, length);
    this->Prefix(rapidjson::kStringType);
    char* out = this->os_->Push(length + 2);
    out[0] = '"';
    if (length != 0) std::memcpy(out + 1, s, length);
    out[length + 1] = '"';
    return this->EndValue(true);
  }
  bool Key(const char* s, rapidjson::SizeType length) { return String(s, length); }

  // Whether any byte is a control character, '"' or '\\': eight bytes at a time (SWAR: a byte's top
  // bit is set in the mask when it is below 0x20, or zero after the XOR with '"' or '\\').
  static bool needsEscaping(const char* s, size_t length) {
    constexpr uint64_t kOnes = 0x0101010101010101u, kHigh = 0x8080808080808080u;
    auto flagged = [](uint64_t w) {
      const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
      return ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
    };
    uint64_t any = 0;
    size_t i = 0;
    for (; i + 8 <= length; i += 8) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      any |= flagged(w);
    }
    // The tail byte by byte: a variable-length copy into a word costs a call and a stalled load.
    for (; i < length; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == '"' || c == '\\') return true;
    }
    return (any & kHigh) != 0;
  }
};
}  // namespace detail

// The one JSON writing vocabulary of netmeter, over RapidJSON's SAX writer (no document is built in
// memory). `Stream` is where the text goes: a string (query::JsonOut for API responses,
// api::JsonBuilder) or a FILE* (JsonWriter for the report). Calls chain: j.key("a").value(1).
template <typename Derived, typename Stream>
class JsonEmitter {
 public:
  Derived& key(std::string_view k) {
    writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    return self();
  }
  Derived& beginObject() {
    writer_.StartObject();
    return self();
  }
  Derived& endObject() {
    writer_.EndObject();
    return self();
  }
  Derived& beginArray() {
    writer_.StartArray();
    return self();
  }
  Derived& endArray() {
    writer_.EndArray();
    return self();
  }
  Derived& value(std::string_view s) {
    writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return self();
  }
  Derived& value(const char* s) { return value(std::string_view(s)); }
  Derived& value(const std::string& s) { return value(std::string_view(s)); }
  Derived& value(uint64_t v) {
    writer_.Uint64(v);
    return self();
  }
  Derived& value(int64_t v) {
    writer_.Int64(v);
    return self();
  }
  Derived& value(uint32_t v) {
    writer_.Uint(v);
    return self();
  }
  Derived& value(int v) {
    writer_.Int(v);
    return self();
  }
  Derived& value(double v) {
    writer_.Double(v);
    return self();
  }
  Derived& value(bool v) {
    writer_.Bool(v);
    return self();
  }
  // An array of the first `count` counters.
  template <size_t N>
  Derived& value(const std::array<uint64_t, N>& values, size_t count = N) {
    writer_.StartArray();
    for (size_t i = 0; i < count && i < N; ++i) writer_.Uint64(values[i]);
    writer_.EndArray();
    return self();
  }
  Derived& null() {
    writer_.Null();
    return self();
  }
  // Inserts an already serialized JSON value.
  Derived& raw(std::string_view json) {
    writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return self();
  }
  template <typename T>
  Derived& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

 protected:
  explicit JsonEmitter(Stream& stream) : writer_(stream) {}

 private:
  Derived& self() { return static_cast<Derived&>(*this); }

  detail::UnescapedCopyWriter<Stream> writer_;
};

// Holds the string an emitter writes into; a base listed before JsonEmitter so that it is built first.
struct JsonStringStorage {
  rapidjson::StringBuffer buffer;
  std::string text() const { return std::string(buffer.GetString(), buffer.GetSize()); }
};

}  // namespace netmeter
