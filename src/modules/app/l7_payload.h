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

// A piece of one direction of a TCP connection's byte stream: a segment's payload, or the part of it
// that an inner stream (a CONNECT tunnel) carries.
struct TcpStreamPiece {
  Direction direction = kClientToServer;
  uint32_t seq = 0;                // sequence number of its first byte
  std::span<const uint8_t> bytes;  // captured (may be shorter than on the wire)
  uint32_t wireLength = 0;         // bytes on the wire
  PacketTime time = 0;
  bool hasAck = false;  // the segment acknowledged the peer's stream up to `ack`
  uint32_t ack = 0;

  bool fromClient() const { return direction == kClientToServer; }
  static TcpStreamPiece of(const L7Payload& p) {
    return {p.direction,    p.packet.tcpSeq, p.bytes,
            p.wireLength,   p.time(),        (p.packet.tcpFlags & tcpflag::kAck) != 0,
            p.packet.tcpAck};
  }
  // The piece without its first `n` captured bytes.
  TcpStreamPiece from(size_t n) const {
    TcpStreamPiece rest = *this;
    rest.seq += uint32_t(n);
    rest.bytes = bytes.subspan(n);
    rest.wireLength -= uint32_t(n);
    return rest;
  }
};

}  // namespace netmeter
