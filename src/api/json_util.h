#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_emitter.h"

namespace netmeter::api {

// Builds a JSON document into a string (core/json_emitter.h's calls; the API server's own routes).
class JsonBuilder : private JsonStringStorage,
                    public JsonEmitter<JsonBuilder, rapidjson::StringBuffer> {
 public:
  JsonBuilder() : JsonEmitter(buffer) {}
  std::string str() const { return text(); }
};

// Parses `text` as a JSON object; false when it is not valid JSON or not an object.
inline bool parseJsonObject(std::string_view text, rapidjson::Document& doc) {
  doc.Parse(text.data(), text.size());
  return !doc.HasParseError() && doc.IsObject();
}

}  // namespace netmeter::api
