#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "core/packet_time.h"

namespace netmeter {

// One captured packet as a live capture's ring holds it.
struct CapturedPacketHeader {
  uint64_t seq = 0;  // the reader's packet number (trace order, independent of the thread count)
  PacketTime timestamp = 0;
  uint32_t originalLength = 0;  // on the wire
  uint32_t capturedLength = 0;  // bytes that follow (already cut to the capture's snap length)
  uint16_t interfaceId = 0;
  uint16_t reserved[3] = {};
};
static_assert(sizeof(CapturedPacketHeader) == 32);

// A bounded single-producer single-consumer ring of captured packets (header + bytes), allocated once.
// The producer (one analysis worker) never waits and never allocates: when a packet does not fit it
// is refused and the caller counts a drop. The consumer (the capture's merger) reads the oldest
// record in place and releases it. Records are 8-byte aligned and never wrap: a record that does not
// fit before the end of the buffer starts at its beginning (the rest is skipped by a marker).
class CaptureRing {
 public:
  // `capacity` bytes, rounded up to a power of two (at least 4 KiB).
  explicit CaptureRing(size_t capacity) {
    size_t c = 4096;
    while (c < capacity) c <<= 1;
    capacity_ = c;
    buffer_ = std::make_unique<uint8_t[]>(c);
  }
  CaptureRing(const CaptureRing&) = delete;
  CaptureRing& operator=(const CaptureRing&) = delete;

  size_t capacity() const { return capacity_; }

  // Producer: false (nothing written) when the record does not fit now, or never could.
  bool push(const CapturedPacketHeader& header, const uint8_t* data) {
    const uint64_t need = recordBytes(header.capturedLength);
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    const uint64_t head = head_.load(std::memory_order_acquire);
    uint64_t at = tail;
    const uint64_t offset = at & (capacity_ - 1);
    uint64_t skip = 0;
    if (offset + need > capacity_) skip = capacity_ - offset;  // wrap: start again at offset 0
    if (need + skip > capacity_ - (tail - head)) return false;
    if (skip != 0) {
      if (skip >= sizeof(uint64_t)) writeMarker(offset);
      at += skip;
    }
    uint8_t* p = buffer_.get() + (at & (capacity_ - 1));
    std::memcpy(p, &header, sizeof header);
    if (header.capturedLength != 0) std::memcpy(p + sizeof header, data, header.capturedLength);
    tail_.store(at + need, std::memory_order_release);
    return true;
  }

  // Consumer: the oldest record, or null when the ring is empty. Valid until pop().
  const CapturedPacketHeader* front(const uint8_t** data) {
    uint64_t head = head_.load(std::memory_order_relaxed);
    const uint64_t tail = tail_.load(std::memory_order_acquire);
    if (head == tail) return nullptr;
    const uint64_t offset = head & (capacity_ - 1);
    // A record never wraps; when the bytes to the end cannot hold a header (or hold the marker), the
    // producer continued at offset 0.
    if (capacity_ - offset < sizeof(CapturedPacketHeader) || isMarker(offset)) {
      head += capacity_ - offset;
      head_.store(head, std::memory_order_release);
      if (head == tail) return nullptr;
    }
    const uint8_t* p = buffer_.get() + (head & (capacity_ - 1));
    *data = p + sizeof(CapturedPacketHeader);
    return reinterpret_cast<const CapturedPacketHeader*>(p);
  }
  // Consumer: releases the record front() returned.
  void pop() {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    const auto* h = reinterpret_cast<const CapturedPacketHeader*>(buffer_.get() + (head & (capacity_ - 1)));
    head_.store(head + recordBytes(h->capturedLength), std::memory_order_release);
  }
  bool empty() const {
    return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
  }

 private:
  static constexpr uint64_t kMarker = 0xffffffffffffffffULL;  // no real record has this sequence number
  static uint64_t recordBytes(uint32_t captured) {
    return (sizeof(CapturedPacketHeader) + captured + 7) & ~uint64_t{7};
  }
  void writeMarker(uint64_t offset) { std::memcpy(buffer_.get() + offset, &kMarker, sizeof kMarker); }
  bool isMarker(uint64_t offset) const {
    uint64_t v;
    std::memcpy(&v, buffer_.get() + offset, sizeof v);
    return v == kMarker;
  }

  size_t capacity_ = 0;
  std::unique_ptr<uint8_t[]> buffer_;
  alignas(64) std::atomic<uint64_t> tail_{0};  // written by the producer
  alignas(64) std::atomic<uint64_t> head_{0};  // written by the consumer
};

}  // namespace netmeter
