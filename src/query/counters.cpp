#include "query/counters.h"

#include <climits>

namespace netmeter::query {

void JsonOut::timeField(std::string_view k, int64_t nanos) {
  key(k);
  if (nanos == INT64_MIN || nanos == INT64_MAX) null();
  else value(int64_t(nanos / 1000));
}

std::optional<TrafficMetric> trafficMetric(std::string_view c) {
  struct Entry {
    std::string_view name;
    TrafficMetric metric;
  };
  static constexpr Entry kMetrics[] = {
      {"bytes", {false, 0b1010}},   {"rxbytes", {false, 0b0010}}, {"txbytes", {false, 0b1000}},
      {"packets", {false, 0b0101}}, {"rxpackets", {false, 0b0001}}, {"txpackets", {false, 0b0100}},
      {"bps", {true, 0b1010}},      {"rxbps", {true, 0b0010}},    {"txbps", {true, 0b1000}},
      {"pps", {true, 0b0101}},      {"rxpps", {true, 0b0001}},    {"txpps", {true, 0b0100}},
  };
  for (const Entry& e : kMetrics)
    if (e.name == c) return e.metric;
  return std::nullopt;
}

}  // namespace netmeter::query
