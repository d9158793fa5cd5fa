#pragma once

#include <climits>
#include <cstdint>

#include "core/packet_time.h"

namespace netmeter::capture {

// Output file format. kAuto: classic pcap when the capture has a single interface (or all packets
// are written as one interface), pcapng otherwise.
enum class OutputFormat : uint8_t { kAuto, kPcap, kPcapng };

// Packet-time window of a capture, as the reference defines it: the first packet at or after `start`
// starts the capture; from then on every matching packet is taken until the first packet at or after
// `end`, which stops it (so packets slightly out of order inside the window are kept).
struct CaptureWindow {
  PacketTime start = INT64_MIN;
  PacketTime end = INT64_MAX;
};

// When a capture stops on its own (0 = no limit). Bytes count the packet bytes written (after
// truncation to the snap length, without file and record headers); the limit is checked after each
// packet, so the last packet may cross it. Duration is packet time since the packet that started the
// capture.
struct CaptureLimits {
  uint64_t maxPackets = 0;
  uint64_t maxBytes = 0;
  PacketTime maxDuration = 0;
};

}  // namespace netmeter::capture
