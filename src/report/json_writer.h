#pragma once

#include <rapidjson/stringbuffer.h>

#include <cstdio>
#include <string_view>

#include "core/json_emitter.h"

namespace netmeter {

namespace detail {
struct FileBufferHolder {
  explicit FileBufferHolder(std::FILE* out) : file(out) {}
  std::FILE* file;
  rapidjson::StringBuffer buffer;
};
}  // namespace detail

// Streams JSON (core/json_emitter.h's calls) to a FILE*. The text collects in a memory buffer, which
// rapidjson fills fastest (strings are scanned for characters to escape in bulk), and goes to the
// file whenever an object or array that ends has left more than kFlushBytes in it.
class JsonWriter : private detail::FileBufferHolder, public JsonEmitter<JsonWriter, rapidjson::StringBuffer> {
 public:
  static constexpr size_t kFlushBytes = 1 << 16;

  explicit JsonWriter(std::FILE* out) : FileBufferHolder(out), JsonEmitter(buffer) {}
  ~JsonWriter() { flush(); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& endObject() {
    JsonEmitter::endObject();
    if (buffer.GetSize() >= kFlushBytes) flush();
    return *this;
  }
  JsonWriter& endArray() {
    JsonEmitter::endArray();
    if (buffer.GetSize() >= kFlushBytes) flush();
    return *this;
  }

  void flush() {
    std::fwrite(buffer.GetString(), 1, buffer.GetSize(), file);
    buffer.Clear();
  }
  // Inserts an already serialized JSON value (or several separated by commas, inside an array) of
  // any size with one fwrite instead of a copy through the buffer.
  void rawBulk(std::string_view json) {
    raw({});  // the separator before the value
    flush();
    std::fwrite(json.data(), 1, json.size(), file);
  }
};

}  // namespace netmeter
