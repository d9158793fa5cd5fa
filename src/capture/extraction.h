#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "capture/capture_request.h"
#include "capture/capture_sink.h"
#include "capture/packet_selector.h"
#include "io/packet_source.h"

namespace netmeter::capture {

struct ExtractionCounters {
  uint64_t read = 0;      // packets read from the source (including those before the window)
  uint64_t captured = 0;  // written
  uint64_t ignored = 0;   // in the window, not matching the filter
  uint64_t skipped = 0;   // in the window, undecided (L7 protocol not classified)
  uint64_t bytesWritten = 0;
};

enum class StopReason : uint8_t {
  kEndOfInput,
  kEndTime,
  kPacketLimit,
  kByteLimit,
  kDurationLimit,
  kStopped,
  kWriteError
};
const char* stopReasonName(StopReason reason);

struct ExtractionOptions {
  CaptureWindow window;
  CaptureLimits limits;
  // Snap length of packets no snap rule decided (with rules the sink's own is 0); 0: whole packets.
  uint32_t snapLength = 0;
  // Called from the extracting thread about every 64 Ki packets read.
  std::function<void(const ExtractionCounters&, const PacketSource&)> progress;
  // Set by another thread to end the extraction early (checked every 1024 packets read).
  const std::atomic<bool>* stop = nullptr;
};

struct ExtractionResult {
  ExtractionCounters counters;
  StopReason reason = StopReason::kEndOfInput;
  std::string writeError;
};

// Reads `source` to its end (or until the window, a limit or `stop` ends the capture) and writes the
// packets `selector` takes to `sink`. Packets before the window still pass through the selector's
// connection state. The sink is flushed but not closed.
ExtractionResult extract(PacketSource& source, PacketSelector& selector, PacketOutput& sink,
                         const ExtractionOptions& options);

}  // namespace netmeter::capture
