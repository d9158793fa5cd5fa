#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/packet_time.h"

namespace netmeter {

// Count, mean, standard deviation, min and max of response times (ns), mergeable across shards.
struct ResponseTimeStats {
  uint64_t count = 0;
  double sum = 0;      // ns
  double sumSq = 0;    // ns^2
  PacketTime min = INT64_MAX;
  PacketTime max = 0;

  void add(PacketTime rt) {
    if (rt < 0) rt = 0;
    ++count;
    sum += double(rt);
    sumSq += double(rt) * double(rt);
    min = std::min(min, rt);
    max = std::max(max, rt);
  }
  void mergeFrom(const ResponseTimeStats& o) {
    count += o.count;
    sum += o.sum;
    sumSq += o.sumSq;
    min = std::min(min, o.min);
    max = std::max(max, o.max);
  }
  double mean() const { return count ? sum / double(count) : 0; }
  double stddev() const {
    if (count < 2) return 0;
    const double m = mean();
    return std::sqrt(std::max(0.0, sumSq / double(count) - m * m));
  }
};

}  // namespace netmeter
