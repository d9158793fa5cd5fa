#pragma once

#include <string_view>

#include "modules/common/response_time_stats.h"

namespace netmeter {

// `key`: {"count", "avg", "stddev", "min", "max"} of response times in ns ("min" null without any),
// for any JSON writer (the report's and the API's).
template <typename W>
void writeResponseTimeObject(W& w, std::string_view key, const ResponseTimeStats& rt) {
  w.key(key);
  w.beginObject();
  w.field("count", rt.count);
  w.field("avg", rt.mean());
  w.field("stddev", rt.stddev());
  w.key("min");
  if (rt.count) w.value(int64_t{rt.min});
  else w.null();
  w.field("max", int64_t{rt.max});
  w.endObject();
}

}  // namespace netmeter
