#pragma once

#include <cstdint>
#include <span>

#include "decode/decoded_packet.h"
#include "flow/connection.h"

namespace netmeter {

// One packet's L7 payload as the application dispatch offers it to an analyzer: the connection and
// direction it belongs to, its headers (TCP sequence number, addresses) and its captured bytes.
struct L7Payload {
  Connection& connection;
  Direction direction;
  const DecodedPacket& packet;
  std::span<const uint8_t> bytes;  // captured payload (may be shorter than on the wire)
  uint32_t wireLength = 0;         // payload bytes on the wire

  PacketTime time() const { return packet.timestamp; }
  bool fromClient() const { return direction == kClientToServer; }
  bool tcp() const { return packet.l4Protocol == ipproto::kTcp; }
};

}  // namespace netmeter
