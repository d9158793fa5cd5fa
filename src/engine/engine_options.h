#pragma once

#include <cstdint>

#include "flow/flow_table.h"
#include "store/time_series.h"

namespace netmeter {

// How much layer-7 analysis workers do (--l7): none, nDPI classification only, or classification
// plus the application analyzers (DNS, HTTP, TLS, QUIC). Lower levels exist to measure the cost.
enum class L7Level : uint8_t { kOff, kDpi, kAll };

struct EngineOptions {
  unsigned threads = 1;                         // worker threads (the reader is one more)
  int64_t memoryBytes = int64_t{2} << 30;       // --memory: bound for the whole process
  FlowTimeouts timeouts;
  RetentionPolicy retention;
  int64_t compactEverySeconds = 60;            // packet-time interval between history roll-ups
  uint32_t httpTransactionsPerConnection = 1;  // HTTP request/response pairs kept per connection
  L7Level l7 = L7Level::kAll;
  // Reads at most this many packets per second of wall-clock time (0: as fast as possible): replays a
  // file like live traffic (`netmeter serve --pace`), e.g. to watch live captures and statistics grow.
  uint64_t pacePacketsPerSecond = 0;
};

}  // namespace netmeter
