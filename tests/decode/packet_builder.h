#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "decode/decoded_packet.h"
#include "decode/decoder.h"
#include "io/raw_packet.h"

namespace netmeter::test {

// A tiny byte builder for hand-crafted packets. Lengths that depend on what follows (IP total
// length, UDP length) are written with patch16 once the packet is complete.
class PacketBuilder {
 public:
  PacketBuilder& u8(uint8_t v) {
    bytes_.push_back(v);
    return *this;
  }
  PacketBuilder& be16(uint16_t v) { return u8(uint8_t(v >> 8)).u8(uint8_t(v)); }
  PacketBuilder& be32(uint32_t v) { return be16(uint16_t(v >> 16)).be16(uint16_t(v)); }
  PacketBuilder& le32(uint32_t v) {
    return u8(uint8_t(v)).u8(uint8_t(v >> 8)).u8(uint8_t(v >> 16)).u8(uint8_t(v >> 24));
  }
  PacketBuilder& raw(std::initializer_list<uint8_t> v) {
    bytes_.insert(bytes_.end(), v);
    return *this;
  }
  PacketBuilder& append(const uint8_t* data, size_t n) {
    bytes_.insert(bytes_.end(), data, data + n);
    return *this;
  }
  PacketBuilder& zeros(size_t n) {
    bytes_.insert(bytes_.end(), n, 0);
    return *this;
  }
  size_t size() const { return bytes_.size(); }
  void patch16(size_t at, uint16_t v) {
    bytes_[at] = uint8_t(v >> 8);
    bytes_[at + 1] = uint8_t(v);
  }
  std::vector<uint8_t>& bytes() { return bytes_; }

  // --- layers ---
  PacketBuilder& ethernet(uint16_t etherType, uint8_t macSeed = 1) {
    for (int i = 0; i < 6; ++i) u8(uint8_t(0x10 * macSeed + i));         // dst
    for (int i = 0; i < 6; ++i) u8(uint8_t(0x10 * macSeed + 0x80 + i));  // src
    return be16(etherType);
  }
  PacketBuilder& vlan(uint16_t tci, uint16_t next) { return be16(tci).be16(next); }
  PacketBuilder& mpls(uint32_t label, uint8_t tc, bool bottom, uint8_t ttl = 64) {
    return be32((label << 12) | (uint32_t(tc) << 9) | (bottom ? 0x100u : 0u) | ttl);
  }
  // IPv4 header (20 bytes + options); the total length is patched by finishIpv4.
  PacketBuilder& ipv4(uint8_t protocol, uint32_t src, uint32_t dst, uint16_t flagsOffset = 0,
                      uint8_t ttl = 64, uint8_t tos = 0, size_t optionWords = 0, uint16_t id = 0x1234) {
    ipStarts_.push_back(size());
    u8(uint8_t(0x40 | (5 + optionWords)))
        .u8(tos)
        .be16(0)
        .be16(id)
        .be16(flagsOffset)
        .u8(ttl)
        .u8(protocol)
        .be16(0);
    be32(src).be32(dst);
    for (size_t i = 0; i < optionWords; ++i) be32(0x01010101);  // NOPs
    return *this;
  }
  // IPv6 fixed header; the payload length is patched by finish().
  PacketBuilder& ipv6(uint8_t next, uint8_t srcLast, uint8_t dstLast, uint8_t hopLimit = 64,
                      uint8_t tclass = 0) {
    ip6Starts_.push_back(size());
    be32(0x60000000u | (uint32_t(tclass) << 20)).be16(0).u8(next).u8(hopLimit);
    raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, srcLast});
    raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, dstLast});
    return *this;
  }
  // IPv6 fragment header: `offset` in bytes (a multiple of 8), M flag `more`.
  PacketBuilder& ipv6Fragment(uint8_t next, uint16_t offset, bool more, uint32_t id) {
    return u8(next).u8(0).be16(uint16_t((offset & 0xfff8) | (more ? 1 : 0))).be32(id);
  }
  // An 8-byte IPv6 destination options (or hop-by-hop) header holding one PadN option.
  PacketBuilder& ipv6Options8(uint8_t next) { return u8(next).u8(0).u8(1).u8(4).be32(0); }
  PacketBuilder& tcp(uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win = 1000,
                     size_t optionWords = 0) {
    be16(sp)
        .be16(dp)
        .be32(seq)
        .be32(ack)
        .u8(uint8_t((5 + optionWords) << 4))
        .u8(flags)
        .be16(win)
        .be16(0)
        .be16(0);
    for (size_t i = 0; i < optionWords; ++i) be32(0x01010101);
    return *this;
  }
  PacketBuilder& udp(uint16_t sp, uint16_t dp) {
    udpStarts_.push_back(size());
    return be16(sp).be16(dp).be16(0).be16(0);
  }
  // Patches every IP total/payload length and UDP length to run to the end of the packet.
  PacketBuilder& finish() {
    for (size_t at : ipStarts_) patch16(at + 2, uint16_t(size() - at));
    for (size_t at : ip6Starts_) patch16(at + 4, uint16_t(size() - at - 40));
    for (size_t at : udpStarts_) patch16(at + 4, uint16_t(size() - at));
    ipStarts_.clear();
    ip6Starts_.clear();
    udpStarts_.clear();
    return *this;
  }

 private:
  std::vector<uint8_t> bytes_;
  std::vector<size_t> ipStarts_;
  std::vector<size_t> ip6Starts_;
  std::vector<size_t> udpStarts_;
};

inline DecodedPacket decodeBytes(const uint8_t* data, size_t captured, uint16_t linkType, size_t wire = 0) {
  RawPacket raw;
  raw.data = data;
  raw.capturedLength = uint32_t(captured);
  raw.originalLength = uint32_t(wire == 0 ? captured : wire);
  raw.linkType = linkType;
  DecodedPacket out;
  decodePacket(raw, out);
  return out;
}

inline DecodedPacket decodeVector(const std::vector<uint8_t>& bytes, LinkType link = LinkType::kEthernet,
                                  size_t wire = 0) {
  return decodeBytes(bytes.data(), bytes.size(), static_cast<uint16_t>(link), wire);
}

inline uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | d;
}

}  // namespace netmeter::test
