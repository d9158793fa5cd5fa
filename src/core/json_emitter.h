#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace netmeter {

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

  rapidjson::Writer<Stream> writer_;
};

// Holds the string an emitter writes into; a base listed before JsonEmitter so that it is built first.
struct JsonStringStorage {
  rapidjson::StringBuffer buffer;
  std::string text() const { return std::string(buffer.GetString(), buffer.GetSize()); }
};

}  // namespace netmeter
