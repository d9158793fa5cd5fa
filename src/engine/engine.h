#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/engine_options.h"
#include "engine/live_capture.h"
#include "engine/packet_reader.h"
#include "engine/worker.h"
#include "io/packet_source.h"
#include "io/time_offset_index.h"

namespace netmeter {

// What the reader saw of the trace.
struct TraceTotals {
  uint64_t packets = 0;
  uint64_t bytes = 0;  // sum of original frame lengths
  PacketTime firstPacket = INT64_MAX;
  PacketTime lastPacket = INT64_MIN;
  IpReassemblyStats reassembly;  // what the reader's IP reassembly did (zero when it is off)
};

// The packet path: the reader (PacketReader: the calling thread, or the workers in turn) reads and
// decodes packets and hands them, in batches, to the worker that owns their IP pair (symmetric hash);
// each worker updates its own shard. Queries visit the shards one at a time under each worker's lock
// and merge.
class Engine {
 public:
  explicit Engine(EngineOptions options);
  ~Engine();

  // Each shard's share of options.memoryBytes for its statistics when `queuedBatchBytes` go to the
  // batches between the reader and the workers (bench/worker_scaling.cpp gives each worker the same).
  static int64_t statisticsBudgetPerShard(const EngineOptions& options, int64_t queuedBatchBytes);

  // Processes every packet of `source`; returns when all workers have finished. `progress` is called
  // by the reader about ten times a second (wall clock only paces the display): on this thread, or
  // when the workers share the reading (sharesReading), on theirs, one at a time.
  void run(PacketSource& source, const std::function<void(const EngineProgress&)>& progress = {});
  // Records packet time -> file offset while run() reads (for captures of the past that seek into the
  // analysed files). Set before run(); the index must outlive it. Null (default): nothing recorded.
  void setTimeIndex(TimeOffsetIndex* index) { timeIndex_ = index; }

  // Starts a live capture on the packets run() reads from now on (any thread). False when
  // LiveCaptureTable::kSlots captures run already. After the end of the trace the capture ends at once.
  bool attachCapture(const std::shared_ptr<LiveCapture>& capture);

  // Calls f(const Shard&) for every worker's shard, in worker order, each under that worker's lock.
  template <typename F>
  void forEachShard(F&& f) const {
    for (const auto& w : workers_) w->withShard([&](const Shard& s) { f(s); });
  }
  // Calls f(const Shard&) for worker `index`'s shard under its lock.
  template <typename F>
  auto withShard(size_t index, F&& f) const {
    return workers_[index]->withShard(std::forward<F>(f));
  }
  size_t workerCount() const { return workers_.size(); }
  // After run() has returned, when no worker changes its shard any more (the report, the summary):
  // the modules of all shards merged. The first call merges the other shards into the first shard's
  // modules, in place (no copy of the first shard) and one module per thread at once; the shards'
  // flows and memory figures stay as they were, but their modules must not be read shard by shard
  // any more (queries would count the other shards twice). With one worker: its own modules.
  // MergedHistory::kLeftOut: the counters' histories are not merged (most of the merge's work), so
  // only all-time totals may be read from the result (a report without a time window); asking for
  // kKept after that throws std::logic_error.
  enum class MergedHistory : uint8_t { kKept, kLeftOut };
  const ModuleSet& finishedModules(MergedHistory history = MergedHistory::kKept);
  // The latest and the earliest packet time the workers have processed (INT64_MIN / INT64_MAX before
  // the first packet), without taking their locks.
  PacketTime processedNow() const;
  PacketTime processedFirst() const;
  const EngineOptions& options() const { return options_; }
  TraceTotals totals() const;
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  // Whether run() lets the workers read in turn instead of reading on the calling thread
  // (EngineOptions::reader; kAuto: when there are at least as many workers as usable cores and the
  // input is not paced). Never with one worker.
  static bool sharesReading(const EngineOptions& options);
  // CPU time spent reading (the thread that called run(), or the workers' turns as the reader) and
  // each worker thread's processing, once run() has returned: the per-thread cost behind the
  // wall-clock rate (waiting for the other side sleeps).
  double readerCpuSeconds() const { return double(readerCpuNanos_.load(std::memory_order_acquire)) / 1e9; }
  double workerCpuSeconds(size_t index) const { return workers_[index]->cpuSeconds(); }
  // Asks run() to stop reading (from any thread); what was read so far is processed and kept.
  void requestStop() { stopRequested_.store(true, std::memory_order_relaxed); }
  // Bytes of the budget left for statistics after fixed buffers, per worker.
  int64_t shardBudget() const { return shardBudget_; }

 private:
  EngineOptions options_;
  size_t batchesPerWorker_;  // queue depth between the reader and each worker
  int64_t shardBudget_;
  std::vector<std::unique_ptr<Worker>> workers_;
  PacketReader::Published published_;  // what the reader has read so far
  std::atomic<bool> finished_{false};
  bool shardsMerged_ = false;   // finishedModules() merged the shards into the first
  bool historyMerged_ = false;  // ... with their counters' histories
  std::atomic<int64_t> readerCpuNanos_{0};
  std::atomic<bool> stopRequested_{false};
  TimeOffsetIndex* timeIndex_ = nullptr;
  LiveCaptureTable live_;  // declared after workers_: destroyed first, while no worker runs
};

}  // namespace netmeter
