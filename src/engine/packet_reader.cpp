#include "engine/packet_reader.h"

#include <algorithm>
#include <thread>

#include "core/copy_small.h"
#include "decode/decoder.h"
#include "engine/live_capture.h"
#include "engine/packet_batch.h"
#include "engine/thread_cpu_time.h"
#include "engine/worker.h"
#include "flow/flow_key.h"
#include "io/input_stall.h"

namespace netmeter {

namespace {

constexpr size_t kNoWorker = SIZE_MAX;  // readLoop's `self` on a dedicated reader thread

// A turn ends when the reading worker's own queue holds kTurnBatches, so that its own free queue
// always has a batch left (taking one of its own never waits for itself).
static_assert(PacketReader::kTurnBatches + 2 <= Worker::kMinBatchesPerWorker);

}  // namespace

void PacketReader::Published::Reassembly::store(const IpReassemblyStats& s) {
  fragments.store(s.fragments, std::memory_order_relaxed);
  datagrams.store(s.datagrams, std::memory_order_relaxed);
  incomplete.store(s.incomplete, std::memory_order_relaxed);
  evicted.store(s.evicted, std::memory_order_relaxed);
  malformed.store(s.malformed, std::memory_order_relaxed);
  notCaptured.store(s.notCaptured, std::memory_order_relaxed);
}

IpReassemblyStats PacketReader::Published::Reassembly::load() const {
  IpReassemblyStats s;
  s.fragments = fragments.load(std::memory_order_relaxed);
  s.datagrams = datagrams.load(std::memory_order_relaxed);
  s.incomplete = incomplete.load(std::memory_order_relaxed);
  s.evicted = evicted.load(std::memory_order_relaxed);
  s.malformed = malformed.load(std::memory_order_relaxed);
  s.notCaptured = notCaptured.load(std::memory_order_relaxed);
  return s;
}

PacketReader::PacketReader(PacketSource& source, const std::vector<std::unique_ptr<Worker>>& workers,
                           LiveCaptureTable& live, const EngineOptions& options, TimeOffsetIndex* timeIndex,
                           const std::atomic<bool>& stopRequested,
                           std::function<void(const EngineProgress&)> progress, Published& published,
                           bool shared)
    : source_(source),
      workers_(workers),
      live_(live),
      options_(options),
      timeIndex_(timeIndex),
      stopRequested_(stopRequested),
      progress_(std::move(progress)),
      stallHandler_([this] { onStall(); }),
      shared_(shared && workers.size() > 1),
      workersReadIpBytes_(options.l7.any()),
      n_(workers.size()),
      published_(published),
      open_(workers.size(), nullptr),
      submitted_(workers.size(), 0),
      unflushed_(workers.size(), false),
      nextProgress_(std::chrono::steady_clock::now()),
      paceStart_(std::chrono::steady_clock::now()) {
  if (options.ipReassemblyBytes > 0)
    reassembler_.emplace(IpReassembler::Limits{options.ipReassemblyBytes, options.ipReassemblyTimeout});
  // With one worker the reader decodes straight into the worker's open batch (see place()).
  if (n_ == 1) open_[0] = workers_[0]->takeFreeBatch();
}

PacketReader::~PacketReader() = default;

void PacketReader::readAll() {
  const io::InputStallScope stallScope(stallHandler_);
  readLoop(kNoWorker);
  cpuNanos_.store(threadCpuNanos(), std::memory_order_release);
}

bool PacketReader::takeTurn(size_t self, int64_t& readingNanos) {
  if (ended() || busy_.load(std::memory_order_relaxed) || busy_.exchange(true, std::memory_order_acquire))
    return false;
  bool read = false;
  if (!ended()) {
    const int64_t start = threadCpuNanos();
    const io::InputStallScope stallScope(stallHandler_);
    turnHolder_ = self;
    processedInTurnNanos_ = 0;
    readLoop(self);
    turnHolder_ = kNoWorker;
    const int64_t spent = threadCpuNanos() - start - processedInTurnNanos_;
    readingNanos += spent;
    cpuNanos_.fetch_add(spent, std::memory_order_relaxed);
    read = true;
  }
  busy_.store(false, std::memory_order_seq_cst);
  // Workers asleep on their empty queues may take the role now (SpscQueue::popOrTimeout's giveUp).
  // The fence pairs with the one a waiter passes between counting itself in and checking the role:
  // either it sees the role free or this sees it waiting.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (waiting_.load(std::memory_order_relaxed) != 0)
    for (size_t w = 0; w < n_; ++w)
      if (w != self) workers_[w]->wake();
  return read;
}

PacketBatch* PacketReader::acquire(size_t w, size_t self) {
  Worker& worker = *workers_[w];
  if (self == kNoWorker || w == self) return worker.takeFreeBatch();  // own queue: see kTurnBatches
  if (PacketBatch* batch = worker.tryTakeFreeBatch()) return batch;
  // Worker `w` is behind: better process our own queue than wait for it. With nothing of our own
  // to do, wait as a dedicated reader would (`w` is busy with a full queue and frees batches soon).
  if (workers_[self]->queuedBatches() != 0) return nullptr;
  return worker.takeFreeBatch();
}

PacketReader::Turn PacketReader::submit(size_t w, PacketBatch* batch, bool urgent, size_t self) {
  batch->readerSeq = seq_;
  ++submitted_[w];
  // A worker waiting for its queue in shared mode has nothing else to do: wake it at once.
  workers_[w]->submit(batch, urgent || shared_);
  if (self == kNoWorker) return Turn::kGoOn;
  if (workers_[self]->queuedBatches() >= kTurnBatches) return Turn::kOwnQueueFull;
  return Turn::kGoOn;
}

bool PacketReader::handOver(size_t w, size_t self, PacketBatch*& batch, Turn& turn) {
  // One worker: the packet was decoded into the batch's next slot; it moves to the next batch.
  if (n_ == 1) copySmall(scratch_, batch->packets[batch->count]);
  batch->readerTime = last_;
  unflushed_[w] = true;
  open_[w] = nullptr;
  turn = submit(w, batch, /*urgent=*/false, self);
  batch = open_[w] = acquire(w, self);
  if (batch == nullptr) return false;
  if (n_ == 1) copySmall(batch->packets[0], scratch_);
  return true;
}

PacketReader::Turn PacketReader::place(size_t w, size_t self) {
  const DecodedPacket& decoded = n_ == 1 ? open_[0]->packets[open_[0]->count] : scratch_;
  pending_ = false;
  PacketBatch* batch = open_[w];
  if (batch == nullptr) {
    batch = open_[w] = acquire(w, self);
    if (batch == nullptr) return waitForWorker(w);
  }
  const uint32_t keep = workersReadIpBytes_ ? ipBytesToKeep(decoded) : 0;
  const uint16_t ipOffset = decoded.ipOffset;
  const uint32_t frameBytes = (raw_.capturedLength + 7) & ~7u;
  // A reassembled datagram's IP bytes are the reassembler's, copied into the arena (after the
  // fragment's own frame while live captures run).
  const bool reassembled = !reassembled_.empty();
  const bool keepFrame = live_.anyActive() && frameBytes + (reassembled ? keep : 0) <= PacketBatch::kArenaBytes;
  const uint8_t* const frame = reassembled ? reassembled_.data() : raw_.data;
  // The IP bytes stay where the input read them when the batch can hold their chunk (no copy), else
  // they are copied into the batch's arena (as whole frames while live captures run). A batch that
  // is full (packets, arena or held chunks) is handed over as it is.
  io::BufferChunk* const chunk = !keepFrame && keep != 0 && !reassembled ? raw_.chunk : nullptr;
  bool refer = chunk != nullptr;
  const uint32_t arenaBytes = keepFrame ? frameBytes + (reassembled ? keep : 0) : keep;
  Turn turn = Turn::kGoOn;
  if (refer ? !batch->canHold(chunk) : !batch->arenaHasRoom(arenaBytes)) {
    if (!handOver(w, self, batch, turn)) return waitForWorker(w);
  }
  if (refer && !batch->hold(chunk)) {  // the input's holding budget is used up: copy
    refer = false;
    if (!batch->arenaHasRoom(keep) && !handOver(w, self, batch, turn)) return waitForWorker(w);
  }
  const uint32_t index = batch->count;
  if (n_ != 1) copySmall(batch->packets[index], scratch_);
  batch->seq[index] = seq_;
  if (keepFrame) {
    batch->keepFrame(index, raw_.data, raw_.capturedLength, ipOffset, reassembled ? 0 : keep);
    if (reassembled) batch->keepBytes(index, frame + ipOffset, keep);
    batch->framesKept = true;
  } else {
    if (refer)
      batch->referBytes(index, raw_.data + ipOffset, keep);
    else
      batch->keepBytes(index, frame + ipOffset, keep);
    batch->frameOffset[index] = PacketBatch::kNoFrame;
  }
  reassembled_ = {};
  ++batch->count;
  batch->prefetchSlotForWrite(batch->count + (n_ == 1 ? 3 : 1));
  ++seq_;
  ++packets_;
  bytes_ += raw_.originalLength;
  first_ = std::min(first_, raw_.timestamp);
  last_ = std::max(last_, raw_.timestamp);
  if (batch->count == PacketBatch::kCapacity) {
    batch->readerTime = last_;
    unflushed_[w] = true;
    open_[w] = nullptr;
    if (const Turn t = submit(w, batch, /*urgent=*/false, self); t != Turn::kGoOn) turn = t;
    // One worker: the next packet is decoded straight into the open batch, which must exist.
    if (n_ == 1) open_[0] = workers_[0]->takeFreeBatch();
  }
  if ((packets_ & 0xfff) == 0) reportProgress(false);
  return turn;
}

PacketReader::Turn PacketReader::waitForWorker(size_t w) {
  pending_ = true;
  pendingWorker_ = w;
  return Turn::kWorkerBusy;
}

void PacketReader::readLoop(size_t self) {
  using Clock = std::chrono::steady_clock;
  // The packet the last turn could not place.
  if (pending_ && place(pendingWorker_, self) != Turn::kGoOn) return;
  while (!stopRequested_.load(std::memory_order_relaxed) && source_.next(raw_) == ReadStatus::kPacket) {
    if (timeIndex_ != nullptr) timeIndex_->add(raw_, &source_);
    if (options_.pacePacketsPerSecond != 0) {
      // Paced replay behaves like a live interface: what was read is handed over before waiting.
      const double dueSeconds = double(seq_) / double(options_.pacePacketsPerSecond);
      const auto due =
          paceStart_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(dueSeconds));
      if (Clock::now() < due) {
        onStall();
        std::this_thread::sleep_until(due);
      }
    }
    if (live_.pending() || ((seq_ & 0x3ff) == 0 && live_.needsUpkeep())) {
      maintainCaptures();
      if (live_.anyActive() && (seq_ & 0x3ff) == 0) handOverOpenBatches(false);
    }
    if (live_.anyActive()) live_.readerPacket(seq_, raw_.timestamp);
    // Decode straight into the destination batch: the shard is known only after decoding, so decode
    // into worker 0's free slot first when there is one worker, else into a scratch slot (a member:
    // decodePacket resets it, and zeroing it for every packet was 3 % of the reader's time).
    DecodedPacket* const target = n_ == 1 ? &open_[0]->packets[open_[0]->count] : &scratch_;
    decodePacket(raw_, *target);
    if (target->isFragment && reassembler_) {
      reassembled_ = reassembler_->add(raw_.data, *target);
      if (!reassembled_.empty()) decodeReassembled(reassembled_.data(), uint32_t(reassembled_.size()), *target);
    }
    const size_t w = n_ == 1 ? 0 : shardHash(*target) % n_;
    if (place(w, self) != Turn::kGoOn) return;
  }
  endInput();
}

// Hands the workers their open batches. With live captures running every worker gets one, even
// empty, so that each worker's watermark reaches the last packet read and the captures' mergers are
// never held back by a worker with little traffic. On a pause of the input (`stall`), a worker that
// was handed packets since its last flush gets a batch, even empty, that tells it to flush its
// pending traffic (PacketBatch::flushAfter).
void PacketReader::handOverOpenBatches(bool stall) {
  const bool everyWorker = live_.anyActive();
  for (size_t i = 0; i < n_; ++i) {
    const bool empty = open_[i] == nullptr || open_[i]->count == 0;
    if (empty && !everyWorker && !(stall && unflushed_[i])) continue;
    if (open_[i] == nullptr) open_[i] = workers_[i]->takeFreeBatch();
    PacketBatch* batch = open_[i];
    batch->readerTime = last_;
    batch->flushAfter = stall;
    unflushed_[i] = !stall;
    open_[i] = nullptr;
    submit(i, batch, /*urgent=*/true, kNoWorker);
    if (n_ == 1) open_[0] = workers_[0]->takeFreeBatch();
  }
}

void PacketReader::endInput() {
  if (reassembler_) reassembler_->finish();
  publish();
  live_.readerEnd(seq_);  // live captures end with the trace; their mergers drain what is left
  for (size_t i = 0; i < n_; ++i) {
    PacketBatch* batch = open_[i] != nullptr ? open_[i] : workers_[i]->takeFreeBatch();
    open_[i] = nullptr;
    batch->last = true;
    batch->readerTime = last_;
    submit(i, batch, /*urgent=*/true, kNoWorker);
  }
  ended_.store(true, std::memory_order_release);
}

void PacketReader::maintainCaptures() {
  live_.readerMaintain(seq_, submitted_, [&](size_t w) { return workers_[w]->batchesDone(); });
}

void PacketReader::publish() {
  published_.packets.store(packets_, std::memory_order_relaxed);
  published_.bytes.store(bytes_, std::memory_order_relaxed);
  published_.first.store(first_, std::memory_order_relaxed);
  published_.last.store(last_, std::memory_order_relaxed);
  if (reassembler_) published_.reassembly.store(reassembler_->stats());
}

// The source is about to wait for input (io/input_stall.h): hand what was read over now. A worker
// holding the reader role (shared mode) then processes its own queue, the pause's flushing batch
// among them, before it waits: nobody else would until the input resumes.
void PacketReader::onStall() {
  if (live_.pending() || live_.needsUpkeep()) maintainCaptures();
  handOverOpenBatches(true);
  reportProgress(true);
  if (turnHolder_ != kNoWorker) {
    const int64_t start = threadCpuNanos();
    workers_[turnHolder_]->processQueued();
    processedInTurnNanos_ += threadCpuNanos() - start;
  }
}

void PacketReader::reportProgress(bool force) {
  publish();
  if (!progress_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now < nextProgress_) return;
  progress_({packets_, source_.bytesConsumed(), source_.bytesTotal()});
  nextProgress_ = now + std::chrono::milliseconds(100);
}

}  // namespace netmeter
