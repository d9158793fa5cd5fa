#pragma once

#include <memory>

#include "io/capture_reader.h"

namespace netmeter {

// Classic libpcap files: magic a1b2c3d4 (microseconds) or a1b23c4d (nanoseconds), either byte order.
// One interface (id 0) described by the file header.
class PcapReader final : public CaptureReader {
 public:
  static constexpr uint32_t kFileHeaderSize = 24;
  static constexpr uint32_t kRecordHeaderSize = 16;

  // Reads the file header; nullptr and `error` set when it is not a valid pcap header.
  static std::unique_ptr<PcapReader> open(std::unique_ptr<io::InputBuffer> in, const ReaderOptions& options,
                                          ReadError& error);

  ReadStatus next(RawPacket& packet) override;
  bool skipTo(uint64_t offset, const std::vector<uint64_t>* structure = nullptr) override;

  bool bigEndian() const { return bigEndian_; }
  bool nanosecond() const { return nanosecond_; }
  // Records whose fraction of a second was out of range (>= 1 s); their timestamps were clamped to the
  // last nanosecond of the record's second.
  uint64_t invalidTimestamps() const { return invalidTimestamps_; }

 private:
  PcapReader(std::unique_ptr<io::InputBuffer> in, const ReaderOptions& options)
      : CaptureReader(std::move(in), options) {}

  bool bigEndian_ = false;
  bool nanosecond_ = false;
  uint16_t linkType_ = 0;
  int64_t fractionToNanos_ = 1000;
  uint32_t maxCaptured_ = kMaxCapturedLength;
  uint64_t invalidTimestamps_ = 0;
};

}  // namespace netmeter
