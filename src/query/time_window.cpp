#include "query/time_window.h"

#include <algorithm>
#include <climits>

#include "engine/analysis.h"
#include "store/time_series.h"

namespace netmeter::query {

TraceClock traceClock(const Analysis& analysis) {
  TraceClock clock;
  const PacketTime now = analysis.now();
  if (now == INT64_MIN) return clock;
  PacketTime first = analysis.engine().processedFirst();
  if (first > now) first = now;
  const int64_t firstSecond = secondOf(first);
  clock.firstSecond = firstSecond;
  clock.lastSecond = analysis.finished() ? secondOf(now) : std::max(firstSecond, secondOf(now) - 1);
  return clock;
}

api::Expected<TimeWindow> parseTimeWindow(const api::Request& req, const TraceClock& clock,
                                          size_t defaultValues) {
  constexpr int64_t kMaxSecond = int64_t{1} << 40;
  const bool hasStart = req.queryValue("starttime").has_value();
  const bool hasEnd = req.queryValue("endtime").has_value();
  auto start = api::intParam(req, "starttime", 0, kMaxSecond, 0);
  if (!start) return start.error();
  auto end = api::intParam(req, "endtime", 0, kMaxSecond, 0);
  if (!end) return end.error();
  auto timespan = api::intParam(req, "timespan", 1, kMaxSecond, 0);
  if (!timespan) return timespan.error();
  auto values = api::intParam(req, "values", 0, 10000, int64_t(defaultValues));
  if (!values) return values.error();
  auto skip = api::boolParam(req, "skiphistorydata", false);
  if (!skip) return skip.error();

  TimeWindow w;
  const int64_t first = clock.empty() ? 0 : clock.firstSecond;
  const int64_t last = clock.empty() ? -1 : clock.lastSecond;
  w.lastSecond = last;
  const bool hasTimespan = req.queryValue("timespan").has_value();
  if (hasStart || hasEnd) {
    w.fromSecond = hasStart ? *start : first;
    w.toSecond = hasEnd ? *end : last + 1;
    if (w.toSecond <= w.fromSecond)
      return api::badParameter(hasEnd ? "endtime" : "starttime", "endtime must be after starttime");
    w.explicitInterval = true;
  } else if (hasTimespan) {
    w.toSecond = last + 1;
    w.fromSecond = w.toSecond - *timespan;
    w.explicitInterval = true;
  } else {
    w.fromSecond = last;
    w.toSecond = last + 1;
  }
  w.sumFromSecond = intervalSumStart(w.fromSecond, first);
  w.values = *skip ? 0 : size_t(*values);
  // History covers the interval when one is asked for: any starttime/endtime (a connection of one
  // second too), or a timespan of more than the last second.
  if (w.explicitInterval && (hasStart || hasEnd || w.toSecond - w.fromSecond > 1)) {
    w.historyFrom = w.fromSecond;
    w.historyTo = w.toSecond;
  } else {
    w.historyTo = last + 1;
    w.historyFrom = std::max(first, w.historyTo - 3600);
  }
  // With an explicit interval, timespan asks for the history's step: that many seconds per point.
  if ((hasStart || hasEnd) && hasTimespan && w.values > 0) {
    const int64_t points = (w.historyTo - w.historyFrom + *timespan - 1) / *timespan;
    w.values = std::min<size_t>(w.values, size_t(std::max<int64_t>(1, points)));
  }
  return w;
}

}  // namespace netmeter::query
