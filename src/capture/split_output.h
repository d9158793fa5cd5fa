#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capture/capture_sink.h"

namespace netmeter::capture {

// A capture file name from a strftime pattern (%Y %m %d %H %M %S ...) at packet time `t` (UTC).
// The result is a plain file name: '/' and control characters become '_', a leading '.' is dropped,
// at most 200 bytes; an empty result becomes "capture". No extension is added.
std::string captureFileName(std::string_view pattern, PacketTime t);

// When a capture continues in a new file (0: never for that reason): once the current file holds
// `bytes` bytes of packet data (headers come on top), or once a packet is `duration` of packet time after the file's first packet.
struct SplitPolicy {
  uint64_t bytes = 0;
  PacketTime duration = 0;
};

// A capture written as a series of files (to disk, or entries of a zip archive). Each part is a
// complete pcap/pcapng file made by CaptureSink; `open(firstPacketTime)` makes the next part's
// target (and returns "" on success or why it cannot); `closed(part)` is told when a part is
// complete. No part is created before the first packet.
class SplitOutput final : public PacketOutput {
 public:
  using Open = std::function<std::string(PacketTime firstPacket, SinkTarget& target)>;
  using Closed = std::function<bool(std::string& error)>;

  SplitOutput(SinkOptions options, SplitPolicy policy, Open open, Closed closed)
      : options_(std::move(options)), policy_(policy), open_(std::move(open)), closed_(std::move(closed)) {}
  ~SplitOutput() override;

  bool write(const RawPacket& packet, const std::vector<InterfaceInfo>& interfaces, uint32_t snapLength) override;
  bool flush() override;
  // Completes the current part.
  bool close();
  const std::string& error() const override { return error_; }
  uint64_t bytesWritten() const override { return done_ + (sink_ ? sink_->bytesWritten() : 0); }
  uint64_t packetBytes() const override { return donePackets_ + (sink_ ? sink_->packetBytes() : 0); }
  size_t parts() const { return parts_; }

 private:
  bool finishPart();

  SinkOptions options_;
  SplitPolicy policy_;
  Open open_;
  Closed closed_;
  std::unique_ptr<CaptureSink> sink_;
  PacketTime partStart_ = 0;
  uint64_t done_ = 0;
  uint64_t donePackets_ = 0;
  size_t parts_ = 0;
  std::string error_;
};

}  // namespace netmeter::capture
