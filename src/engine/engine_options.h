#pragma once

#include <cstdint>

#include "flow/flow_table.h"
#include "store/time_series.h"

namespace netmeter {

struct EngineOptions {
  unsigned threads = 1;                         // worker threads (the reader is one more)
  int64_t memoryBytes = int64_t{2} << 30;       // --memory: bound for the whole process
  FlowTimeouts timeouts;
  RetentionPolicy retention;
  int64_t compactEverySeconds = 60;            // packet-time interval between history roll-ups
  uint32_t httpTransactionsPerConnection = 1;  // HTTP request/response pairs kept per connection
};

}  // namespace netmeter
