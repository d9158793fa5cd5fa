#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "decode/decoded_packet.h"
#include "engine/capture_ring.h"
#include "filter/filter.h"
#include "filter/snap_rules.h"
#include "flow/flow_table.h"

namespace netmeter {

// What a live capture asks of the engine (the HTTP layer fills it).
struct LiveCaptureSpec {
  std::optional<filter::Filter> filter;  // none: every packet
  filter::SnapRules snapRules;           // per-packet snap length (capture profile), may be empty
  uint32_t snapLength = 0;               // 0: whole packets
  PacketTime start = INT64_MIN;          // first packet at or after it starts the capture
  PacketTime end = INT64_MAX;            // first packet at or after it stops it
  PacketTime maxDuration = 0;            // packet time from the first packet; 0: none
  size_t ringBytesPerWorker = size_t{4} << 20;
};

// A capture on the packets the engine analyzes ("live"). Life cycle and ownership:
// - the HTTP thread builds it (one filter copy and one CaptureRing per worker) and hands it to
//   Engine::attachCapture(); the reader thread picks it up at its next packet;
// - the reader decides the capture window in trace order (startSeq, endSeq: packet numbers), so that
//   the window does not depend on how packets are spread over workers;
// - each worker matches its own packets with its own filter copy and its own connection state (L7
//   classification, server side) and copies matching packets into its own ring — nothing is shared
//   between workers, nothing is allocated per packet; a full ring counts a drop;
// - the consumer (one thread, the capture's merger) takes packets from all rings in packet-number
//   order with next(): a ring's head is emitted only when every other worker has either something
//   older in its ring or has processed past it (Worker's processed watermark).
// - stop() (or the window/limits, or the end of the trace) ends it; finished() says when the merger
//   has seen the last packet.
class LiveCapture {
 public:
  LiveCapture(LiveCaptureSpec spec, size_t workers);

  // --- consumer side ---
  enum class Next : uint8_t { kPacket, kWait, kEnd };
  // The next packet in trace order (valid until the next call), kWait when the next one is not
  // known yet, kEnd when the capture is over and every ring is drained.
  Next next(CapturedPacketHeader& header, const uint8_t*& data);
  void stop() { stopRequested_.store(true, std::memory_order_relaxed); }
  bool stopRequested() const { return stopRequested_.load(std::memory_order_relaxed); }
  // Counters summed over workers (ignored: in the window, not matching; skipped: L7 undecided).
  uint64_t dropped() const;
  uint64_t ignored() const;
  uint64_t skipped() const;
  // True once the reader has ended the window (or the trace ended).
  bool windowEnded() const { return endSeq_.load(std::memory_order_acquire) != kOpen; }
  // True once the window has ended and every worker has processed every packet before its end: the
  // workers need the capture no more.
  bool workersDone() const {
    const uint64_t end = endSeq_.load(std::memory_order_acquire);
    if (end == kOpen) return false;
    for (const auto* mark : watermarks_)
      if (mark->load(std::memory_order_acquire) < end) return false;
    return true;
  }

  // --- reader side (Engine::run) ---
  // Sees every packet in trace order; seq is the packet's number.
  void onReaderPacket(uint64_t seq, PacketTime t) {
    if (endSeq_.load(std::memory_order_relaxed) != kOpen) return;
    if (!started_) {
      if (t < spec_.start) return;
      started_ = true;
      startedAt_ = t;
      startSeq_.store(seq, std::memory_order_relaxed);
    }
    if (t >= spec_.end || (spec_.maxDuration > 0 && t - startedAt_ >= spec_.maxDuration) ||
        stopRequested_.load(std::memory_order_relaxed))
      endAt(seq);
  }
  // Ends the window before packet `seq` (the trace ended, or it is detached).
  void endAt(uint64_t seq) {
    if (endSeq_.load(std::memory_order_relaxed) != kOpen) return;
    if (!started_) startSeq_.store(seq, std::memory_order_relaxed);
    endSeq_.store(seq, std::memory_order_release);
  }

  // --- worker side ---
  void onWorkerPacket(size_t worker, uint64_t seq, const DecodedPacket& p, const uint8_t* frame,
                      const FlowUpdate& flow);

  // The watermarks of the engine's workers (set by attachCapture).
  void setWatermarks(std::vector<const std::atomic<uint64_t>*> watermarks) {
    watermarks_ = std::move(watermarks);
  }

 private:
  static constexpr uint64_t kOpen = UINT64_MAX;
  struct alignas(64) PerWorker {
    explicit PerWorker(size_t ringBytes) : ring(ringBytes) {}
    std::optional<filter::Filter> filter;
    filter::SnapRules snapRules;
    filter::PacketContext context;
    CaptureRing ring;
    std::atomic<uint64_t> dropped{0}, ignored{0}, skipped{0};
    bool popPending = false;  // consumer: the last record handed out is still in the ring
  };

  LiveCaptureSpec spec_;
  std::vector<std::unique_ptr<PerWorker>> workers_;
  std::vector<const std::atomic<uint64_t>*> watermarks_;
  // Reader side.
  bool started_ = false;
  PacketTime startedAt_ = 0;
  std::atomic<uint64_t> startSeq_{kOpen};
  std::atomic<uint64_t> endSeq_{kOpen};
  std::atomic<bool> stopRequested_{false};
};

// The engine's table of live captures: fixed slots the reader and the workers read without locks.
// Only the reader writes the slots; captures are handed over through a mutex-guarded list that the
// reader checks when `pending_` is set. A removed capture's memory is kept (shared_ptr) until every
// worker has finished the batches that may still point to it.
class LiveCaptureTable {
 public:
  static constexpr size_t kSlots = 8;

  // Any thread. False when all slots are taken (or the engine ended, then the capture is ended at once).
  bool attach(std::shared_ptr<LiveCapture> capture);

  // Reader thread.
  bool anyActive() const { return active_ != 0; }
  bool needsUpkeep() const { return active_ != 0 || !retired_.empty(); }
  void readerPacket(uint64_t seq, PacketTime t);
  // Picks up new captures, removes ended ones, frees retired ones; `submitted[w]` = batches handed to
  // worker w so far, `done(w)` those it has finished.
  template <typename DoneFn>
  void readerMaintain(uint64_t seq, const std::vector<uint64_t>& submitted, DoneFn done);
  // The trace ended before packet `seq`: every capture ends; no new ones are accepted.
  void readerEnd(uint64_t seq);

  // Worker thread: the slots as they are now (load once per batch).
  void snapshot(std::array<LiveCapture*, kSlots>& out, size_t& n) const {
    n = 0;
    for (const auto& s : slots_) {
      LiveCapture* c = s.load(std::memory_order_acquire);
      if (c != nullptr) out[n++] = c;
    }
  }
  bool pending() const { return pending_.load(std::memory_order_relaxed); }

 private:
  struct Retired {
    std::shared_ptr<LiveCapture> capture;
    std::vector<uint64_t> submittedAt;
  };
  std::array<std::atomic<LiveCapture*>, kSlots> slots_{};
  std::array<std::shared_ptr<LiveCapture>, kSlots> owners_;  // reader thread only
  size_t active_ = 0;                                        // reader thread only
  std::vector<Retired> retired_;                             // reader thread only
  std::atomic<bool> pending_{false};
  std::mutex mutex_;
  std::vector<std::shared_ptr<LiveCapture>> incoming_;  // guarded by mutex_
  bool closed_ = false;                                 // guarded by mutex_
  size_t attached_ = 0;                                 // guarded by mutex_: slots in use or promised
};

template <typename DoneFn>
void LiveCaptureTable::readerMaintain(uint64_t seq, const std::vector<uint64_t>& submitted, DoneFn done) {
  if (pending_.load(std::memory_order_relaxed)) {
    std::lock_guard lock(mutex_);
    for (auto& c : incoming_) {
      for (size_t i = 0; i < kSlots; ++i) {
        if (owners_[i] == nullptr) {
          owners_[i] = std::move(c);
          slots_[i].store(owners_[i].get(), std::memory_order_release);
          ++active_;
          break;
        }
      }
    }
    incoming_.clear();
    pending_.store(false, std::memory_order_relaxed);
  }
  for (size_t i = 0; i < kSlots; ++i) {
    if (owners_[i] != nullptr && owners_[i]->workersDone()) {
      slots_[i].store(nullptr, std::memory_order_release);
      retired_.push_back({std::move(owners_[i]), submitted});
      owners_[i] = nullptr;
      --active_;
    }
  }
  (void)seq;
  for (size_t r = 0; r < retired_.size();) {
    bool safe = true;
    for (size_t w = 0; w < submitted.size(); ++w)
      if (done(w) < retired_[r].submittedAt[w]) safe = false;
    if (safe) {
      retired_.erase(retired_.begin() + long(r));
      std::lock_guard lock(mutex_);
      --attached_;
    } else {
      ++r;
    }
  }
}

}  // namespace netmeter
