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
  uint32_t count = 0;
  bool last = false;
  PacketTime readerTime = 0;  // latest packet time the reader has seen (drives idle expiry)
  uint32_t arenaUsed = 0;
  std::array<DecodedPacket, kCapacity> packets;
  std::array<uint32_t, kCapacity> bytesOffset;
  std::array<uint32_t, kCapacity> bytesLength;
  std::array<uint8_t, kArenaBytes> arena;

  bool arenaHasRoom(uint32_t n) const { return arenaUsed + n <= kArenaBytes; }
  // Stores the IP bytes of packet `index` (the caller checked arenaHasRoom).
  void keepBytes(uint32_t index, const uint8_t* data, uint32_t n) {
    bytesOffset[index] = arenaUsed;
    bytesLength[index] = n;
    if (n != 0) __builtin_memcpy(arena.data() + arenaUsed, data, n);
    arenaUsed += n;
  }
  IpBytes ipBytes(uint32_t index) const { return {arena.data() + bytesOffset[index], bytesLength[index]}; }
  void clear() {
    count = 0;
    last = false;
    arenaUsed = 0;
  }
};

}  // namespace netmeter
