#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace netmeter::api {

// Builds a JSON document into a string with RapidJSON's SAX writer (no DOM).
class JsonBuilder {
 public:
  JsonBuilder() : writer_(buffer_) {}

  JsonBuilder& beginObject() {
    writer_.StartObject();
    return *this;
  }
  JsonBuilder& endObject() {
    writer_.EndObject();
    return *this;
  }
  JsonBuilder& beginArray() {
    writer_.StartArray();
    return *this;
  }
  JsonBuilder& endArray() {
    writer_.EndArray();
    return *this;
  }
  JsonBuilder& key(std::string_view k) {
    writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    return *this;
  }
  JsonBuilder& value(std::string_view s) {
    writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return *this;
  }
  JsonBuilder& value(const char* s) { return value(std::string_view(s)); }
  JsonBuilder& value(uint64_t v) {
    writer_.Uint64(v);
    return *this;
  }
  JsonBuilder& value(int64_t v) {
    writer_.Int64(v);
    return *this;
  }
  JsonBuilder& value(int v) {
    writer_.Int(v);
    return *this;
  }
  JsonBuilder& value(bool v) {
    writer_.Bool(v);
    return *this;
  }
  template <typename T>
  JsonBuilder& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  std::string str() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

// Parses `text` as a JSON object; false when it is not valid JSON or not an object.
inline bool parseJsonObject(std::string_view text, rapidjson::Document& doc) {
  doc.Parse(text.data(), text.size());
  return !doc.HasParseError() && doc.IsObject();
}

}  // namespace netmeter::api
