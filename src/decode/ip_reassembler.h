#pragma once

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <span>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "core/ip_address.h"
#include "core/packet_time.h"
#include "decode/decoded_packet.h"

namespace netmeter {

// What IP reassembly did, for the trace's totals (Engine::totals, the report, the API).
struct IpReassemblyStats {
  uint64_t fragments = 0;    // IPv4/IPv6 fragments offered
  uint64_t datagrams = 0;    // datagrams reassembled
  uint64_t incomplete = 0;   // datagrams given up incomplete: at the timeout, or at the end of the input
  uint64_t evicted = 0;      // datagrams given up incomplete to stay within the memory limit
  uint64_t malformed = 0;    // datagrams dropped: overlapping fragments with different bytes, too large
  uint64_t notCaptured = 0;  // datagrams given up because a fragment's data was cut by the snap length

  // f(name, value) for every counter, under its name in the API and the report.
  template <typename F>
  void forEachField(F&& f) const {
    f("fragments", fragments);
    f("datagrams", datagrams);
    f("incomplete", incomplete);
    f("evicted", evicted);
    f("malformed", malformed);
    f("notCaptured", notCaptured);
  }
};

// Reassembles fragmented IPv4 (RFC 791) and IPv6 (RFC 8200) datagrams, owned by the reader: it runs
// after decoding and before the packet is given to its worker, so that the whole datagram, tunnels
// inside it included, reaches the worker that owns its innermost addresses. Every fragment stays a
// packet of its own (counted with its frame); the one that completes a datagram carries the whole
// datagram for analysis (DecodedPacket::fragmentRole). The first fragment, decoded as if it were the
// whole datagram, gives the fragments from it on their datagram's view: its ports and, when it holds a
// tunnel's inner headers, the inner addresses (View), so that they count where the whole datagram will.
//
// A datagram is keyed by its addresses, identification, IPv4 protocol, VLANs, interface and, inside a
// tunnel, the tunnel's depth, id and outer addresses. Overlapping fragments are accepted when the
// overlapping bytes agree (a repeated fragment) and drop the datagram when they differ (RFC 5722; Linux does the same for IPv4), as does a
// datagram longer than 65535 bytes or whose fragments disagree on where it ends. Incomplete
// datagrams are given up `timeout` of packet time after their first fragment (Linux: 30 s) and,
// oldest first, when the buffered bytes and bookkeeping exceed `memoryBytes`. A fragment whose data
// was not captured whole (snap length) gives its datagram up; it, and a fragment without a usable IP
// length, is analyzed alone (fragmentRole kNone), as without reassembly.
class IpReassembler {
 public:
  struct Limits {
    int64_t memoryBytes = int64_t{8} << 20;
    PacketTime timeout = 30 * kNanosPerSecond;
  };

  explicit IpReassembler(Limits limits)
      : limits_(limits), maxSlots_(std::max<size_t>(1, size_t(std::max<int64_t>(limits.memoryBytes, 0)) / sizeof(Datagram))) {}

  // `p`: a fragment (p.isFragment) decoded from `frame` (p.capturedLength bytes). Sets
  // p.fragmentRole (kPiece, or kNone for a fragment it cannot use) and, on the first fragment and on a
  // later one whose datagram's first fragment came before it, the datagram's View (its protocol and
  // ports, a tunnel's inner addresses and ports); sets p.malformed when
  // the fragment damages its datagram. When `p` completes its datagram, returns a frame made of p's
  // bytes up to its IP header followed by the whole reassembled IP packet (valid until the next
  // call), and leaves p as decoded (no View): decodeReassembled() then describes p by it. Otherwise
  // returns nothing.
  std::span<const uint8_t> add(const uint8_t* frame, DecodedPacket& p);

  // The input has ended: every datagram still incomplete is given up, and the memory is freed.
  void finish();

  const IpReassemblyStats& stats() const { return stats_; }
  // Buffered bytes and bookkeeping of the datagrams in progress (kept at most Limits::memoryBytes),
  // and of the index. The datagram slots, reserved at the first fragment, hold at most
  // Limits::memoryBytes / sizeof(Datagram) of them.
  int64_t memoryBytes() const { return charged_ + int64_t(index_.capacity() * (sizeof(Key) + 8)); }
  size_t datagramsInProgress() const { return index_.size(); }

 private:
  struct Key {
    IpAddress src;
    IpAddress dst;
    uint32_t id = 0;
    uint16_t outerVlan = 0;
    uint16_t innerVlan = 0;
    uint16_t interfaceId = 0;
    uint8_t protocol = 0;  // IPv4 only (an IPv6 datagram is identified without it)
    uint8_t tunnelDepth = 0;
    // A fragment inside a tunnel: the tunnel's outermost addresses and id (VNI, TEID, GRE key), so
    // that two tunnels carrying the same inner addresses and identification are kept apart.
    uint32_t tunnelId = 0;
    IpAddress outerSrc;
    IpAddress outerDst;

    friend bool operator==(const Key&, const Key&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.src.high(), k.src.low(), k.dst.high(), k.dst.low(), k.src.family, k.id,
                        k.outerVlan, k.innerVlan, k.interfaceId, k.protocol, k.tunnelDepth, k.tunnelId,
                        k.outerSrc.high(), k.outerSrc.low(), k.outerDst.high(), k.outerDst.low());
    }
  };
  struct Range {
    uint32_t begin = 0;
    uint32_t end = 0;
  };
  // What the first fragment showed of the datagram, given to the fragments after it: its innermost
  // addresses and ports (inside a tunnel whose inner headers the first fragment holds).
  struct View {
    uint8_t ipVersion = 0;
    IpAddress srcIp;
    IpAddress dstIp;
    uint8_t ttl = 0;
    uint8_t dscp = 0;
    uint8_t ecn = 0;
    uint8_t l4Protocol = 0;
    bool hasPorts = false;
    uint16_t srcPort = 0;
    uint16_t dstPort = 0;
    TunnelType tunnel = TunnelType::kNone;
    uint8_t tunnelDepth = 0;
    uint32_t tunnelId = 0;
    IpAddress outerSrcIp;
    IpAddress outerDstIp;

    static View of(const DecodedPacket& p);
    void applyTo(DecodedPacket& p) const;
  };
  static constexpr uint32_t kNone = UINT32_MAX;
  // Disjoint runs of received data a datagram may have; one more gives it up (a flood of holes).
  static constexpr size_t kMaxRanges = 32;
  struct Datagram {
    Key key;
    PacketTime first = 0;
    uint32_t older = kNone;  // creation order (the list the timeout and the memory limit walk)
    uint32_t newer = kNone;
    std::vector<uint8_t> data;    // the fragments' data, each at its offset
    std::vector<uint8_t> header;  // the first fragment's IP header (IPv6: through its fragment header)
    std::array<Range, kMaxRanges> ranges{};
    uint8_t rangeCount = 0;
    bool endKnown = false;  // the last fragment (more-fragments clear) was seen
    bool haveFirst = false;
    View view;         // once haveFirst
    uint32_t end = 0;  // the data's length, once endKnown
    int64_t charged = 0;
  };

  // Gives datagram `slot` up (or releases it once reassembled).
  void release(uint32_t slot);
  void expire(PacketTime now);
  // Gives the oldest datagrams up while over the memory limit (`keep`, the one being added to, last).
  void enforceLimit(uint32_t keep);
  void recharge(Datagram& d);
  // Marks `p` damaged (when nothing else is) and gives its datagram (if any: kNone) up.
  void drop(uint32_t slot, DecodedPacket& p, MalformedReason reason);
  // Records [begin, end) as received; false when that makes too many disjoint runs.
  static bool addRange(Datagram& d, uint32_t begin, uint32_t end);
  // Writes into whole_ `frame` up to p's IP header, then `header` (patched to describe a whole packet
  // of `dataLength` more bytes; IPv6: without its fragment header) and `data`; returns the IP packet's
  // length, 0 when beyond 65535.
  uint32_t writeWhole(const uint8_t* frame, const DecodedPacket& p, const uint8_t* header, uint32_t headerLength,
                      const uint8_t* data, uint32_t dataLength);

  Limits limits_;
  size_t maxSlots_;
  IpReassemblyStats stats_;
  absl::flat_hash_map<Key, uint32_t> index_;
  std::vector<Datagram> slots_;
  std::vector<uint32_t> freeSlots_;
  uint32_t oldest_ = kNone;
  uint32_t newest_ = kNone;
  int64_t charged_ = 0;
  PacketTime now_ = INT64_MIN;
  std::vector<uint8_t> whole_;
};

}  // namespace netmeter
