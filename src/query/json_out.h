#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_emitter.h"

namespace netmeter::query {

// Builds a JSON response body (core/json_emitter.h's calls) into a string.
class JsonOut : private JsonStringStorage, public JsonEmitter<JsonOut, rapidjson::StringBuffer> {
 public:
  JsonOut() : JsonEmitter(buffer) {}

  // A packet time (ns) as epoch microseconds, or null when unset (INT64_MIN / INT64_MAX).
  void timeField(std::string_view k, int64_t nanos);

  std::string take() { return text(); }
};

}  // namespace netmeter::query
