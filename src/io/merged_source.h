#pragma once

#include <memory>
#include <vector>

#include "io/packet_source.h"

namespace netmeter {

// Several capture files as ONE trace: a k-way merge by timestamp (ties: source order, then record
// order within a source). Interfaces are unified across sources by (name, description, link type):
// a source's interface takes the first trace-wide interface with the same key that this source has
// not claimed yet, else a new one. RawPacket::interfaceId is the trace-wide id and
// RawPacket::sourceIndex the index of the source in the list given.
//
// An error in one source ends that source only; the others go on. next() returns every packet of
// every source, then kError once if any source failed (errors() lists them all, error() is the
// first), then kEnd. errors() can be polled at any time to notice a failure as it happens.
class MergedPacketSource final : public PacketSource {
 public:
  explicit MergedPacketSource(std::vector<std::unique_ptr<PacketSource>> sources);

  ReadStatus next(RawPacket& packet) override;
  const ReadError& error() const override { return errors_.empty() ? noError_ : errors_.front(); }
  std::vector<ReadError> errors() const override { return errors_; }
  const std::vector<InterfaceInfo>& interfaces() const override { return interfaces_; }
  uint64_t bytesConsumed() const override;
  uint64_t bytesTotal() const override;
  bool structureBlocks(uint32_t sourceIndex, std::vector<uint64_t>& out) const override {
    return sourceIndex < sources_.size() && sources_[sourceIndex]->structureBlocks(sourceIndex, out);
  }

  size_t sourceCount() const { return sources_.size(); }

 private:
  struct Head {
    PacketTime timestamp;
    uint32_t source;
  };
  void pull(uint32_t source);  // reads the source's next packet into pending_ and the heap
  uint16_t globalInterface(uint32_t source, uint16_t localId);

  std::vector<std::unique_ptr<PacketSource>> sources_;
  std::vector<RawPacket> pending_;                    // each source's next packet
  std::vector<Head> heap_;                            // min-heap of sources with a pending packet
  std::vector<std::vector<uint16_t>> localToGlobal_;  // per source: local interface id -> trace-wide id
  std::vector<std::vector<bool>> claimed_;            // per source: trace-wide ids it already uses
  std::vector<InterfaceInfo> interfaces_;
  std::vector<ReadError> errors_;
  ReadError noError_;
  int64_t advance_ = -1;  // source whose packet was returned last: read it on the next call
  bool started_ = false;
  bool errorReported_ = false;
};

}  // namespace netmeter
