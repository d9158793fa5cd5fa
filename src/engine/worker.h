#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/live_capture.h"
#include "engine/packet_batch.h"
#include "engine/shard.h"
#include "engine/spsc_queue.h"

namespace netmeter {

class PacketReader;

// One worker thread and the shard it owns. The reader fills batches from the free queue and pushes
// them to the full queue; the worker processes each batch under its own lock (which only queries
// take — never another worker) and returns it to the free queue.
class Worker {
 public:
  // Batches in flight between the reader and one worker. Deep queues let the reader run ahead while a
  // worker is descheduled and a worker go on while the reader is: with more threads than cores (a
  // reader and two workers on two cores) each is off its core for a scheduler slice of milliseconds,
  // and 32 batches (8192 packets, 3-7 ms of work) left the others idle; 128 cut the two-worker
  // analysis by ~12 % without L7 on the 10 M generated trace (everything on: within the VM's noise).
  // Bounded by a sixteenth of the memory budget.
  static constexpr size_t kMinBatchesPerWorker = 16;
  static constexpr size_t kMaxBatchesPerWorker = 128;
  // The queue depth (a power of two) for `workers` workers under a process budget of `memoryBytes`.
  static size_t batchesPerWorker(int64_t memoryBytes, unsigned workers);

  // `batches`: the queue depth (batchesPerWorker()).
  Worker(const EngineOptions& options, int64_t memoryBudget, size_t batches, size_t index = 0,
         const LiveCaptureTable* live = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread. With `sharedReader` (PacketReader's shared mode) the worker takes the reader
  // role itself whenever its queue is empty; without, a dedicated reader thread fills its queue.
  void start(PacketReader* sharedReader = nullptr);
  void join();

  // Reader side. A sleeping worker is woken when a quarter of its queue (at most kWakeBatches) is
  // waiting, or at once for an `urgent` batch: one that ends the input or a pause of it, or that
  // live captures wait for. The reader, when it waits for a free batch, is woken when a quarter of
  // them are free (spsc_queue.h).
  static constexpr size_t kWakeBatches = 8;
  PacketBatch* takeFreeBatch() { return free_.pop(); }
  PacketBatch* tryTakeFreeBatch() { return free_.tryPop(); }
  // Batches waiting in the queue (exact for the reader between its submits; the worker only takes).
  size_t queuedBatches() const { return full_.size(); }
  // Wakes the worker if it sleeps on its empty queue (shared mode: the reader role became free).
  void wake() { full_.wake(); }
  void submit(PacketBatch* batch, bool urgent) { full_.push(batch, urgent ? 1 : wakeWorkerAt_); }
  // Shared mode, on this worker's own thread while it holds the reader role and the input pauses
  // (PacketReader::onStall): processes the batches queued for it, the pause's flushing batch among
  // them, so that its own shard does not lag behind the pause while it waits for the input (nor
  // its watermark, which live captures wait for). Never the last batch: the input has not ended.
  void processQueued();

  // Query side: runs f(const Shard&) while the worker is between batches. A waiting query is let in
  // at the next batch boundary (see yieldToQueries), so queries are not starved by a busy worker.
  // Queries change nothing: what connections accumulated in the current second of packet time
  // reaches the per-entity statistics at the next second, or when the input pauses (see
  // PacketBatch::flushAfter).
  template <typename F>
  auto withShard(F&& f) const {
    queriesWaiting_.fetch_add(1, std::memory_order_relaxed);
    std::unique_lock lock(mutex_);
    queriesWaiting_.fetch_sub(1, std::memory_order_relaxed);
    return f(static_cast<const Shard&>(shard_));
  }
  // After join(), when the thread has ended: the shard itself (Engine::finishedModules merges the
  // other shards into the first one's modules).
  Shard& finishedShard() { return shard_; }
  // Live captures: batches finished so far, and the packet number below which every packet of this
  // worker has been processed (LiveCapture's merge watermark).
  uint64_t batchesDone() const { return batchesDone_.load(std::memory_order_acquire); }
  // The shard's now() and firstTime() as of the last finished batch, without taking the lock.
  PacketTime processedNow() const { return processedNow_.load(std::memory_order_acquire); }
  PacketTime processedFirst() const { return processedFirst_.load(std::memory_order_acquire); }
  const std::atomic<uint64_t>& watermark() const { return watermark_; }

  // CPU time of the worker thread, once it has processed the last batch (0 before); without its
  // turns as the reader (shared mode: PacketReader::cpuNanos counts them).
  double cpuSeconds() const { return double(cpuNanos_.load(std::memory_order_acquire)) / 1e9; }
  // Runs the final housekeeping under the lock (after join, or between batches).
  void finish(PacketTime endTime);

 private:
  void run();
  // Processes one batch under the lock and gives it back to the reader; true for the last one.
  bool process(PacketBatch* batch);
  // The next batch to process: waits for the reader, or (shared mode) reads when nobody else does.
  PacketBatch* nextBatch();
  void publishTimes();
  // Between batches: while queries wait for the lock, give them the chance to take it (a mutex would
  // let this thread take it back at once, batch after batch, and a query could wait for seconds).
  void yieldToQueries() const;
  // QueryYield's hook on this worker's thread: inside a long scan under the lock.
  static void yieldInsideScan(void* worker);

  static void prefetchDecoded(const DecodedPacket& p);
  // The start of packet `i`'s IP bytes and L4 payload (written by the reader on the other core), for
  // L7 analysis; call once the decoded packet is in cache.
  static void prefetchPayload(const PacketBatch& batch, uint32_t i);
  void capturePackets(const PacketBatch& batch, uint32_t i, const FlowUpdate& flow);

  Shard shard_;
  size_t index_;
  const LiveCaptureTable* live_;
  std::array<LiveCapture*, LiveCaptureTable::kSlots> captures_{};
  std::array<FlowHint, PacketBatch::kCapacity> hints_{};  // the prefetch stage's flow lookups
  size_t captureCount_ = 0;
  std::atomic<uint64_t> batchesDone_{0};
  std::atomic<uint64_t> watermark_{0};
  std::atomic<int64_t> cpuNanos_{0};
  std::atomic<PacketTime> processedNow_{INT64_MIN};
  std::atomic<PacketTime> processedFirst_{INT64_MAX};
  std::vector<std::unique_ptr<PacketBatch>> batches_;
  SpscQueue<PacketBatch> free_;
  SpscQueue<PacketBatch> full_;
  const size_t wakeWorkerAt_;  // full batches that wake this worker (see submit)
  const size_t wakeReaderAt_;  // free batches that wake the reader
  mutable std::mutex mutex_;
  mutable std::atomic<uint32_t> queriesWaiting_{0};
  PacketReader* sharedReader_ = nullptr;
  int64_t readingNanos_ = 0;  // CPU time of this thread's turns as the reader
  std::thread thread_;
};

}  // namespace netmeter
