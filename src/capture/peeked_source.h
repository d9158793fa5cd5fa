#pragma once

#include "io/packet_source.h"

namespace netmeter::capture {

// A source read one packet ahead: pcapng declares interfaces in blocks that come with the packets,
// so a capture's output header can only be written once the first packet has been read. peek() reads
// it; next() hands it out first, then reads on. The peeked packet's bytes stay valid because the
// inner source is not read in between.
class PeekedSource final : public PacketSource {
 public:
  explicit PeekedSource(PacketSource& inner) : inner_(inner) {}

  // Reads the first packet (once); kEnd or kError when there is none.
  ReadStatus peek() {
    if (!peeked_) {
      peeked_ = true;
      firstStatus_ = inner_.next(first_);
      pending_ = firstStatus_ == ReadStatus::kPacket;
    }
    return firstStatus_;
  }
  ReadStatus next(RawPacket& packet) override {
    if (!peeked_) peek();
    if (pending_) {
      pending_ = false;
      packet = first_;
      return ReadStatus::kPacket;
    }
    if (firstStatus_ != ReadStatus::kPacket && !handedStatus_) {
      handedStatus_ = true;
      return firstStatus_;
    }
    return inner_.next(packet);
  }
  const ReadError& error() const override { return inner_.error(); }
  std::vector<ReadError> errors() const override { return inner_.errors(); }
  const std::vector<InterfaceInfo>& interfaces() const override { return inner_.interfaces(); }
  uint64_t bytesConsumed() const override { return inner_.bytesConsumed(); }
  uint64_t bytesTotal() const override { return inner_.bytesTotal(); }

 private:
  PacketSource& inner_;
  RawPacket first_;
  ReadStatus firstStatus_ = ReadStatus::kEnd;
  bool peeked_ = false;
  bool pending_ = false;
  bool handedStatus_ = false;
};

}  // namespace netmeter::capture
