#pragma once

#include <time.h>

#include <cstdint>

namespace netmeter {

// CPU time the calling thread has used so far, in nanoseconds (0 if the clock is unavailable).
inline int64_t threadCpuNanos() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace netmeter
