#include "engine/engine.h"

#include <sched.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <thread>

#include "engine/batch_scheduling.h"

namespace netmeter {

namespace {

// Memory outside the statistics: batches in flight plus a fixed allowance for code, the MAC vendor
// table and allocator slack.
constexpr int64_t kBaseOverheadBytes = int64_t{48} << 20;

}  // namespace

int64_t Engine::statisticsBudgetPerShard(const EngineOptions& o, int64_t queuedBatchBytes) {
  const unsigned threads = std::max(1u, o.threads);
  const int64_t forStats =
      std::max<int64_t>(o.memoryBytes - kBaseOverheadBytes - queuedBatchBytes - o.ipReassemblyBytes, int64_t{4} << 20);
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
  t.packets = published_.packets.load(std::memory_order_relaxed);
  t.bytes = published_.bytes.load(std::memory_order_relaxed);
  t.firstPacket = published_.first.load(std::memory_order_relaxed);
  t.lastPacket = published_.last.load(std::memory_order_relaxed);
  t.reassembly = published_.reassembly.load();
  return t;
}

bool Engine::attachCapture(const std::shared_ptr<LiveCapture>& capture) {
  std::vector<const std::atomic<uint64_t>*> marks;
  for (const auto& w : workers_) marks.push_back(&w->watermark());
  capture->setWatermarks(std::move(marks));
  return live_.attach(capture);
}

bool Engine::sharesReading(const EngineOptions& o) {
  if (o.threads < 2) return false;
  switch (o.reader) {
    case ReaderMode::kDedicated:
      return false;
    case ReaderMode::kShared:
      return true;
    case ReaderMode::kAuto:
      break;
  }
  // A paced replay's reader mostly sleeps: a thread of its own takes no core from the workers.
  if (o.pacePacketsPerSecond != 0) return false;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  const int available = sched_getaffinity(0, sizeof(cpus), &cpus) == 0
                            ? CPU_COUNT(&cpus)
                            : int(std::thread::hardware_concurrency());
  return int(o.threads) >= available;
}

void Engine::run(PacketSource& source, const std::function<void(const EngineProgress&)>& progress) {
  const bool shared = sharesReading(options_);
  // The reader, when it is this thread, until the analysis ends (otherwise it only waits).
  const BatchSchedulingScope batchScheduling;
  PacketReader reader(source, workers_, live_, options_, timeIndex_, stopRequested_, progress, published_,
                      shared);
  for (auto& w : workers_) w->start(shared ? &reader : nullptr);
  if (!shared) reader.readAll();
  for (auto& w : workers_) w->join();
  readerCpuNanos_.store(reader.cpuNanos(), std::memory_order_release);
  for (auto& w : workers_) w->finish(reader.last());
  reader.reportProgress();
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
