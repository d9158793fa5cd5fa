#pragma once

#include <rapidjson/stringbuffer.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_sax_writer.h"

namespace netmeter {

// The one JSON writing vocabulary of netmeter, over core/json_sax_writer.h (no document is built in
// memory). `Stream` is where the text goes: a string (query::JsonOut for API responses,
// api::JsonBuilder) or a FILE* (JsonWriter for the report). Calls chain: j.key("a").value(1).
template <typename Derived, typename Stream>
class JsonEmitter {
 public:
  Derived& key(std::string_view k) {
    writer_.key(k.data(), k.size());
    return self();
  }
  Derived& beginObject() {
    writer_.beginObject();
    return self();
  }
  Derived& endObject() {
    writer_.endObject();
    return self();
  }
  Derived& beginArray() {
    writer_.beginArray();
    return self();
  }
  Derived& endArray() {
    writer_.endArray();
    return self();
  }
  Derived& value(std::string_view s) {
    writer_.string(s.data(), s.size());
    return self();
  }
  Derived& value(const char* s) { return value(std::string_view(s)); }
  Derived& value(const std::string& s) { return value(std::string_view(s)); }
  Derived& value(uint64_t v) {
    writer_.uint64(v);
    return self();
  }
  Derived& value(int64_t v) {
    writer_.int64(v);
    return self();
  }
  Derived& value(uint32_t v) {
    writer_.uint64(v);
    return self();
  }
  Derived& value(int v) {
    writer_.int64(v);
    return self();
  }
  Derived& value(double v) {
    writer_.real(v);
    return self();
  }
  Derived& value(bool v) {
    writer_.boolean(v);
    return self();
  }
  // An array of the first `count` counters.
  template <size_t N>
  Derived& value(const std::array<uint64_t, N>& values, size_t count = N) {
    writer_.beginArray();
    for (size_t i = 0; i < count && i < N; ++i) writer_.uint64(values[i]);
    writer_.endArray();
    return self();
  }
  Derived& null() {
    writer_.null();
    return self();
  }
  // Inserts an already serialized JSON value.
  Derived& raw(std::string_view json) {
    writer_.raw(json.data(), json.size());
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

  JsonSaxWriter<Stream> writer_;
};

// Holds the string an emitter writes into; a base listed before JsonEmitter so that it is built first.
struct JsonStringStorage {
  rapidjson::StringBuffer buffer;
  std::string text() const { return std::string(buffer.GetString(), buffer.GetSize()); }
};

}  // namespace netmeter
