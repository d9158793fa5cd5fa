#include "capture/extraction.h"

#include "decode/decoder.h"

namespace netmeter::capture {

const char* stopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kEndOfInput:
      return "end of input";
    case StopReason::kEndTime:
      return "end time reached";
    case StopReason::kPacketLimit:
      return "packet limit reached";
    case StopReason::kByteLimit:
      return "byte limit reached";
    case StopReason::kDurationLimit:
      return "duration limit reached";
    case StopReason::kStopped:
      return "stopped";
    case StopReason::kWriteError:
      return "write error";
  }
  return "?";
}

ExtractionResult extract(PacketSource& source, PacketSelector& selector, PacketOutput& sink,
                         const ExtractionOptions& options) {
  ExtractionResult result;
  ExtractionCounters& c = result.counters;
  const CaptureLimits& limits = options.limits;
  RawPacket raw;
  DecodedPacket decoded;
  bool started = false;
  PacketTime startedAt = 0;
  result.reason = StopReason::kEndOfInput;
  while (source.next(raw) == ReadStatus::kPacket) {
    ++c.read;
    if ((c.read & 0x3ff) == 0) {
      if (options.stop != nullptr && options.stop->load(std::memory_order_relaxed)) {
        result.reason = StopReason::kStopped;
        break;
      }
      if ((c.read & 0xffff) == 0 && options.progress) {
        c.bytesWritten = sink.bytesWritten();
        options.progress(c, source);
      }
    }
    if (!started) {
      if (raw.timestamp < options.window.start) {
        if (selector.tracksConnections()) {
          decodePacket(raw, decoded);
          selector.observe(raw, decoded);
        }
        continue;
      }
      started = true;
      startedAt = raw.timestamp;
    }
    if (raw.timestamp >= options.window.end) {
      result.reason = StopReason::kEndTime;
      break;
    }
    if (limits.maxDuration > 0 && raw.timestamp - startedAt >= limits.maxDuration) {
      result.reason = StopReason::kDurationLimit;
      break;
    }
    decodePacket(raw, decoded);
    switch (selector.select(raw, decoded)) {
      case filter::Match::kNo:
        ++c.ignored;
        continue;
      case filter::Match::kUndecided:
        ++c.skipped;
        continue;
      case filter::Match::kYes:
        break;
    }
    const std::optional<uint32_t> ruled = selector.snapLength();
    if (!sink.write(raw, source.interfaces(), ruled.has_value() ? *ruled : options.snapLength)) {
      result.reason = StopReason::kWriteError;
      result.writeError = sink.error();
      break;
    }
    ++c.captured;
    if (limits.maxPackets > 0 && c.captured >= limits.maxPackets) {
      result.reason = StopReason::kPacketLimit;
      break;
    }
    if (limits.maxBytes > 0 && sink.packetBytes() >= limits.maxBytes) {
      result.reason = StopReason::kByteLimit;
      break;
    }
  }
  if (!sink.flush() && result.writeError.empty()) {
    result.reason = StopReason::kWriteError;
    result.writeError = sink.error();
  }
  c.bytesWritten = sink.bytesWritten();
  if (options.progress) options.progress(c, source);
  return result;
}

}  // namespace netmeter::capture
