#include "engine/engine.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <thread>

#include "decode/decoder.h"
#include "engine/batch_scheduling.h"
#include "engine/thread_cpu_time.h"
#include "flow/flow_key.h"
#include "io/input_stall.h"

namespace netmeter {

namespace {

// Memory outside the statistics: batches in flight plus a fixed allowance for code, the MAC vendor
// table and allocator slack.
constexpr int64_t kBaseOverheadBytes = int64_t{48} << 20;

}  // namespace

int64_t Engine::statisticsBudgetPerShard(const EngineOptions& o, int64_t queuedBatchBytes) {
  const unsigned threads = std::max(1u, o.threads);
  const int64_t forStats =
      std::max<int64_t>(o.memoryBytes - kBaseOverheadBytes - queuedBatchBytes, int64_t{4} << 20);
  // History vectors grow by doubling, so up to half of what they reserve can be unused capacity that
  // the account does not see; keep a quarter of the budget for that slack.
  return forStats / 4 * 3 / threads;
}

Engine::Engine(EngineOptions options)
    : options_(options),
      batchesPerWorker_(Worker::batchesPerWorker(options_.memoryBytes, options_.threads)),
      shardBudget_(statisticsBudgetPerShard(options_, int64_t(std::max(1u, options_.threads)) *
                                                          int64_t(batchesPerWorker_) *
                                                          int64_t(sizeof(PacketBatch)))) {
  options_.threads = std::max(1u, options_.threads);
  for (unsigned i = 0; i < options_.threads; ++i)
    workers_.push_back(std::make_unique<Worker>(options_, shardBudget_, batchesPerWorker_, i, &live_));
}

Engine::~Engine() {
  for (auto& w : workers_) w->join();
}

PacketTime Engine::processedNow() const {
  PacketTime now = INT64_MIN;
  for (const auto& w : workers_) now = std::max(now, w->processedNow());
  return now;
}

PacketTime Engine::processedFirst() const {
  PacketTime first = INT64_MAX;
  for (const auto& w : workers_) first = std::min(first, w->processedFirst());
  return first;
}

TraceTotals Engine::totals() const {
  TraceTotals t;
  t.packets = packets_.load(std::memory_order_relaxed);
  t.bytes = bytes_.load(std::memory_order_relaxed);
  t.firstPacket = first_.load(std::memory_order_relaxed);
  t.lastPacket = last_.load(std::memory_order_relaxed);
  return t;
}

bool Engine::attachCapture(const std::shared_ptr<LiveCapture>& capture) {
  std::vector<const std::atomic<uint64_t>*> marks;
  for (const auto& w : workers_) marks.push_back(&w->watermark());
  capture->setWatermarks(std::move(marks));
  return live_.attach(capture);
}

void Engine::run(PacketSource& source, const std::function<void(const EngineProgress&)>& progress) {
  const BatchSchedulingScope batchScheduling;  // the reader, this thread, until the analysis ends
  const size_t n = workers_.size();
  for (auto& w : workers_) w->start();
  std::vector<PacketBatch*> open(n);
  for (size_t i = 0; i < n; ++i) open[i] = workers_[i]->takeFreeBatch();

  using Clock = std::chrono::steady_clock;
  auto nextProgress = Clock::now();
  RawPacket raw;
  uint64_t packets = 0, bytes = 0;
  PacketTime first = INT64_MAX, last = INT64_MIN;
  TimeOffsetIndex* const timeIndex = timeIndex_;
  // Live captures (see live_capture.h): batches handed to each worker, and the reader's upkeep.
  std::vector<uint64_t> submitted(n, 0);
  uint64_t seq = 0;
  auto submit = [&](size_t w, PacketBatch* b, bool urgent) {
    b->readerSeq = seq;
    ++submitted[w];
    workers_[w]->submit(b, urgent);
  };
  auto maintainCaptures = [&] {
    live_.readerMaintain(seq, submitted, [&](size_t w) { return workers_[w]->batchesDone(); });
  };
  auto publish = [&] {
    packets_.store(packets, std::memory_order_relaxed);
    bytes_.store(bytes, std::memory_order_relaxed);
    first_.store(first, std::memory_order_relaxed);
    last_.store(last, std::memory_order_relaxed);
  };
  // Hands the workers their open batches. With live captures running every worker gets one, even
  // empty, so that each worker's watermark reaches the last packet read and the captures' mergers
  // are never held back by a worker with little traffic.
  // On a pause of the input (`stall`), a worker that was handed packets since its last flush gets a
  // batch, even empty, that tells it to flush its pending traffic (PacketBatch::flushAfter).
  std::vector<bool> unflushed(n, false);
  auto handOverOpenBatches = [&](bool stall) {
    const bool everyWorker = live_.anyActive();
    for (size_t i = 0; i < n; ++i) {
      if (open[i]->count == 0 && !everyWorker && !(stall && unflushed[i])) continue;
      open[i]->readerTime = last;
      open[i]->flushAfter = stall;
      unflushed[i] = !stall;
      submit(i, open[i], /*urgent=*/true);
      open[i] = workers_[i]->takeFreeBatch();
    }
  };
  // The source is about to wait for input (io/input_stall.h): hand what was read over now.
  const std::function<void()> onStall = [&] {
    if (live_.pending() || live_.needsUpkeep()) maintainCaptures();
    handOverOpenBatches(true);
    publish();
    if (progress) progress({packets, source.bytesConsumed(), source.bytesTotal()});
  };
  const io::InputStallScope stallScope(onStall);
  // Only the L7 analysis reads a packet's IP bytes in the workers: without it none are copied.
  const bool workersReadIpBytes = options_.l7.any();
  const auto paceStart = Clock::now();
  DecodedPacket scratch;
  while (!stopRequested_.load(std::memory_order_relaxed) && source.next(raw) == ReadStatus::kPacket) {
    if (timeIndex != nullptr) timeIndex->add(raw);
    if (options_.pacePacketsPerSecond != 0) {
      // Paced replay behaves like a live interface: what was read is handed over before waiting.
      const double dueSeconds = double(seq) / double(options_.pacePacketsPerSecond);
      const auto due =
          paceStart + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(dueSeconds));
      if (Clock::now() < due) {
        onStall();
        std::this_thread::sleep_until(due);
      }
    }
    if (live_.pending() || ((seq & 0x3ff) == 0 && live_.needsUpkeep())) {
      maintainCaptures();
      if (live_.anyActive() && (seq & 0x3ff) == 0) handOverOpenBatches(false);
    }
    const bool keepFrames = live_.anyActive();
    if (keepFrames) live_.readerPacket(seq, raw.timestamp);
    // Decode straight into the destination batch: the shard is known only after decoding, so decode
    // into worker 0's free slot first when there is one worker, else into a scratch slot (declared
    // before the loop: decodePacket resets it, and zeroing it here for every packet was 3 % of the
    // reader's time).
    DecodedPacket* target = n == 1 ? &open[0]->packets[open[0]->count] : &scratch;
    decodePacket(raw, *target);
    const size_t w = n == 1 ? 0 : shardHash(*target) % n;
    PacketBatch* batch = open[w];
    const uint32_t keep = workersReadIpBytes ? ipBytesToKeep(*target) : 0;
    const uint16_t ipOffset = target->ipOffset;
    const uint32_t frameBytes = (raw.capturedLength + 7) & ~7u;
    const bool keepFrame = keepFrames && frameBytes <= PacketBatch::kArenaBytes;
    const uint32_t room = keepFrame ? frameBytes : keep;
    if (!batch->arenaHasRoom(room)) {  // the arena is full: hand the batch over as it is
      if (n == 1) scratch = *target;
      batch->readerTime = last;
      unflushed[w] = true;
      submit(w, batch, /*urgent=*/false);
      batch = open[w] = workers_[w]->takeFreeBatch();
      if (n == 1) batch->packets[0] = scratch;
    }
    if (n != 1) batch->packets[batch->count] = scratch;
    batch->seq[batch->count] = seq;
    if (keepFrame) {
      batch->keepFrame(batch->count, raw.data, raw.capturedLength, ipOffset, keep);
      batch->framesKept = true;
    } else {
      batch->keepBytes(batch->count, raw.data + ipOffset, keep);
      batch->frameOffset[batch->count] = PacketBatch::kNoFrame;
    }
    ++batch->count;
    batch->prefetchSlotForWrite(batch->count + (n == 1 ? 3 : 1));
    ++seq;
    ++packets;
    bytes += raw.originalLength;
    first = std::min(first, raw.timestamp);
    last = std::max(last, raw.timestamp);
    if (batch->count == PacketBatch::kCapacity) {
      batch->readerTime = last;
      unflushed[w] = true;
      submit(w, batch, /*urgent=*/false);
      open[w] = workers_[w]->takeFreeBatch();
    }
    if ((packets & 0xfff) == 0) {
      publish();
      if (progress && Clock::now() >= nextProgress) {
        progress({packets, source.bytesConsumed(), source.bytesTotal()});
        nextProgress = Clock::now() + std::chrono::milliseconds(100);
      }
    }
  }
  publish();
  live_.readerEnd(seq);  // live captures end with the trace; their mergers drain what is left
  for (size_t i = 0; i < n; ++i) {
    open[i]->last = true;
    open[i]->readerTime = last;
    submit(i, open[i], /*urgent=*/true);
  }
  readerCpuNanos_.store(threadCpuNanos(), std::memory_order_release);
  for (auto& w : workers_) w->join();
  for (auto& w : workers_) w->finish(last);
  if (progress) progress({packets, source.bytesConsumed(), source.bytesTotal()});
  finished_.store(true, std::memory_order_release);
}

const ModuleSet& Engine::finishedModules(MergedHistory history) {
  ModuleSet& first = workers_.front()->finishedShard().modules();
  if (workers_.size() == 1) return first;
  const bool withHistory = history == MergedHistory::kKept;
  if (!shardsMerged_) {
    shardsMerged_ = true;
    historyMerged_ = withHistory;
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    for (size_t i = 1; i < workers_.size(); ++i)
      first.mergeFromParallel(workers_[i]->finishedShard().modules(), threads, withHistory);
  } else if (withHistory && !historyMerged_) {
    throw std::logic_error("Engine::finishedModules: the shards were merged without their histories");
  }
  return first;
}

}  // namespace netmeter
