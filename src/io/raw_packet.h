#pragma once

#include <cstdint>

#include "core/packet_time.h"

namespace netmeter {

namespace io {
class BufferChunk;
}

// Link-layer header types (LINKTYPE_* of the tcpdump.org registry) that the decoder understands.
enum class LinkType : uint16_t {
  kNull = 0,  // BSD loopback, 4-byte host-order address family
  kEthernet = 1,
  kPpp = 9,
  kRaw = 101,  // raw IPv4/IPv6
  kPppHdlc = 50,
  kLinuxSll = 113,
  kLoop = 108,  // OpenBSD loopback, network-order address family
  kIpv4 = 228,
  kIpv6 = 229,
  kNflog = 239,  // Linux netfilter log
  kLinuxSll2 = 276,
};

// One packet as read from a source, before decoding. `data` stays valid until the source's next
// read; whoever keeps the bytes longer copies them, or holds `chunk` when there is one (the input's
// memory holding `data`, see io::BufferChunk).
struct RawPacket {
  PacketTime timestamp = 0;     // nanoseconds since epoch
  uint32_t capturedLength = 0;  // bytes present at `data`
  uint32_t originalLength = 0;  // length on the wire (pcap "len"), FCS excluded when the link has none
  uint16_t linkType = 0;        // LINKTYPE_* value of the packet's interface
  uint16_t interfaceId = 0;     // trace-wide interface id (see PacketSource::interfaces())
  uint32_t sourceIndex = 0;     // which input file (index into the list given)
  uint64_t recordOffset = 0;    // byte offset of the packet's record in its (decompressed) file
  const uint8_t* data = nullptr;
  io::BufferChunk* chunk = nullptr;  // null: the bytes cannot be held (copy them)
};

}  // namespace netmeter
