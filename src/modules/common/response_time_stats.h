#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/packet_time.h"

namespace netmeter {

__extension__ typedef unsigned __int128 ResponseTimeSquares;  // GCC/Clang's 128-bit integer

// Count, mean, standard deviation, min and max of response times (ns), mergeable across shards.
// The sums are integers (the squares in 128 bits: a 10 s response time squared is 10^20 ns^2), so
// they do not depend on the order of additions: results are the same for any number of workers.
struct ResponseTimeStats {
  uint64_t count = 0;
  uint64_t sum = 0;               // ns
  ResponseTimeSquares sumSq = 0;  // ns^2
  PacketTime min = INT64_MAX;
  PacketTime max = 0;

  void add(PacketTime rt) {
    if (rt < 0) rt = 0;
    const auto v = static_cast<uint64_t>(rt);
    ++count;
    sum += v;
    sumSq += static_cast<ResponseTimeSquares>(v) * v;
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
  double mean() const { return count ? double(sum) / double(count) : 0; }
  double stddev() const {
    if (count < 2) return 0;
    // Population variance from the exact sums (the same sums give the same result).
    const long double n = static_cast<long double>(count);
    const long double variance = static_cast<long double>(sumSq) / n -
                                 (static_cast<long double>(sum) / n) * (static_cast<long double>(sum) / n);
    return double(std::sqrt(std::max(0.0L, variance)));
  }
};

}  // namespace netmeter
