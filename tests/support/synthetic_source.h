#pragma once

#include <cstdint>
#include <vector>

#include "io/packet_source.h"
#include "support/packet_builder.h"

namespace netmeter::test {

// A PacketSource over frames built in memory (Ethernet link type, one interface).
class SyntheticSource : public PacketSource {
 public:
  void add(std::vector<uint8_t> frame, PacketTime t) { packets_.push_back({std::move(frame), t}); }
  ReadStatus next(RawPacket& packet) override {
    if (index_ >= packets_.size()) return ReadStatus::kEnd;
    const auto& p = packets_[index_++];
    packet = rawPacket(p.bytes, p.time);
    return ReadStatus::kPacket;
  }
  const ReadError& error() const override { return error_; }
  const std::vector<InterfaceInfo>& interfaces() const override { return interfaces_; }
  uint64_t bytesConsumed() const override { return index_; }
  uint64_t bytesTotal() const override { return packets_.size(); }
  size_t size() const { return packets_.size(); }

 private:
  struct Packet {
    std::vector<uint8_t> bytes;
    PacketTime time;
  };
  std::vector<Packet> packets_;
  size_t index_ = 0;
  ReadError error_;
  std::vector<InterfaceInfo> interfaces_{InterfaceInfo{"eth0", "", 1, 65535, 9}};
};

// Generates frames on the fly (no storage): every packet from a new random IPv4 source address and
// port to a random destination, one per microsecond — a flood of addresses for memory-bound tests.
class AddressFloodSource : public PacketSource {
 public:
  AddressFloodSource(uint64_t packets, PacketTime start) : remaining_(packets), time_(start) {}
  ReadStatus next(RawPacket& packet) override {
    if (remaining_ == 0) return ReadStatus::kEnd;
    --remaining_;
    FrameSpec s;
    s.l4Protocol = 17;
    const uint64_t r1 = nextRandom(), r2 = nextRandom();
    s.srcIp = ipv4(uint32_t(r1));
    s.dstIp = ipv4(uint32_t(r1 >> 32));
    s.srcPort = uint16_t(r2);
    s.dstPort = uint16_t(r2 >> 16);
    s.srcMac = (r2 >> 16) & 0xfeffffffffffULL;
    frame_ = buildFrame(s);
    packet = rawPacket(frame_, time_);
    time_ += 1000;
    ++consumed_;
    return ReadStatus::kPacket;
  }
  const ReadError& error() const override { return error_; }
  const std::vector<InterfaceInfo>& interfaces() const override { return interfaces_; }
  uint64_t bytesConsumed() const override { return consumed_; }
  uint64_t bytesTotal() const override { return consumed_ + remaining_; }

 private:
  uint64_t nextRandom() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  static std::string ipv4(uint32_t v) {
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." + std::to_string((v >> 8) & 255) +
           "." + std::to_string(v & 255);
  }
  uint64_t remaining_;
  uint64_t consumed_ = 0;
  PacketTime time_;
  uint64_t state_ = 42;
  std::vector<uint8_t> frame_;
  ReadError error_;
  std::vector<InterfaceInfo> interfaces_{InterfaceInfo{"eth0", "", 1, 65535, 9}};
};

}  // namespace netmeter::test
