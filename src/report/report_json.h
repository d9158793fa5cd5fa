#pragma once

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "modules/common/traffic_record.h"
#include "report/json_report.h"
#include "report/json_writer.h"
#include "store/entity_table.h"

namespace netmeter {

// The JSON writer plus the query window every counter object is rendered for.
class ReportJson : public JsonWriter {
 public:
  ReportJson(std::FILE* out, const std::optional<ReportWindow>& reportWindow, unsigned threads = 1,
             size_t blockRows = kReportBlockRows)
      : JsonWriter(out), window(reportWindow), renderThreads(threads), renderBlockRows(blockRows) {}
  const std::optional<ReportWindow>& window;
  // The large tables' rendering (report/parallel_rows.h): threads at once, rows per block.
  const unsigned renderThreads;
  const size_t renderBlockRows;
};

// "interval", "intervalPerSecond" and, when asked, "history" of a series for the report window.
template <size_t N>
inline void writeWindow(ReportJson& w, const TimeSeries<N>& series, size_t counters) {
  if (!w.window) return;
  const ReportWindow& win = *w.window;
  const auto interval = series.sum(win.sumFromSecond, win.toSecond);
  w.key("interval");
  w.value(interval, counters);
  w.key("intervalPerSecond");
  w.beginArray();
  const double seconds = double(std::max<int64_t>(1, win.toSecond - win.fromSecond));
  for (size_t i = 0; i < counters && i < N; ++i) w.value(double(interval[i]) / seconds);
  w.endArray();
  if (win.historyPoints == 0) return;
  const auto points = series.series(win.fromSecond, win.toSecond, win.historyPoints);
  w.key("history");
  w.beginObject();
  w.field("starttime", points.empty() ? win.fromSecond : points.front().startSecond);
  w.field("timespan", points.empty() ? int64_t{1} : points.front().step);
  w.key("values");
  w.beginArray();
  for (const auto& point : points) w.value(point.values, counters);
  w.endArray();
  w.endObject();
}

template <size_t N>
inline void writeActivity(ReportJson& w, const TrafficRecord<N>& r, size_t counters = N) {
  w.key("allTime");
  w.value(r.counters.allTime(), counters);
  writeWindow(w, r.counters, counters);
  w.field("firstActivity", r.firstActivity);
  w.field("lastActivity", r.lastActivity);
}

template <typename Key, typename Record>
std::vector<std::pair<Key, const Record*>> sortedByKey(const EntityTable<Key, Record>& table) {
  std::vector<std::pair<Key, const Record*>> out;
  out.reserve(table.size());
  table.forEach([&](const Key& k, const Record& r) { out.emplace_back(k, &r); });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace netmeter
