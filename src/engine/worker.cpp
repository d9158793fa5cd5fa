#include "engine/worker.h"

#include <algorithm>
#include <cassert>
#include <chrono>

#include "engine/batch_scheduling.h"
#include "engine/packet_reader.h"
#include "engine/thread_cpu_time.h"
#include "store/query_yield.h"

namespace netmeter {

size_t Worker::batchesPerWorker(int64_t memoryBytes, unsigned workers) {
  const int64_t affordable = memoryBytes / 16 / int64_t(std::max(1u, workers)) / int64_t(sizeof(PacketBatch));
  size_t batches = kMinBatchesPerWorker;
  while (batches < kMaxBatchesPerWorker && int64_t(batches * 2) <= affordable) batches *= 2;
  return batches;
}

Worker::Worker(const EngineOptions& options, int64_t memoryBudget, size_t batches, size_t index,
               const LiveCaptureTable* live)
    : shard_(options, memoryBudget),
      index_(index),
      live_(live),
      free_(batches),
      full_(batches),
      wakeWorkerAt_(std::clamp<size_t>(batches / 4, 1, kWakeBatches)),
      wakeReaderAt_(std::max<size_t>(batches / 4, 1)) {
  batches_.reserve(batches);
  for (size_t i = 0; i < batches; ++i) {
    // Default-initialized: the arena's pages stay untouched (not resident) until packets fill them.
    batches_.push_back(std::make_unique_for_overwrite<PacketBatch>());
    free_.tryPush(batches_.back().get());
  }
}

Worker::~Worker() {
  join();
}

void Worker::start(PacketReader* sharedReader) {
  sharedReader_ = sharedReader;
  thread_ = std::thread([this] { run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::finish(PacketTime endTime) {
  std::lock_guard lock(mutex_);
  shard_.finish(endTime);
  publishTimes();
}

// Under the lock.
void Worker::publishTimes() {
  processedNow_.store(shard_.now(), std::memory_order_release);
  processedFirst_.store(shard_.firstTime(), std::memory_order_release);
}

void Worker::capturePackets(const PacketBatch& batch, uint32_t i, const FlowUpdate& flow) {
  if (batch.frameOffset[i] == PacketBatch::kNoFrame) return;
  for (size_t c = 0; c < captureCount_; ++c)
    captures_[c]->onWorkerPacket(index_, batch.seq[i], batch.packets[i], batch.frame(i), flow);
}

void Worker::yieldToQueries() const {
  // Bounded, so that a stream of queries slows the analysis down but cannot stop it.
  constexpr auto kMaxWait = std::chrono::milliseconds(2);
  const auto until = std::chrono::steady_clock::now() + kMaxWait;
  while (queriesWaiting_.load(std::memory_order_relaxed) != 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
}

void Worker::yieldInsideScan(void* self) {
  auto* w = static_cast<Worker*>(self);
  if (w->queriesWaiting_.load(std::memory_order_relaxed) == 0) return;
  w->mutex_.unlock();  // held by run() around everything that scans
  w->yieldToQueries();
  w->mutex_.lock();
}

void Worker::prefetchDecoded(const DecodedPacket& p) {
  const char* bytes = reinterpret_cast<const char*>(&p);
  for (size_t offset = 0; offset < sizeof(DecodedPacket); offset += 64) __builtin_prefetch(bytes + offset);
}

void Worker::prefetchPayload(const PacketBatch& batch, uint32_t i) {
  const IpBytes bytes = batch.ipBytes(i);
  if (bytes.length == 0) return;
  __builtin_prefetch(bytes.data);
  const std::span<const uint8_t> payload = l4Payload(batch.packets[i], bytes);
  if (!payload.empty()) __builtin_prefetch(payload.data());
}

PacketBatch* Worker::nextBatch() {
  if (sharedReader_ == nullptr) return full_.pop();
  for (;;) {
    if (PacketBatch* batch = full_.tryPop()) return batch;
    if (sharedReader_->takeTurn(index_, readingNanos_)) continue;
    // Another worker reads (and wakes this one with its first batch for it), or the input has
    // ended (and the last batch is on its way): wait, then try again.
    sharedReader_->waiting(+1);
    PacketBatch* batch = full_.popOrTimeout([this] { return sharedReader_->turnAvailable(); });
    sharedReader_->waiting(-1);
    if (batch != nullptr) return batch;
  }
}

void Worker::run() {
  const BatchSchedulingScope batchScheduling;
  QueryYield::set(&Worker::yieldInsideScan, this);
  for (;;) {
    if (process(nextBatch())) {
      cpuNanos_.store(threadCpuNanos() - readingNanos_, std::memory_order_release);
      return;
    }
    if (queriesWaiting_.load(std::memory_order_relaxed) != 0) yieldToQueries();
  }
}

void Worker::processQueued() {
  while (PacketBatch* batch = full_.tryPop()) {
    const bool last = process(batch);
    assert(!last);  // handed over by endInput(), after the reading has stopped
    (void)last;
    if (queriesWaiting_.load(std::memory_order_relaxed) != 0) yieldToQueries();
  }
}

bool Worker::process(PacketBatch* batch) {
  const bool last = batch->last;
  {
    std::lock_guard lock(mutex_);
    // Four stages ahead of the packet processed: its decoded fields (written by the reader on
    // another core), then its flow's hash slot, then its connection, then what the connection points to.
    constexpr uint32_t kFarthest = 16, kFar = 8, kNear = 4, kNearest = 2;
    const uint32_t n = batch->count;
    const bool analyzesPayloads = shard_.modules().l7.any();
    for (uint32_t i = 0; i < std::min(n, kFarthest); ++i) prefetchDecoded(batch->packets[i]);
    for (uint32_t i = 0; i < std::min(n, kFar); ++i) {
      shard_.prefetchFar(batch->packets[i], hints_[i]);
      if (analyzesPayloads) prefetchPayload(*batch, i);
    }
    for (uint32_t i = 0; i < std::min(n, kNear); ++i) shard_.prefetchNear(batch->packets[i], hints_[i]);
    for (uint32_t i = 0; i < std::min(n, kNearest); ++i) shard_.prefetchNearest(batch->packets[i], hints_[i]);
    captureCount_ = 0;
    if (batch->framesKept && live_ != nullptr) live_->snapshot(captures_, captureCount_);
    for (uint32_t i = 0; i < n; ++i) {
      if (i + kFarthest < n) prefetchDecoded(batch->packets[i + kFarthest]);
      if (i + kFar < n) {
        shard_.prefetchFar(batch->packets[i + kFar], hints_[i + kFar]);
        if (analyzesPayloads) prefetchPayload(*batch, i + kFar);
      }
      if (i + kNear < n) shard_.prefetchNear(batch->packets[i + kNear], hints_[i + kNear]);
      if (i + kNearest < n) shard_.prefetchNearest(batch->packets[i + kNearest], hints_[i + kNearest]);
      const FlowUpdate flow = shard_.process(batch->packets[i], batch->ipBytes(i), &hints_[i]);
      if (captureCount_ != 0) capturePackets(*batch, i, flow);
    }
    if (batch->readerTime > shard_.now() && secondOf(batch->readerTime) != secondOf(shard_.now()))
      shard_.housekeeping(batch->readerTime);
    if (batch->flushAfter) shard_.flushPending();
    publishTimes();
  }
  // After the captures' rings were written: the merger may now rely on everything below readerSeq.
  watermark_.store(batch->readerSeq, std::memory_order_release);
  batchesDone_.fetch_add(1, std::memory_order_release);
  batch->clear();
  free_.push(batch, wakeReaderAt_);
  return last;
}

}  // namespace netmeter
