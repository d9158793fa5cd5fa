#pragma once

#include <cstddef>
#include <cstdint>

#include "api/errors.h"
#include "api/http_types.h"

namespace netmeter {
class Analysis;
}

namespace netmeter::query {

// Where packet time stands for a query: the first second of the trace and the last complete second
// (while packets are still arriving the newest second is still open and is not "last second" yet).
struct TraceClock {
  int64_t firstSecond = 0;
  int64_t lastSecond = -1;  // < firstSecond: no packet yet
  bool empty() const { return lastSecond < firstSecond; }
};
TraceClock traceClock(const Analysis& analysis);

// The time selection of one request, in epoch seconds of packet time:
//   starttime/endtime   the interval [starttime, endtime) ("interval" counters; history range)
//   timespan            without starttime/endtime: the interval is the last `timespan` seconds;
//                       with them: the wanted step of the history dataset in seconds
//   values              at most this many history points (0: none)
//   skiphistorydata     true: no history datasets at all
// Without any of these, "interval" equals "lastSecond" (as the reference says) and history datasets
// cover the last hour of the trace.
struct TimeWindow {
  int64_t fromSecond = 0;  // interval [fromSecond, toSecond)
  int64_t toSecond = 0;
  // What sums over the interval start at: TimeSeries::sum(sumFromSecond, toSecond) (see
  // intervalSumStart: the interval widened back to the beginning of time when it covers the trace's
  // first second). Rates still divide by the interval's own length, seconds().
  int64_t sumFromSecond = 0;
  bool explicitInterval = false;
  int64_t lastSecond = 0;  // [lastSecond, lastSecond + 1)
  size_t values = 0;       // history points, 0: no history
  int64_t historyFrom = 0;
  int64_t historyTo = 0;
  double seconds() const { return double(toSecond > fromSecond ? toSecond - fromSecond : 1); }
  // A series' counters summed over the interval (always through here, so that no route sums from
  // fromSecond and loses the trace's rolled-up first bucket).
  template <typename Series>
  auto intervalSum(const Series& s) const {
    return s.sum(sumFromSecond, toSecond);
  }
};

// Reads the parameters above; `defaultValues` is the history size when `values` is absent (0 for
// lists, whose rows carry no history unless asked). Errors name the parameter.
api::Expected<TimeWindow> parseTimeWindow(const api::Request& req, const TraceClock& clock,
                                          size_t defaultValues);

}  // namespace netmeter::query
