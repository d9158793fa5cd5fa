#include "engine/live_capture.h"

#include <algorithm>

#include "modules/dpi/dpi_filter_context.h"

namespace netmeter {

LiveCapture::LiveCapture(LiveCaptureSpec spec, size_t workers) : spec_(std::move(spec)) {
  workers_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) {
    auto w = std::make_unique<PerWorker>(spec_.ringBytesPerWorker);
    w->filter = spec_.filter;  // copies share the compiled program, each has its own scratch
    w->snapRules = spec_.snapRules;
    workers_.push_back(std::move(w));
  }
}

void LiveCapture::onWorkerPacket(size_t worker, uint64_t seq, const DecodedPacket& p, const uint8_t* frame,
                                 const FlowUpdate& flow) {
  if (seq < startSeq_.load(std::memory_order_relaxed) || seq >= endSeq_.load(std::memory_order_acquire)) return;
  PerWorker& w = *workers_[worker];
  const bool needsContext = (w.filter.has_value()) || !w.snapRules.empty();
  if (needsContext) {
    using Side = filter::PacketContext::ServerSide;
    if (flow.connection != nullptr) {
      w.context.serverSide = flow.direction == kClientToServer ? Side::kDestination : Side::kSource;
      fillL7Context(*flow.connection, w.context);
    } else {
      w.context.serverSide = Side::kUnknown;
      w.context.l7 = filter::L7State::kNotClassified;
      w.context.l7Protocol = w.context.l7MasterProtocol = filter::kL7Unknown;
    }
  }
  const filter::PacketView view{p, frame, &w.context};
  if (w.filter.has_value()) {
    switch (w.filter->match(view)) {
      case filter::Match::kNo:
        w.ignored.fetch_add(1, std::memory_order_relaxed);
        return;
      case filter::Match::kUndecided:
        w.skipped.fetch_add(1, std::memory_order_relaxed);
        return;
      case filter::Match::kYes:
        break;
    }
  }
  uint32_t snap = spec_.snapLength;
  if (!w.snapRules.empty()) {
    if (const std::optional<uint32_t> ruled = w.snapRules.select(view)) snap = *ruled;
  }
  CapturedPacketHeader h;
  h.seq = seq;
  h.timestamp = p.timestamp;
  h.originalLength = p.wireLength;
  h.capturedLength = snap != 0 ? std::min(snap, p.capturedLength) : p.capturedLength;
  h.interfaceId = p.interfaceId;
  if (!w.ring.push(h, frame)) w.dropped.fetch_add(1, std::memory_order_relaxed);
}

LiveCapture::Next LiveCapture::next(CapturedPacketHeader& header, const uint8_t*& data) {
  // Release the record handed out last time.
  for (auto& w : workers_) {
    if (w->popPending) {
      w->ring.pop();
      w->popPending = false;
    }
  }
  const uint64_t end = endSeq_.load(std::memory_order_acquire);
  // Watermarks first, rings second: a ring found empty after its worker's watermark W has no packet
  // below W still to come.
  uint64_t bound = UINT64_MAX;
  for (size_t i = 0; i < workers_.size(); ++i) {
    const uint64_t mark = watermarks_.empty() ? 0 : watermarks_[i]->load(std::memory_order_acquire);
    const uint8_t* d = nullptr;
    if (workers_[i]->ring.front(&d) == nullptr) bound = std::min(bound, mark);
  }
  size_t best = workers_.size();
  uint64_t bestSeq = UINT64_MAX;
  const uint8_t* bestData = nullptr;
  for (size_t i = 0; i < workers_.size(); ++i) {
    const uint8_t* d = nullptr;
    const CapturedPacketHeader* h = workers_[i]->ring.front(&d);
    if (h != nullptr && h->seq < bestSeq) {
      best = i;
      bestSeq = h->seq;
      bestData = d;
    }
  }
  if (best < workers_.size() && bestSeq < bound) {
    const uint8_t* d = nullptr;
    header = *workers_[best]->ring.front(&d);
    data = bestData;
    workers_[best]->popPending = true;
    return Next::kPacket;
  }
  // Nothing emittable: over when the window has ended and every worker has processed past its end.
  if (end != kOpen && best == workers_.size() && bound >= end) return Next::kEnd;
  return Next::kWait;
}

uint64_t LiveCapture::dropped() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->dropped.load(std::memory_order_relaxed);
  return n;
}
uint64_t LiveCapture::ignored() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->ignored.load(std::memory_order_relaxed);
  return n;
}
uint64_t LiveCapture::skipped() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->skipped.load(std::memory_order_relaxed);
  return n;
}

bool LiveCaptureTable::attach(std::shared_ptr<LiveCapture> capture) {
  std::lock_guard lock(mutex_);
  if (closed_) {
    capture->endAt(0);
    return true;
  }
  if (attached_ >= kSlots) return false;
  ++attached_;
  incoming_.push_back(std::move(capture));
  pending_.store(true, std::memory_order_relaxed);
  return true;
}

void LiveCaptureTable::readerPacket(uint64_t seq, PacketTime t) {
  for (auto& owner : owners_)
    if (owner != nullptr) owner->onReaderPacket(seq, t);
}

void LiveCaptureTable::readerEnd(uint64_t seq) {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (auto& owner : owners_)
    if (owner != nullptr) owner->endAt(seq);
  for (auto& c : incoming_) c->endAt(seq);
  // Workers are joined after this; the slots and owners stay until the engine is destroyed.
}

}  // namespace netmeter
