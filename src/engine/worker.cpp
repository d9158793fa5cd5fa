#include "engine/worker.h"

#include <algorithm>

namespace netmeter {

Worker::Worker(const EngineOptions& options, int64_t memoryBudget) : shard_(options, memoryBudget) {
  batches_.reserve(kBatchesPerWorker);
  for (size_t i = 0; i < kBatchesPerWorker; ++i) {
    batches_.push_back(std::make_unique<PacketBatch>());
    free_.tryPush(batches_.back().get());
  }
}

Worker::~Worker() { join(); }

void Worker::start() { thread_ = std::thread([this] { run(); }); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::finish(PacketTime endTime) {
  std::lock_guard lock(mutex_);
  shard_.finish(endTime);
}

void Worker::run() {
  for (;;) {
    PacketBatch* batch = full_.pop();
    const bool last = batch->last;
    {
      std::lock_guard lock(mutex_);
      constexpr uint32_t kFar = 8, kNear = 4;
      const uint32_t n = batch->count;
      for (uint32_t i = 0; i < std::min(n, kNear); ++i) shard_.prefetchFar(batch->packets[i]);
      for (uint32_t i = 0; i < n; ++i) {
        if (i + kFar < n) shard_.prefetchFar(batch->packets[i + kFar]);
        if (i + kNear < n) shard_.prefetchNear(batch->packets[i + kNear]);
        shard_.process(batch->packets[i], batch->ipBytes(i));
      }
      if (batch->readerTime > shard_.now() && secondOf(batch->readerTime) != secondOf(shard_.now()))
        shard_.housekeeping(batch->readerTime);
    }
    batch->clear();
    free_.push(batch);
    if (last) return;
  }
}

}  // namespace netmeter
