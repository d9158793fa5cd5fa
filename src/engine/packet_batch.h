#pragma once

#include <array>
#include <cstdint>

#include "decode/decoded_packet.h"

namespace netmeter {

// Decoded packets handed from the reader to one worker in one queue operation. A batch with
// `last` set tells the worker the trace has ended; `flush` asks it to run housekeeping now.
struct PacketBatch {
  static constexpr size_t kCapacity = 256;
  uint32_t count = 0;
  bool last = false;
  PacketTime readerTime = 0;  // latest packet time the reader has seen (drives idle expiry)
  std::array<DecodedPacket, kCapacity> packets;
};

}  // namespace netmeter
