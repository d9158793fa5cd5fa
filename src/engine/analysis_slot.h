#pragma once

#include <memory>
#include <mutex>

#include "engine/analysis.h"

namespace netmeter {

// The analysis the server currently answers for. `netmeter serve` starts with the analysis of its
// --pcap inputs; an uploaded capture replaces it (the reference's "pcap analysis mode") and "resume
// normal operation" puts the original back. A request takes the current analysis once
// (query::QuerySource::open) and keeps it alive until it has answered, so a replacement never
// pulls an analysis from under a running request or a streamed response.
class AnalysisSlot {
 public:
  explicit AnalysisSlot(std::shared_ptr<Analysis> initial) : current_(std::move(initial)) {}

  std::shared_ptr<Analysis> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  // Installs `next` and returns the analysis it replaces (still alive while someone holds it).
  std::shared_ptr<Analysis> replace(std::shared_ptr<Analysis> next) {
    std::lock_guard lock(mutex_);
    current_.swap(next);
    ++generation_;
    return next;
  }
  // Counts replacements: lets a long-running reader notice that the analysis changed.
  uint64_t generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<Analysis> current_;
  uint64_t generation_ = 0;
};

}  // namespace netmeter
