#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "modules/common/traffic_record.h"
#include "query/json_out.h"
#include "query/time_window.h"
#include "store/time_series.h"

namespace netmeter::query {

// The counter fields of the reference API for one series: "allTime", "interval", "lastSecond",
// "intervalPerSecond" (arrays [rx packets, rx bytes, tx packets, tx bytes, ...], or the first
// `count` counters of the series) and, when the window asks for it, "history":
// {"starttime": s, "timespan": step in s, "values": [[...], ...]}.
// Swaps the receive and transmit halves of [rx packets, rx bytes, tx packets, tx bytes, ...] (to show a
// record kept from one endpoint's view from the other endpoint's view).
template <size_t N>
std::array<uint64_t, N> oriented(std::array<uint64_t, N> v, bool swap) {
  if (swap && N >= 4) {
    std::swap(v[0], v[2]);
    std::swap(v[1], v[3]);
  }
  return v;
}

template <size_t N>
void writeCounters(JsonOut& j, const TimeSeries<N>& s, const TimeWindow& w, size_t count = N, bool swap = false) {
  j.key("allTime");
  j.value(oriented(s.allTime(), swap), count);
  const auto interval = oriented(w.intervalSum(s), swap);
  j.key("interval");
  j.value(interval, count);
  j.key("lastSecond");
  j.value(oriented(s.sum(w.lastSecond, w.lastSecond + 1), swap), count);
  j.key("intervalPerSecond");
  j.beginArray();
  for (size_t i = 0; i < count && i < N; ++i) j.value(double(interval[i]) / w.seconds());
  j.endArray();
  if (w.values == 0 || w.historyTo <= w.historyFrom) return;
  const auto points = s.series(w.historyFrom, w.historyTo, w.values);
  j.key("history");
  j.beginObject();
  j.field("starttime", points.empty() ? w.historyFrom : points.front().startSecond);
  j.field("timespan", points.empty() ? int64_t{1} : points.front().step);
  j.key("values");
  j.beginArray();
  for (const auto& p : points) j.value(oriented(p.values, swap), count);
  j.endArray();
  j.endObject();
}

// Counters already summed (aggregates over several records, e.g. an IP's connections per port).
template <size_t N>
struct SummedCounters {
  std::array<uint64_t, N> allTime{};
  std::array<uint64_t, N> interval{};
  std::array<uint64_t, N> lastSecond{};
  void add(const TimeSeries<N>& s, const TimeWindow& w, bool swap = false) {
    const auto a = oriented(s.allTime(), swap);
    const auto i = oriented(w.intervalSum(s), swap);
    const auto l = oriented(s.sum(w.lastSecond, w.lastSecond + 1), swap);
    for (size_t k = 0; k < N; ++k) {
      allTime[k] += a[k];
      interval[k] += i[k];
      lastSecond[k] += l[k];
    }
  }
};
template <size_t N>
void writeCounters(JsonOut& j, const SummedCounters<N>& c, const TimeWindow& w) {
  j.key("allTime");
  j.value(c.allTime);
  j.key("interval");
  j.value(c.interval);
  j.key("lastSecond");
  j.value(c.lastSecond);
  j.key("intervalPerSecond");
  j.beginArray();
  for (size_t i = 0; i < N; ++i) j.value(double(c.interval[i]) / w.seconds());
  j.endArray();
}

// writeCounters plus "firstActivity"/"lastActivity" (epoch microseconds of packet time).
template <size_t N>
void writeTraffic(JsonOut& j, const TrafficRecord<N>& r, const TimeWindow& w, size_t count = N) {
  writeCounters(j, r.counters, w, count);
  j.timeField("firstActivity", r.firstActivity);
  j.timeField("lastActivity", r.lastActivity);
}

// A traffic sort column of the reference: bytes, rxbytes, txbytes, packets, rxpackets, txpackets
// (interval sums with a time selection, all-time totals without) and bps, rxbps, txbps, pps, rxpps,
// txpps (per second over the interval, or the last second). The value is additive over shards.
struct TrafficMetric {
  bool perSecond = false;
  uint8_t mask = 0;  // bit i: counter i of [rx packets, rx bytes, tx packets, tx bytes]
};
std::optional<TrafficMetric> trafficMetric(std::string_view column);

inline double metricOf(const uint64_t* v, const TrafficMetric& m, double divisor) {
  double total = 0;
  for (size_t i = 0; i < 4; ++i)
    if (m.mask & (1u << i)) total += double(v[i]);
  return total / divisor;
}

// Series of [packets, bytes] (no direction): the byte or packet columns of the metric.
template <size_t N>
double metricOfArray(const std::array<uint64_t, N>& v, const TrafficMetric& m, double divisor) {
  if constexpr (N >= 4) {
    return metricOf(v.data(), m, divisor);
  } else {
    return double(v[(m.mask & 0b1010) ? 1 : 0]) / divisor;
  }
}

// A metric with rx and tx swapped (for records kept from the other endpoint's view).
inline TrafficMetric swapped(TrafficMetric m) {
  m.mask = uint8_t(((m.mask & 0b0011) << 2) | ((m.mask & 0b1100) >> 2));
  return m;
}

template <size_t N>
double metricValue(const TimeSeries<N>& s, const TrafficMetric& m, const TimeWindow& w) {
  if (!m.perSecond) {
    if (!w.explicitInterval) return metricOfArray(s.allTime(), m, 1);
    return metricOfArray(w.intervalSum(s), m, 1);
  }
  if (w.explicitInterval) return metricOfArray(w.intervalSum(s), m, w.seconds());
  return metricOfArray(s.sum(w.lastSecond, w.lastSecond + 1), m, 1);
}

template <size_t N>
double metricValue(const SummedCounters<N>& c, const TrafficMetric& m, const TimeWindow& w) {
  static_assert(N >= 4);
  if (!m.perSecond) return metricOf((w.explicitInterval ? c.interval : c.allTime).data(), m, 1);
  if (w.explicitInterval) return metricOf(c.interval.data(), m, w.seconds());
  return metricOf(c.lastSecond.data(), m, 1);
}

}  // namespace netmeter::query
