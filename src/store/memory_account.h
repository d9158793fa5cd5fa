#pragma once

#include <cstdint>

namespace netmeter {

// Bytes of statistics memory held by one worker's shard. Every container that grows with traffic
// (entity tables, history buckets) reports its growth and shrinkage here, so the shard can compare
// itself with its share of the --memory budget without asking the allocator.
struct MemoryAccount {
  int64_t bytes = 0;
  void add(int64_t delta) { bytes += delta; }
};

}  // namespace netmeter
