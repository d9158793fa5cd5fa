#pragma once

#include <array>
#include <cstdint>

#include "decode/decoded_packet.h"
#include "decode/ip_bytes.h"

namespace netmeter {

// Decoded packets handed from the reader to one worker in one queue operation, with a copy of each
// packet's IP bytes (for L7 analysis) in an arena. A batch is handed over when its packets or its
// arena are full. A batch with `last` set tells the worker the trace has ended.
struct PacketBatch {
  static constexpr size_t kCapacity = 256;
  static constexpr uint32_t kArenaBytes = 256 * 1024;  // >= IpBytes::kMaxIpBytes
  static constexpr uint32_t kNoFrame = UINT32_MAX;     // frameOffset of a packet whose frame was not kept
  uint32_t count = 0;
  bool last = false;
  // Handed over because the input paused: the worker then flushes its shard's pending traffic
  // (Shard::flushPending), so that statistics do not lag behind a pause in the input.
  bool flushAfter = false;
  PacketTime readerTime = 0;  // latest packet time the reader has seen (drives idle expiry)
  // Packets read so far when the batch was handed over: the worker has then seen every packet of its
  // own numbered below this (the live captures' merge watermark).
  uint64_t readerSeq = 0;
  uint32_t arenaUsed = 0;
  std::array<DecodedPacket, kCapacity> packets;
  std::array<uint32_t, kCapacity> bytesOffset;
  std::array<uint32_t, kCapacity> bytesLength;
  // Live captures: the packet's number in trace order, and where its whole frame starts in the arena
  // (kept only while a live capture runs; frameKept false otherwise).
  std::array<uint64_t, kCapacity> seq;
  std::array<uint32_t, kCapacity> frameOffset;
  bool framesKept = false;
  std::array<uint8_t, kArenaBytes> arena;

  bool arenaHasRoom(uint32_t n) const { return arenaUsed + n <= kArenaBytes; }
  // Stores the IP bytes of packet `index` (the caller checked arenaHasRoom).
  void keepBytes(uint32_t index, const uint8_t* data, uint32_t n) {
    bytesOffset[index] = arenaUsed;
    bytesLength[index] = n;
    if (n != 0) __builtin_memcpy(arena.data() + arenaUsed, data, n);
    arenaUsed += n;
  }
  // Stores the whole frame of packet `index` (`n` bytes, the caller checked arenaHasRoom); its IP
  // bytes are the `ipLength` bytes from `ipOffset` within it.
  void keepFrame(uint32_t index, const uint8_t* frame, uint32_t n, uint32_t ipOffset, uint32_t ipLength) {
    frameOffset[index] = arenaUsed;
    bytesOffset[index] = arenaUsed + ipOffset;
    bytesLength[index] = ipLength;
    if (n != 0) __builtin_memcpy(arena.data() + arenaUsed, frame, n);
    arenaUsed += (n + 7) & ~7u;
  }
  // Asks for packet slot `index` in cache with write intent: the worker (another core) read it last,
  // and the reader's first stores to it would otherwise each wait for the line.
  void prefetchSlotForWrite(uint32_t index) const {
    if (index >= kCapacity) return;
    const char* p = reinterpret_cast<const char*>(&packets[index]);
    for (size_t offset = 0; offset < sizeof(DecodedPacket); offset += 64) __builtin_prefetch(p + offset, 1);
  }
  IpBytes ipBytes(uint32_t index) const { return {arena.data() + bytesOffset[index], bytesLength[index]}; }
  const uint8_t* frame(uint32_t index) const { return arena.data() + frameOffset[index]; }
  void clear() {
    count = 0;
    last = false;
    flushAfter = false;
    arenaUsed = 0;
    framesKept = false;
  }
};

}  // namespace netmeter
