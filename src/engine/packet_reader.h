#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "decode/decoded_packet.h"
#include "decode/ip_reassembler.h"
#include "engine/engine_options.h"
#include "io/packet_source.h"
#include "io/raw_packet.h"
#include "io/time_offset_index.h"

namespace netmeter {

class LiveCaptureTable;
class Worker;
struct PacketBatch;

struct EngineProgress {
  uint64_t packets = 0;
  uint64_t bytesConsumed = 0;  // of the input files
  uint64_t bytesTotal = 0;
};

// The reader role: reads packets from the source, decodes them, and hands them in batches to the
// worker that owns their IP pair (symmetric hash), in trace order. One thread at a time holds the
// role, either
// - a dedicated reader thread (readAll(): the caller of Engine::run), or
// - the workers themselves in turn (takeTurn(): ReaderMode::kShared): a worker whose queue runs empty
//   reads until its own queue holds kTurnBatches batches, while the others go on processing. With
//   as many workers as cores, three threads (a reader and two workers) on two cores left each core
//   idle ~13 % of the analysis (a worker asleep on an empty queue while the reader, descheduled or
//   waiting for the other worker's full queue, fed nobody); two threads that read when they run out
//   of work keep both cores busy.
// Either way the same packets reach the same worker in the same batches (a batch is handed over when
// its packets, its arena or its held input chunks are full, whoever reads; only where the input's
// holding budget runs out can the boundaries shift, which results do not depend on either, as they
// do not on the thread count), so results do not depend on the mode.
class PacketReader {
 public:
  // What has been read so far, for other threads (Engine::totals).
  struct Published {
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<PacketTime> first{INT64_MAX};
    std::atomic<PacketTime> last{INT64_MIN};
    // IpReassemblyStats, field by field (each read on its own: a total may lag another by a packet).
    struct Reassembly {
      std::atomic<uint64_t> fragments{0}, datagrams{0}, incomplete{0}, evicted{0}, malformed{0}, notCaptured{0};
      void store(const IpReassemblyStats& s);
      IpReassemblyStats load() const;
    } reassembly;
  };

  // Batches a worker reads for itself in one turn, at most (shared mode): enough that turns are
  // rare (each costs a few cache-cold switches between reading and processing), few enough that the
  // other workers are fed while this one reads.
  static constexpr size_t kTurnBatches = 8;

  PacketReader(PacketSource& source, const std::vector<std::unique_ptr<Worker>>& workers,
               LiveCaptureTable& live, const EngineOptions& options, TimeOffsetIndex* timeIndex,
               const std::atomic<bool>& stopRequested, std::function<void(const EngineProgress&)> progress,
               Published& published, bool shared);
  ~PacketReader();
  PacketReader(const PacketReader&) = delete;
  PacketReader& operator=(const PacketReader&) = delete;

  // Dedicated mode, on the reader thread: reads the whole source (waiting for free batches).
  void readAll();
  // Shared mode, on worker `self`'s thread when its queue is empty: takes the reader role unless
  // another worker holds it or the input has ended, and reads until `self`'s queue holds
  // kTurnBatches batches, or the next packet belongs to a worker with no free batch while `self` has
  // work, or the input ends. False when it did not read (the caller then waits for its queue); true
  // after a turn, whose CPU time it adds to `readingNanos`.
  bool takeTurn(size_t self, int64_t& readingNanos);
  // Shared mode: whether a worker that finds its queue empty could take the role now.
  bool turnAvailable() const {
    return !busy_.load(std::memory_order_relaxed) && !ended_.load(std::memory_order_relaxed);
  }
  // Shared mode: a worker starts (+1) or stops (-1) waiting for its empty queue; the worker reading
  // wakes the waiting ones when its turn ends.
  void waiting(int change) { waiting_.fetch_add(uint32_t(change), std::memory_order_relaxed); }

  // After the last packet: the latest packet time read.
  PacketTime last() const { return last_; }
  // CPU time spent in the reader role (shared mode: summed over the workers' turns).
  int64_t cpuNanos() const { return cpuNanos_.load(std::memory_order_acquire); }
  // Calls the progress callback now (the engine's last call, once the workers are done).
  void reportProgress() { reportProgress(true); }

 private:
  enum class Turn : uint8_t { kGoOn, kOwnQueueFull, kWorkerBusy };
  bool ended() const { return ended_.load(std::memory_order_acquire); }
  // Reads until the input ends (or, in shared mode, until the turn of `self` ends).
  void readLoop(size_t self);
  // Puts the decoded packet (scratch_, or worker 0's open slot with one worker) of `raw_` into worker
  // `w`'s batch; kWorkerBusy (shared mode) when it could not: the packet is then pending (pending_).
  Turn place(size_t w, size_t self);
  // A free batch of worker `w` for the open slot; null (shared mode) when `w` has none and the
  // reading worker `self` has work of its own to do instead.
  PacketBatch* acquire(size_t w, size_t self);
  // Submits worker `w`'s open `batch` (full) and takes the next one into `batch`: false when `w` has
  // none free and `self` had better process its own queue (the packet then waits, waitForWorker).
  bool handOver(size_t w, size_t self, PacketBatch*& batch, Turn& turn);
  // Keeps the decoded packet for worker `w` pending (the next turn places it first): kWorkerBusy.
  Turn waitForWorker(size_t w);
  Turn submit(size_t w, PacketBatch* batch, bool urgent, size_t self);
  void handOverOpenBatches(bool stall);
  // Hands every worker its last batch.
  void endInput();
  void maintainCaptures();
  void publish();
  void onStall();
  void reportProgress(bool force);

  PacketSource& source_;
  const std::vector<std::unique_ptr<Worker>>& workers_;
  LiveCaptureTable& live_;
  const EngineOptions& options_;
  TimeOffsetIndex* const timeIndex_;
  const std::atomic<bool>& stopRequested_;
  const std::function<void(const EngineProgress&)> progress_;
  const std::function<void()> stallHandler_;
  const bool shared_;
  const bool workersReadIpBytes_;  // only the L7 analysis reads a packet's IP bytes in the workers
  const size_t n_;
  Published& published_;

  // Reader state, owned by whoever holds the role.
  std::vector<PacketBatch*> open_;  // null: none taken yet (shared mode takes them when needed)
  std::vector<uint64_t> submitted_;
  // A worker handed packets since its last flush (gets a flushing batch on a pause of the input).
  std::vector<bool> unflushed_;
  RawPacket raw_;
  DecodedPacket scratch_;
  std::optional<IpReassembler> reassembler_;  // EngineOptions::ipReassemblyBytes != 0
  // raw_ completed a datagram: the frame IpReassembler::add returned (its IP bytes go to the worker).
  std::span<const uint8_t> reassembled_;
  bool pending_ = false;              // raw_ is decoded but not placed yet (its worker had no free batch)
  size_t turnHolder_ = SIZE_MAX;      // shared mode: the worker reading now (SIZE_MAX: none)
  int64_t processedInTurnNanos_ = 0;  // CPU time the turn's holder spent on its own batches (onStall)
  size_t pendingWorker_ = 0;
  uint64_t seq_ = 0;
  uint64_t packets_ = 0, bytes_ = 0;
  PacketTime first_ = INT64_MAX, last_ = INT64_MIN;
  std::chrono::steady_clock::time_point nextProgress_;
  std::chrono::steady_clock::time_point paceStart_;

  alignas(64) std::atomic<bool> busy_{false};  // a worker holds the role (shared mode)
  std::atomic<bool> ended_{false};
  std::atomic<uint32_t> waiting_{0};  // workers waiting for their empty queues (shared mode)
  std::atomic<int64_t> cpuNanos_{0};
};

}  // namespace netmeter
