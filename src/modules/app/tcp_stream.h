#pragma once

#include <cstdint>
#include <span>

namespace netmeter {

// Where one direction of a TCP connection's byte stream stands, for analyzers that read the payload
// in order without buffering out-of-order segments: retransmitted bytes are dropped and a hole
// (segment lost, reordered or captured shorter than sent) is reported so the analyzer can resync.
struct TcpStreamCursor {
  uint32_t next = 0;  // sequence number of the next byte expected
  bool started = false;

  struct Piece {
    std::span<const uint8_t> bytes;  // the bytes not seen before, in order
    bool gapBefore = false;          // bytes before them are missing
    uint32_t missing = 0;            // how many (when gapBefore)
  };

  // `payload` is what was captured of a segment of `wireLength` bytes starting at `seq`.
  Piece advance(uint32_t seq, std::span<const uint8_t> payload, uint32_t wireLength) {
    Piece piece;
    if (!started) {
      started = true;
      next = seq;
    }
    const int32_t ahead = int32_t(seq - next);
    if (ahead > 0) {  // hole before this segment
      piece.gapBefore = true;
      piece.missing = uint32_t(ahead);
      next = seq;
    } else if (ahead < 0) {  // (partly) retransmitted
      const uint32_t seen = uint32_t(-ahead);
      if (seen >= wireLength) return piece;
      payload = seen < payload.size() ? payload.subspan(seen) : std::span<const uint8_t>();
      wireLength -= seen;
      seq = next;
    }
    piece.bytes = payload;
    next = seq + wireLength;
    return piece;
  }
  // True when the captured bytes ended before the segment did (the rest is a hole).
  static bool truncated(std::span<const uint8_t> captured, uint32_t wireLength) { return captured.size() < wireLength; }
};

}  // namespace netmeter
