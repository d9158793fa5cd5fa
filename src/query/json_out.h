#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace netmeter::query {

// Builds a JSON response body with RapidJSON's SAX writer (no document in memory). Same calls as
// report/json_writer.h's JsonWriter, into a string instead of a FILE*.
class JsonOut {
 public:
  JsonOut() : writer_(buffer_) {}

  JsonOut& key(std::string_view k) {
    writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    return *this;
  }
  void beginObject() { writer_.StartObject(); }
  void endObject() { writer_.EndObject(); }
  void beginArray() { writer_.StartArray(); }
  void endArray() { writer_.EndArray(); }
  void value(std::string_view s) { writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(uint64_t v) { writer_.Uint64(v); }
  void value(int64_t v) { writer_.Int64(v); }
  void value(uint32_t v) { writer_.Uint(v); }
  void value(int v) { writer_.Int(v); }
  void value(double v) { writer_.Double(v); }
  void value(bool v) { writer_.Bool(v); }
  void null() { writer_.Null(); }
  // Inserts an already serialized JSON value.
  void raw(std::string_view json) {
    writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  }
  template <size_t N>
  void value(const std::array<uint64_t, N>& values, size_t count = N) {
    beginArray();
    for (size_t i = 0; i < count && i < N; ++i) writer_.Uint64(values[i]);
    endArray();
  }
  template <typename T>
  void field(std::string_view k, const T& v) {
    key(k);
    value(v);
  }
  // A packet time (ns) as epoch microseconds, or null when unset (INT64_MIN / INT64_MAX).
  void timeField(std::string_view k, int64_t nanos);

  std::string take() { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace netmeter::query
