#pragma once

#include <array>
#include <cstdint>

#include "decode/decoded_packet.h"
#include "decode/ip_bytes.h"
#include "io/buffer_chunk.h"

namespace netmeter {

// Decoded packets handed from the reader to one worker in one queue operation, with each packet's IP
// bytes (for L7 analysis): pointing into the input's memory where the batch holds the chunk they are
// in (io::BufferChunk, no copy), else copied into the batch's arena. A batch is handed over when its
// packets, its arena or its held chunks are full. A batch with `last` set tells the worker the trace
// has ended.
struct PacketBatch {
  static constexpr size_t kCapacity = 256;
  static constexpr uint32_t kArenaBytes = 256 * 1024;  // >= IpBytes::kMaxIpBytes
  static constexpr uint32_t kNoFrame = UINT32_MAX;     // frameOffset of a packet whose frame was not kept
  static constexpr uint32_t kMaxHeldChunks = 8;
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
  uint32_t heldCount = 0;
  std::array<io::BufferChunk*, kMaxHeldChunks> held;  // released by clear()
  std::array<DecodedPacket, kCapacity> packets;
  std::array<const uint8_t*, kCapacity> bytesData;
  std::array<uint32_t, kCapacity> bytesLength;
  // Live captures: the packet's number in trace order, and where its whole frame starts in the arena
  // (kept only while a live capture runs; frameKept false otherwise).
  std::array<uint64_t, kCapacity> seq;
  std::array<uint32_t, kCapacity> frameOffset;
  bool framesKept = false;
  std::array<uint8_t, kArenaBytes> arena;

  bool arenaHasRoom(uint32_t n) const { return arenaUsed + n <= kArenaBytes; }
  // False when bytes in `chunk` would need one held chunk more than the batch can hold.
  bool canHold(const io::BufferChunk* chunk) const {
    return heldCount < kMaxHeldChunks || held[heldCount - 1] == chunk;
  }
  // Holds `chunk` for the batch's packets that point into it (the caller checked canHold): false when
  // the input's holding budget is used up (copy the bytes instead). The input moves forward, so a
  // batch meets its chunks one after the other.
  bool hold(io::BufferChunk* chunk) {
    if (heldCount != 0 && held[heldCount - 1] == chunk) return true;
    if (!chunk->tryHold()) return false;
    held[heldCount++] = chunk;
    return true;
  }
  // Packet `index`'s IP bytes are `n` bytes at `data`, in a chunk the batch holds.
  void referBytes(uint32_t index, const uint8_t* data, uint32_t n) {
    bytesData[index] = data;
    bytesLength[index] = n;
  }
  // Stores a copy of the IP bytes of packet `index` (the caller checked arenaHasRoom).
  void keepBytes(uint32_t index, const uint8_t* data, uint32_t n) {
    bytesData[index] = arena.data() + arenaUsed;
    bytesLength[index] = n;
    if (n != 0) __builtin_memcpy(arena.data() + arenaUsed, data, n);
    arenaUsed += n;
  }
  // Stores the whole frame of packet `index` (`n` bytes, the caller checked arenaHasRoom); its IP
  // bytes are the `ipLength` bytes from `ipOffset` within it.
  void keepFrame(uint32_t index, const uint8_t* frame, uint32_t n, uint32_t ipOffset, uint32_t ipLength) {
    frameOffset[index] = arenaUsed;
    bytesData[index] = arena.data() + arenaUsed + ipOffset;
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
  IpBytes ipBytes(uint32_t index) const { return {bytesData[index], bytesLength[index]}; }
  const uint8_t* frame(uint32_t index) const { return arena.data() + frameOffset[index]; }
  // Empties the batch for reuse and lets go of the chunks it held (worker side, once done with it).
  void clear() {
    for (uint32_t i = 0; i < heldCount; ++i) held[i]->release();
    heldCount = 0;
    count = 0;
    last = false;
    flushAfter = false;
    arenaUsed = 0;
    framesKept = false;
  }
};

}  // namespace netmeter
