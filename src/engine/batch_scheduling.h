#pragma once

#include <sched.h>

namespace netmeter {

// Runs the calling thread under Linux's SCHED_BATCH policy for the scope's lifetime: the analysis
// threads (the reader and the workers) are CPU-bound and not interactive, and under SCHED_BATCH a
// thread that wakes up does not preempt a running one. With a reader and two workers on two cores,
// every wake-up of a worker used to preempt the reader (4,000-7,000 involuntary switches in a 9 s
// analysis of the 10 M-packet generated trace, everything on, two workers; ~600 now), each switch
// leaving the next thread cold caches: the analysis took 0.87-1.02 times as long, median 0.94, in
// nine interleaved pairs (README Performance). Other threads (the API's handlers) keep the normal
// policy, and a normal thread that wakes still preempts a batch one. Best effort: needs no privilege,
// and a failure (another OS, a container that forbids it) changes nothing else.
class BatchSchedulingScope {
 public:
  BatchSchedulingScope() {
    if (sched_getscheduler(0) == SCHED_OTHER) {  // a thread under another policy keeps it
      const sched_param none{};
      changed_ = sched_setscheduler(0, SCHED_BATCH, &none) == 0;
    }
  }
  ~BatchSchedulingScope() {
    if (changed_) {
      const sched_param none{};
      sched_setscheduler(0, SCHED_OTHER, &none);
    }
  }
  BatchSchedulingScope(const BatchSchedulingScope&) = delete;
  BatchSchedulingScope& operator=(const BatchSchedulingScope&) = delete;

 private:
  bool changed_ = false;
};

}  // namespace netmeter
