#pragma once
// Fragments of crafted datagrams, and the reader's calls around an IpReassembler
// (engine/packet_reader.cpp: decodePacket, add, decodeReassembled on the frame add() returned), for
// the IP reassembly tests.

#include <algorithm>
#include <cstring>
#include <random>
#include <span>
#include <vector>

#include "decode/decoder.h"
#include "decode/ip_reassembler.h"
#include "packet_builder.h"

namespace netmeter::reassembly_test {

using test::ip4;
using test::PacketBuilder;
using Bytes = std::vector<uint8_t>;

inline constexpr PacketTime kSecond = kNanosPerSecond;
inline const uint32_t kSrc = ip4(192, 0, 2, 10);
inline const uint32_t kDst = ip4(198, 51, 100, 20);

// What one frame became: the packet as the reader hands it on, and the frame add() returned (empty
// when the fragment did not complete a datagram).
struct Fed {
  DecodedPacket packet;
  Bytes whole;
};

// The reader's calls (PacketReader::readLoop) around one IpReassembler.
class Reader {
 public:
  explicit Reader(IpReassembler::Limits limits = {}) : reassembler(limits) {}

  // `frame` holds the captured bytes (exactly: ASan sees any read past them); `wire` is the frame's
  // length on the wire when longer (a snap length).
  Fed feed(const Bytes& frame, PacketTime time, size_t wire = 0, uint16_t interfaceId = 0) {
    RawPacket raw;
    raw.data = frame.data();
    raw.capturedLength = uint32_t(frame.size());
    raw.originalLength = uint32_t(wire == 0 ? frame.size() : wire);
    raw.linkType = static_cast<uint16_t>(LinkType::kEthernet);
    raw.timestamp = time;
    raw.interfaceId = interfaceId;
    Fed fed;
    decodePacket(raw, fed.packet);
    if (fed.packet.isFragment) {
      const std::span<const uint8_t> whole = reassembler.add(frame.data(), fed.packet);
      if (!whole.empty()) {
        fed.whole.assign(whole.begin(), whole.end());
        decodeReassembled(whole.data(), uint32_t(whole.size()), fed.packet);
      }
    }
    return fed;
  }

  IpReassembler reassembler;
};

// A UDP segment (header + `payloadBytes` bytes of a pattern), the payload of the datagrams below.
inline Bytes udpSegment(uint16_t sp, uint16_t dp, size_t payloadBytes, uint8_t seed = 3) {
  PacketBuilder b;
  b.udp(sp, dp);
  for (size_t i = 0; i < payloadBytes; ++i) b.u8(uint8_t(i * 7 + seed));
  b.finish();
  return b.bytes();
}

// Frames of IPv4 fragments of one datagram: Ethernet (optionally one VLAN tag), an IPv4 header, and
// the bytes [from, to) of the datagram's payload.
struct Ipv4Fragments {
  uint32_t src = kSrc;
  uint32_t dst = kDst;
  uint16_t id = 0x4242;
  uint8_t protocol = ipproto::kUdp;
  uint8_t firstTtl = 57;  // the first fragment's TTL; the others have 58 (the first's header is kept)
  uint16_t vlan = kNoVlan;
  uint8_t macSeed = 1;
  size_t optionWords = 0;  // IPv4 options of the first fragment

  Bytes frame(const Bytes& payload, size_t from, size_t to, bool more) const {
    PacketBuilder b;
    if (vlan == kNoVlan) {
      b.ethernet(ethertype::kIpv4, macSeed);
    } else {
      b.ethernet(ethertype::kVlan, macSeed).vlan(vlan, ethertype::kIpv4);
    }
    b.ipv4(protocol, src, dst, uint16_t((more ? 0x2000 : 0) | (from / 8)), from == 0 ? firstTtl : 58, 0,
           from == 0 ? optionWords : 0, id);
    b.append(payload.data() + from, to - from).finish();
    return b.bytes();
  }
  // The fragments starting at `starts` (the first at 0; the last runs to the payload's end).
  std::vector<Bytes> cut(const Bytes& payload, const std::vector<size_t>& starts) const {
    std::vector<Bytes> frames;
    for (size_t i = 0; i < starts.size(); ++i) {
      const bool last = i + 1 == starts.size();
      frames.push_back(frame(payload, starts[i], last ? payload.size() : starts[i + 1], !last));
    }
    return frames;
  }
};

// Frames of IPv6 fragments: Ethernet, the fixed header, optionally a destination options header (the
// unfragmentable part), the fragment header and the bytes [from, to) of the fragmentable part.
struct Ipv6Fragments {
  uint32_t id = 0xdeadbeef;
  uint8_t next = ipproto::kUdp;  // the fragment header's next header
  bool destinationOptions = true;

  Bytes frame(const Bytes& fragmentable, size_t from, size_t to, bool more) const {
    PacketBuilder b;
    b.ethernet(ethertype::kIpv6);
    if (destinationOptions) {
      b.ipv6(60, 1, 2).ipv6Options8(44);
    } else {
      b.ipv6(44, 1, 2);
    }
    b.ipv6Fragment(next, uint16_t(from), more, id);
    b.append(fragmentable.data() + from, to - from).finish();
    return b.bytes();
  }
  std::vector<Bytes> cut(const Bytes& fragmentable, const std::vector<size_t>& starts) const {
    std::vector<Bytes> frames;
    for (size_t i = 0; i < starts.size(); ++i) {
      const bool last = i + 1 == starts.size();
      frames.push_back(frame(fragmentable, starts[i], last ? fragmentable.size() : starts[i + 1], !last));
    }
    return frames;
  }
};

inline bool sameBytes(const Bytes& a, size_t at, const Bytes& b) {
  return a.size() >= at + b.size() && std::equal(b.begin(), b.end(), a.begin() + std::ptrdiff_t(at));
}

// The first fragment of a datagram with a random id between random addresses.
inline Bytes floodFragment(std::mt19937& random, size_t dataBytes) {
  Ipv4Fragments f;
  f.src = uint32_t(random());
  f.dst = uint32_t(random());
  f.id = uint16_t(random());
  const Bytes data(dataBytes, 0xab);
  return f.frame(data, 0, dataBytes, true);
}

}  // namespace netmeter::reassembly_test
