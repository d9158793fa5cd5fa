#pragma once

#include <rapidjson/filewritestream.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace netmeter {

// Streams JSON to a FILE* (RapidJSON's SAX writer: no document is built in memory).
class JsonWriter {
 public:
  explicit JsonWriter(std::FILE* out) : stream_(out, buffer_, sizeof buffer_), writer_(stream_) {}
  ~JsonWriter() { stream_.Flush(); }

  JsonWriter& key(std::string_view k) {
    writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    return *this;
  }
  void beginObject() { writer_.StartObject(); }
  void endObject() { writer_.EndObject(); }
  void beginArray() { writer_.StartArray(); }
  void endArray() { writer_.EndArray(); }
  void value(std::string_view s) { writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
  void value(const char* s) { value(std::string_view(s)); }
  void value(uint64_t v) { writer_.Uint64(v); }
  void value(int64_t v) { writer_.Int64(v); }
  void value(uint32_t v) { writer_.Uint(v); }
  void value(int v) { writer_.Int(v); }
  void value(double v) { writer_.Double(v); }
  void value(bool v) { writer_.Bool(v); }
  void null() { writer_.Null(); }
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
  void flush() { stream_.Flush(); }

 private:
  char buffer_[1 << 16];
  rapidjson::FileWriteStream stream_;
  rapidjson::Writer<rapidjson::FileWriteStream> writer_;
};

}  // namespace netmeter
