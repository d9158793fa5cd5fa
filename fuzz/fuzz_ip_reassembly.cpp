// libFuzzer target for IP reassembly (decode/ip_reassembler.h), driven as the reader drives it
// (engine/packet_reader.cpp: decodePacket, then for a fragment add() and decodeReassembled()).
//
// Input: byte 0 = the limits: memory 4 KiB << (bits 0-2 % 7) (4 KiB .. 256 KiB), timeout bits 3-7
// times 250 ms; byte 1 = the packet time step between frames, signed, times 100 ms (packet time may
// go back). Then frames, each a 2-byte big-endian header and the Ethernet frame's bytes:
//   bits 0-13 the frame's captured length, bit 15 a wire length 1000 bytes longer (a snap length),
//   bit 14 a repetition: one more byte n follows the frame, which is offered again and again, so that
//   many fragments need few input bytes: n < 0x80: n + 1 times, each time with the next fragment
//   identification (a flood of datagrams); else (n & 0x3f) + 1 times, each time at the offset where
//   the previous one ended (the pieces of one large datagram), 8 bytes further when n & 0x40 (holes).
// Every frame, and every frame add() returns, is copied to a buffer of exactly its length, so that
// ASan catches any read past it. The invariants checked are what the reassembler promises:
// - memoryBytes() <= Limits::memoryBytes after every add() (enforceLimit gives datagrams up, the one
//   added to last, until the buffers fit);
// - a returned frame is the fragment's bytes up to its IP header followed by one IP packet of at most
//   65535 bytes (IPv6: its payload), its length fields patched to its size and no fragment left, the
//   fragment's own data in it; the completing fragment is left as decoded for decodeReassembled();
// - a piece keeps its frame and fragment fields (a view changes addresses, ports, tunnel only);
// - every datagram begun ends exactly once: completed, incomplete, evicted, malformed or not captured;
// - finish() leaves nothing behind.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "decode/decoder.h"
#include "decode/ip_reassembler.h"

namespace {

using netmeter::DecodedPacket;
using netmeter::FragmentRole;
using netmeter::IpReassembler;
using netmeter::IpReassemblyStats;
using netmeter::MalformedReason;

#define REASSEMBLY_CHECK(condition)                                                      \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

uint64_t ended(const IpReassemblyStats& s) {
  return s.datagrams + s.incomplete + s.evicted + s.malformed + s.notCaptured;
}

uint32_t be16(const uint8_t* p) {
  return uint32_t(p[0]) << 8 | p[1];
}

class Driver {
 public:
  explicit Driver(IpReassembler::Limits limits) : limits_(limits), reassembler_(limits) {}

  void offer(const std::vector<uint8_t>& frame, uint32_t wireLength, netmeter::PacketTime time) {
    netmeter::RawPacket raw;
    raw.data = frame.empty() ? nullptr : frame.data();
    raw.capturedLength = uint32_t(frame.size());
    raw.originalLength = wireLength;
    raw.linkType = 1;  // Ethernet
    raw.timestamp = time;
    DecodedPacket p;
    netmeter::decodePacket(raw, p);
    if (!p.isFragment) return;

    const IpReassemblyStats before = reassembler_.stats();
    const uint64_t beforeEnded = ended(before) + reassembler_.datagramsInProgress();
    const MalformedReason decoded = p.malformed;
    const DecodedPacket fragment = p;
    const std::span<const uint8_t> whole = reassembler_.add(frame.data(), p);
    const IpReassemblyStats& after = reassembler_.stats();
    ++offered_;

    REASSEMBLY_CHECK(reassembler_.memoryBytes() <= limits_.memoryBytes);
    REASSEMBLY_CHECK(after.fragments == offered_);
    // One add() begins at most one datagram, and ends any number it began before.
    const uint64_t afterEnded = ended(after) + reassembler_.datagramsInProgress();
    REASSEMBLY_CHECK(afterEnded == beforeEnded || afterEnded == beforeEnded + 1);
    if (decoded != MalformedReason::kNone) REASSEMBLY_CHECK(p.malformed == decoded);
    if (p.malformed != decoded) {
      REASSEMBLY_CHECK(p.malformed == MalformedReason::kOverlappingIpFragment ||
                       p.malformed == MalformedReason::kIpDatagramTooLarge);
      REASSEMBLY_CHECK(after.malformed == before.malformed + 1);
    }
    if (p.fragmentRole == FragmentRole::kNone) {
      REASSEMBLY_CHECK(whole.empty());
      REASSEMBLY_CHECK(afterEnded == beforeEnded);
      return;
    }
    REASSEMBLY_CHECK(p.fragmentRole == FragmentRole::kPiece);
    if (whole.empty()) {
      REASSEMBLY_CHECK(after.datagrams == before.datagrams);
      // A piece keeps its frame and fragment fields; its addresses, ports and tunnel may be its
      // datagram's view (a tunnel's inner packet, when the first fragment holds its headers).
      REASSEMBLY_CHECK(p.ipOffset == fragment.ipOffset && p.fragmentOffset == fragment.fragmentOffset);
      REASSEMBLY_CHECK(p.fragmentId == fragment.fragmentId && p.ipTotalLength == fragment.ipTotalLength);
      REASSEMBLY_CHECK(p.payloadOffset == fragment.payloadOffset &&
                       p.payloadLength == fragment.payloadLength);
      REASSEMBLY_CHECK(p.capturedLength == fragment.capturedLength && p.wireLength == fragment.wireLength);
      REASSEMBLY_CHECK(p.isFragment && p.srcMac == fragment.srcMac && p.outerVlan == fragment.outerVlan);
      if (!p.hasPorts) REASSEMBLY_CHECK(p.srcPort == 0 && p.dstPort == 0);
      REASSEMBLY_CHECK(p.tunnelDepth >= fragment.tunnelDepth);
      if (p.tunnelDepth == fragment.tunnelDepth) {
        REASSEMBLY_CHECK(p.srcIp == fragment.srcIp && p.dstIp == fragment.dstIp);
      } else {
        checkOuter(fragment, p);
      }
      return;
    }
    REASSEMBLY_CHECK(after.datagrams == before.datagrams + 1);
    REASSEMBLY_CHECK(p.malformed == decoded);
    // The completing fragment is left as decoded (decodeReassembled describes it from that).
    REASSEMBLY_CHECK(p.ipVersion == fragment.ipVersion && p.srcIp == fragment.srcIp);
    REASSEMBLY_CHECK(p.tunnelDepth == fragment.tunnelDepth && p.hasPorts == fragment.hasPorts);
    checkWhole(frame, whole, fragment);

    // Decoded from a buffer of exactly its length.
    const std::vector<uint8_t> copy(whole.begin(), whole.end());
    netmeter::decodeReassembled(copy.data(), uint32_t(copy.size()), p);
    REASSEMBLY_CHECK(p.fragmentRole == FragmentRole::kReassembled);
    REASSEMBLY_CHECK(p.isFragment);
    REASSEMBLY_CHECK(p.wireLength == fragment.wireLength);
    REASSEMBLY_CHECK(p.capturedLength == copy.size());
    REASSEMBLY_CHECK(p.fragmentOffset == fragment.fragmentOffset);
    REASSEMBLY_CHECK(p.fragmentId == fragment.fragmentId);
    REASSEMBLY_CHECK(p.ipOffset >= fragment.ipOffset);
    REASSEMBLY_CHECK(p.srcMac == fragment.srcMac);
    REASSEMBLY_CHECK(p.outerVlan == fragment.outerVlan && p.vlanCount == fragment.vlanCount);
    REASSEMBLY_CHECK(p.tunnelDepth >= fragment.tunnelDepth);
    if (p.tunnelDepth > fragment.tunnelDepth) checkOuter(fragment, p);
  }

  void finish() {
    const uint64_t total = ended(reassembler_.stats()) + reassembler_.datagramsInProgress();
    reassembler_.finish();
    REASSEMBLY_CHECK(reassembler_.datagramsInProgress() == 0);
    REASSEMBLY_CHECK(reassembler_.memoryBytes() == 0);
    REASSEMBLY_CHECK(ended(reassembler_.stats()) == total);
  }

 private:
  // `p` describes a tunnel found in the datagram of `fragment`: its outer addresses are the outermost.
  static void checkOuter(const DecodedPacket& fragment, const DecodedPacket& p) {
    REASSEMBLY_CHECK(p.tunnel != netmeter::TunnelType::kNone);
    const bool outermost = fragment.tunnelDepth == 0;
    REASSEMBLY_CHECK(p.outerSrcIp == (outermost ? fragment.srcIp : fragment.outerSrcIp));
    REASSEMBLY_CHECK(p.outerDstIp == (outermost ? fragment.dstIp : fragment.outerDstIp));
  }

  // The frame add() returned for `p`, the fragment of `frame` that completed its datagram.
  static void checkWhole(const std::vector<uint8_t>& frame, std::span<const uint8_t> whole,
                         const DecodedPacket& p) {
    const size_t at = p.ipOffset;
    REASSEMBLY_CHECK(whole.size() > at);
    REASSEMBLY_CHECK(std::memcmp(whole.data(), frame.data(), at) == 0);  // the fragment's own bytes
    const uint8_t* ip = whole.data() + at;
    const size_t ipLength = whole.size() - at;
    const uint8_t* own = frame.data() + at;  // the completing fragment's IP header
    if (p.ipVersion == 4) {
      REASSEMBLY_CHECK(ipLength >= 20 && ipLength <= 65535);
      REASSEMBLY_CHECK((ip[0] >> 4) == 4);
      const size_t headerLength = size_t(ip[0] & 0x0f) * 4;
      REASSEMBLY_CHECK(headerLength >= 20 && headerLength <= ipLength);
      REASSEMBLY_CHECK(be16(ip + 2) == ipLength);
      REASSEMBLY_CHECK((be16(ip + 6) & 0x3fff) == 0);  // no more fragments, offset 0
      // The same datagram (identification, protocol, addresses), and this fragment's data in it.
      REASSEMBLY_CHECK(std::memcmp(ip + 4, own + 4, 2) == 0 && ip[9] == own[9]);
      REASSEMBLY_CHECK(std::memcmp(ip + 12, own + 12, 8) == 0);
      const size_t dataLength = p.ipOffset + p.ipTotalLength - p.fragmentDataOffset;
      REASSEMBLY_CHECK(headerLength + p.fragmentOffset + dataLength <= ipLength);
      REASSEMBLY_CHECK(std::memcmp(ip + headerLength + p.fragmentOffset, frame.data() + p.fragmentDataOffset,
                                   dataLength) == 0);
    } else {
      REASSEMBLY_CHECK(p.ipVersion == 6);
      REASSEMBLY_CHECK(ipLength >= 48 && ipLength - 40 <= 65535);
      REASSEMBLY_CHECK((ip[0] >> 4) == 6);
      REASSEMBLY_CHECK(be16(ip + 4) == ipLength - 40);
      REASSEMBLY_CHECK(std::memcmp(ip + 8, own + 8, 32) == 0);  // the addresses
    }
  }

  IpReassembler::Limits limits_;
  IpReassembler reassembler_;
  uint64_t offered_ = 0;
};

// Changes the fragment in `frame` into the next of a repetition: the next identification, or the
// next offset (where its data ends, `hole` 8 bytes further). False when it is no fragment.
bool repeat(std::vector<uint8_t>& frame, uint32_t wire, bool nextOffset, bool hole) {
  netmeter::RawPacket raw;
  raw.data = frame.data();
  raw.capturedLength = uint32_t(frame.size());
  raw.originalLength = wire;
  raw.linkType = 1;
  DecodedPacket p;
  netmeter::decodePacket(raw, p);
  if (!p.isFragment) return false;
  if (!nextOffset) {
    uint8_t* id = p.ipVersion == 4 ? frame.data() + p.ipOffset + 5 : frame.data() + p.fragmentDataOffset - 1;
    if (++*id == 0) ++id[-1];
    return true;
  }
  const uint32_t ipEnd = std::min<uint32_t>(p.ipOffset + p.ipTotalLength, uint32_t(frame.size()));
  const uint32_t units =
      (ipEnd > p.fragmentDataOffset ? ipEnd - p.fragmentDataOffset + 7 : 0) / 8 + (hole ? 1 : 0);
  // IPv4: flags and offset in 8-byte units; IPv6: the offset in bytes (8-byte aligned) and M.
  uint8_t* field = p.ipVersion == 4 ? frame.data() + p.ipOffset + 6 : frame.data() + p.fragmentDataOffset - 6;
  const uint32_t value = be16(field);
  const uint32_t next = p.ipVersion == 4 ? (value & 0xe000) | ((value + units) & 0x1fff)
                                         : (value & 7) | ((value + units * 8) & 0xfff8);
  field[0] = uint8_t(next >> 8);
  field[1] = uint8_t(next);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  IpReassembler::Limits limits;
  limits.memoryBytes = int64_t{4096} << ((data[0] & 7) % 7);
  limits.timeout = int64_t(data[0] >> 3) * 250'000'000;
  const int64_t step = int64_t(int8_t(data[1])) * 100'000'000;
  Driver driver(limits);
  netmeter::PacketTime time = 1'000'000'000'000;
  size_t pos = 2;
  std::vector<uint8_t> frame;
  while (pos + 2 <= size) {
    const uint32_t header = be16(data + pos);
    pos += 2;
    const size_t length = std::min<size_t>(header & 0x3fff, size - pos);
    frame.assign(data + pos, data + pos + length);
    pos += length;
    const uint32_t wire = uint32_t(length) + ((header & 0x8000) != 0 ? 1000 : 0);
    uint8_t repetition = 0;
    if ((header & 0x4000) != 0 && pos < size) repetition = data[pos++];
    const bool nextOffset = (repetition & 0x80) != 0;
    const size_t repeats = nextOffset ? (repetition & 0x3f) + 1u : repetition + 1u;
    for (size_t i = 0; i < repeats; ++i) {
      if (i != 0 && !repeat(frame, wire, nextOffset, (repetition & 0x40) != 0)) break;
      const std::vector<uint8_t> exact(frame);
      driver.offer(exact, wire, time);
      time += step;
    }
  }
  driver.finish();
  return 0;
}
