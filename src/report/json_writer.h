#pragma once

#include <rapidjson/filewritestream.h>

#include <cstdio>

#include "core/json_emitter.h"

namespace netmeter {

namespace detail {
struct FileStreamHolder {
  explicit FileStreamHolder(std::FILE* out) : stream(out, buffer, sizeof buffer) {}
  char buffer[1 << 16];
  rapidjson::FileWriteStream stream;
};
}  // namespace detail

// Streams JSON (core/json_emitter.h's calls) to a FILE*.
class JsonWriter : private detail::FileStreamHolder, public JsonEmitter<JsonWriter, rapidjson::FileWriteStream> {
 public:
  explicit JsonWriter(std::FILE* out) : FileStreamHolder(out), JsonEmitter(stream) {}
  ~JsonWriter() { stream.Flush(); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void flush() { stream.Flush(); }
};

}  // namespace netmeter
