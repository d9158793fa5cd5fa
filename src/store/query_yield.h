#pragma once

#include <cstdint>

namespace netmeter {

// Long scans over a worker's state (connection expiry, history roll-up, eviction) run under the
// worker's lock and may take tens of milliseconds, seconds after a gap in the trace. They call
// QueryYield::point() between records; every kEvery calls the hook that the worker set for its
// thread runs, and when queries wait for the lock it lets them in before the scan goes on. Queries
// only read, so a scan resumes where it stopped. Threads without a hook (tests, the final
// housekeeping) do nothing.
class QueryYield {
 public:
  using Hook = void (*)(void* context);
  static void set(Hook hook, void* context) {
    hook_ = hook;
    context_ = context;
  }
  static void point() {
    if (hook_ != nullptr && (++calls_ & (kEvery - 1)) == 0) hook_(context_);
  }

 private:
  static constexpr uint32_t kEvery = 1024;
  static inline thread_local Hook hook_ = nullptr;
  static inline thread_local void* context_ = nullptr;
  static inline thread_local uint32_t calls_ = 0;
};

}  // namespace netmeter
