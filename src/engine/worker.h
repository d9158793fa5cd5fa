#pragma once

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/live_capture.h"
#include "engine/packet_batch.h"
#include "engine/shard.h"
#include "engine/spsc_queue.h"

namespace netmeter {

// One worker thread and the shard it owns. The reader fills batches from the free queue and pushes
// them to the full queue; the worker processes each batch under its own lock (which only queries
// take — never another worker) and returns it to the free queue.
class Worker {
 public:
  static constexpr size_t kBatchesPerWorker = 32;

  Worker(const EngineOptions& options, int64_t memoryBudget, size_t index = 0, const LiveCaptureTable* live = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void join();

  // Reader side.
  PacketBatch* takeFreeBatch() { return free_.pop(); }
  void submit(PacketBatch* batch) { full_.push(batch); }

  // Query side: runs f(const Shard&) while the worker is between batches.
  template <typename F>
  auto withShard(F&& f) const {
    std::lock_guard lock(mutex_);
    return f(static_cast<const Shard&>(shard_));
  }
  // Live captures: batches finished so far, and the packet number below which every packet of this
  // worker has been processed (LiveCapture's merge watermark).
  uint64_t batchesDone() const { return batchesDone_.load(std::memory_order_acquire); }
  const std::atomic<uint64_t>& watermark() const { return watermark_; }

  // Runs the final housekeeping under the lock (after join, or between batches).
  void finish(PacketTime endTime);

 private:
  void run();

  void capturePackets(const PacketBatch& batch, uint32_t i, const FlowUpdate& flow);

  Shard shard_;
  size_t index_;
  const LiveCaptureTable* live_;
  std::array<LiveCapture*, LiveCaptureTable::kSlots> captures_{};
  size_t captureCount_ = 0;
  std::atomic<uint64_t> batchesDone_{0};
  std::atomic<uint64_t> watermark_{0};
  std::vector<std::unique_ptr<PacketBatch>> batches_;
  SpscQueue<PacketBatch> free_{kBatchesPerWorker};
  SpscQueue<PacketBatch> full_{kBatchesPerWorker};
  mutable std::mutex mutex_;
  std::thread thread_;
};

}  // namespace netmeter
