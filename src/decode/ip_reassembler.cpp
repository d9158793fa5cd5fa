#include "decode/ip_reassembler.h"

#include <algorithm>
#include <cstring>

#include "decode/decode_context.h"
#include "decode/decoder.h"

namespace netmeter {

namespace {

constexpr uint32_t kMaxIpPacket = 65535;

// The more-fragments flag of the fragment `p` decoded from `frame`.
bool moreFragments(const uint8_t* frame, const DecodedPacket& p) {
  if (p.ipVersion == 4) return (frame[p.ipOffset + 6] & 0x20) != 0;
  return (frame[p.fragmentDataOffset - 8 + 3] & 0x01) != 0;  // the IPv6 fragment header's M flag
}

// In the IPv6 packet `ip` whose fragment header starts at `fragmentHeader`, the offset of the
// next-header field that names it: the IPv6 header's or that of the last extension header before it
// (RFC 8200 4.1); 0 when the chain does not lead there.
uint32_t nextHeaderNamingFragmentHeader(const uint8_t* ip, uint32_t fragmentHeader) {
  uint32_t field = 6;
  uint32_t at = 40;
  while (at < fragmentHeader) {
    // The chain the decoder walked to the fragment header (an atomic fragment header may be in it).
    if (at + 8 > fragmentHeader || !decode_detail::isIpv6ExtensionHeader(ip[field])) return 0;
    const uint32_t length = decode_detail::ipv6ExtensionHeaderLength(ip[field], ip[at + 1]);
    field = at;
    at += length;
  }
  return at == fragmentHeader && ip[field] == 44 ? field : 0;
}

}  // namespace

IpReassembler::View IpReassembler::View::of(const DecodedPacket& p) {
  View v;
  v.ipVersion = p.ipVersion;
  v.srcIp = p.srcIp;
  v.dstIp = p.dstIp;
  v.ttl = p.ttl;
  v.dscp = p.dscp;
  v.ecn = p.ecn;
  v.l4Protocol = p.l4Protocol;
  v.hasPorts = p.hasPorts;
  v.srcPort = p.hasPorts ? p.srcPort : 0;
  v.dstPort = p.hasPorts ? p.dstPort : 0;
  v.tunnel = p.tunnel;
  v.tunnelDepth = p.tunnelDepth;
  v.tunnelId = p.tunnelId;
  v.outerSrcIp = p.outerSrcIp;
  v.outerDstIp = p.outerDstIp;
  return v;
}

void IpReassembler::View::applyTo(DecodedPacket& p) const {
  p.ipVersion = ipVersion;
  p.srcIp = srcIp;
  p.dstIp = dstIp;
  p.ttl = ttl;
  p.dscp = dscp;
  p.ecn = ecn;
  p.l4Protocol = l4Protocol;
  p.hasPorts = hasPorts;
  p.srcPort = srcPort;
  p.dstPort = dstPort;
  p.tunnel = tunnel;
  p.tunnelDepth = tunnelDepth;
  p.tunnelId = tunnelId;
  p.outerSrcIp = outerSrcIp;
  p.outerDstIp = outerDstIp;
}

uint32_t IpReassembler::writeWhole(const uint8_t* frame, const DecodedPacket& p, const uint8_t* header,
                                   uint32_t headerLength, const uint8_t* data, uint32_t dataLength) {
  // IPv6: the fragment header goes, as in the packet that was fragmented (RFC 8200 4.5), unless the
  // headers before it cannot be followed; it then stays as an atomic fragment (RFC 6946): offset 0,
  // no more fragments, a whole packet all the same.
  const uint32_t nextHeaderField =
      p.ipVersion == 6 ? nextHeaderNamingFragmentHeader(header, headerLength - 8) : 0;
  const uint32_t kept = nextHeaderField != 0 ? headerLength - 8 : headerLength;
  const uint32_t ipLength = kept + dataLength;
  if (p.ipVersion == 4 ? ipLength > kMaxIpPacket : ipLength - 40 > kMaxIpPacket) return 0;
  whole_.resize(p.ipOffset + ipLength);
  uint8_t* out = whole_.data();
  std::memcpy(out, frame, p.ipOffset);
  uint8_t* ip = out + p.ipOffset;
  std::memcpy(ip, header, kept);
  if (dataLength != 0) std::memcpy(ip + kept, data, dataLength);
  if (p.ipVersion == 4) {
    ip[2] = uint8_t(ipLength >> 8);
    ip[3] = uint8_t(ipLength);
    ip[6] &= 0x40;  // keeps don't-fragment; more-fragments and the offset are cleared
    ip[7] = 0;
  } else {
    const uint32_t payload = ipLength - 40;
    ip[4] = uint8_t(payload >> 8);
    ip[5] = uint8_t(payload);
    if (nextHeaderField != 0) {
      ip[nextHeaderField] = header[headerLength - 8];  // what the fragment header named
    } else {
      uint8_t* fragmentHeader = ip + headerLength - 8;
      fragmentHeader[2] = 0;
      fragmentHeader[3] = 0;
    }
  }
  return ipLength;
}

void IpReassembler::recharge(Datagram& d) {
  const int64_t now = int64_t(sizeof(Datagram) + d.data.capacity() + d.header.capacity());
  charged_ += now - d.charged;
  d.charged = now;
}

void IpReassembler::release(uint32_t slot) {
  Datagram& d = slots_[slot];
  index_.erase(d.key);
  (d.older == kNone ? oldest_ : slots_[d.older].newer) = d.newer;
  (d.newer == kNone ? newest_ : slots_[d.newer].older) = d.older;
  charged_ -= d.charged;
  d = Datagram{};  // frees the buffers
  freeSlots_.push_back(slot);
}

void IpReassembler::expire(PacketTime now) {
  while (oldest_ != kNone && now - slots_[oldest_].first > limits_.timeout) {
    ++stats_.incomplete;
    release(oldest_);
  }
}

void IpReassembler::finish() {
  while (oldest_ != kNone) {
    ++stats_.incomplete;
    release(oldest_);
  }
  // Nothing is added after the end of the input: the index, the slots and the last datagram's frame
  // are freed too (the reader, and with it the reassembler, lives as long as its analysis).
  index_ = {};
  slots_ = {};
  freeSlots_ = {};
  whole_ = {};
}

void IpReassembler::enforceLimit(uint32_t keep) {
  while (memoryBytes() > limits_.memoryBytes && oldest_ != kNone) {
    const uint32_t victim = oldest_ != keep ? oldest_ : slots_[keep].newer;
    if (victim == kNone) break;
    ++stats_.evicted;
    release(victim);
  }
  if (memoryBytes() > limits_.memoryBytes && oldest_ == keep && keep != kNone) {
    ++stats_.evicted;  // the datagram alone does not fit
    release(keep);
  }
}

void IpReassembler::drop(uint32_t slot, DecodedPacket& p, MalformedReason reason) {
  if (p.malformed == MalformedReason::kNone) p.malformed = reason;
  ++stats_.malformed;
  if (slot != kNone) release(slot);
}

bool IpReassembler::addRange(Datagram& d, uint32_t begin, uint32_t end) {
  // Ranges are sorted and disjoint; merge every one that touches [begin, end).
  size_t i = 0;
  while (i < d.rangeCount && d.ranges[i].end < begin) ++i;
  size_t j = i;
  while (j < d.rangeCount && d.ranges[j].begin <= end) {
    begin = std::min(begin, d.ranges[j].begin);
    end = std::max(end, d.ranges[j].end);
    ++j;
  }
  if (i == j) {  // touches nothing: insert at i
    if (d.rangeCount == kMaxRanges) return false;
    std::copy_backward(d.ranges.begin() + i, d.ranges.begin() + d.rangeCount, d.ranges.begin() + d.rangeCount + 1);
    d.ranges[i] = {begin, end};
    ++d.rangeCount;
    return true;
  }
  d.ranges[i] = {begin, end};
  std::copy(d.ranges.begin() + j, d.ranges.begin() + d.rangeCount, d.ranges.begin() + i + 1);
  d.rangeCount = uint8_t(d.rangeCount - (j - i - 1));
  return true;
}

std::span<const uint8_t> IpReassembler::add(const uint8_t* frame, DecodedPacket& p) {
  p.fragmentRole = FragmentRole::kPiece;
  ++stats_.fragments;
  now_ = std::max(now_, p.timestamp);
  expire(now_);

  Key key;
  key.src = p.srcIp;
  key.dst = p.dstIp;
  key.id = p.fragmentId;
  key.outerVlan = p.outerVlan;
  key.innerVlan = p.innerVlan;
  key.interfaceId = p.interfaceId;
  key.protocol = p.ipVersion == 4 ? frame[p.ipOffset + 9] : 0;
  key.tunnelDepth = p.tunnelDepth;
  if (p.tunnelDepth != 0) {
    key.tunnelId = p.tunnelId;
    key.outerSrc = p.outerSrcIp;
    key.outerDst = p.outerDstIp;
  }

  // The fragment's data: from after its IPv4 header (IPv6: fragment header) to the end its IP length
  // gives. Without a length (a TSO capture's 0) or with one beyond the frame there is nothing to use.
  const uint32_t dataBegin = p.fragmentDataOffset;
  const uint32_t ipEnd = p.ipOffset + p.ipTotalLength;
  const bool usable = dataBegin != 0 && p.ipTotalLength != 0 && dataBegin <= ipEnd &&
                      p.malformed != MalformedReason::kBadIpv4TotalLength &&
                      p.malformed != MalformedReason::kBadIpv6PayloadLength;
  // A fragment reassembly cannot use is analyzed alone, as without reassembly (the first one, say,
  // as a message cut short).
  if (!usable) {
    p.fragmentRole = FragmentRole::kNone;
    return {};
  }
  auto found = index_.find(key);
  if (ipEnd > p.capturedLength) {  // cut by the snap length: the datagram can never be whole
    p.fragmentRole = FragmentRole::kNone;
    if (found != index_.end()) {
      ++stats_.notCaptured;
      release(found->second);
    }
    return {};
  }

  const uint32_t offset = p.fragmentOffset;
  const uint32_t length = ipEnd - dataBegin;
  const uint32_t end = offset + length;
  const bool more = moreFragments(frame, p);
  const uint32_t headerLength = dataBegin - p.ipOffset;  // this fragment's; the datagram's is the first's
  // IPv6: the payload length of the whole packet counts neither the IPv6 header nor the fragment header.
  const uint32_t limit = p.ipVersion == 4 ? kMaxIpPacket - headerLength : kMaxIpPacket + 48 - headerLength;
  // Checked before a datagram is begun for the fragment: one begun and dropped at once could have
  // grown the index past the memory limit, which only a fragment kept enforces.
  if (end > limit) {
    drop(found != index_.end() ? found->second : kNone, p, MalformedReason::kIpDatagramTooLarge);
    return {};
  }

  uint32_t slot;
  if (found != index_.end()) {
    slot = found->second;
  } else {
    // Every datagram charges at least sizeof(Datagram) and enforceLimit keeps the charge within the
    // limit, so fewer than maxSlots_ are ever in progress: the slots, reserved once, never move.
    if (freeSlots_.empty()) {
      if (slots_.empty()) slots_.reserve(maxSlots_);
      slot = uint32_t(slots_.size());
      slots_.emplace_back();
    } else {
      slot = freeSlots_.back();
      freeSlots_.pop_back();
    }
    Datagram& d = slots_[slot];
    d.key = key;
    d.first = now_;
    d.older = newest_;
    (newest_ == kNone ? oldest_ : slots_[newest_].newer) = slot;
    newest_ = slot;
    index_.emplace(key, slot);
    recharge(d);
  }
  Datagram& d = slots_[slot];
  if ((d.endKnown && (end > d.end || (!more && end != d.end))) ||
      (!more && d.rangeCount != 0 && d.ranges[d.rangeCount - 1].end > end)) {
    drop(slot, p, MalformedReason::kIpDatagramTooLarge);
    return {};
  }
  if (d.data.size() < end) d.data.resize(end);
  const uint8_t* bytes = frame + dataBegin;
  for (size_t i = 0; i < d.rangeCount && d.ranges[i].begin < end; ++i) {
    const uint32_t from = std::max(offset, d.ranges[i].begin), to = std::min(end, d.ranges[i].end);
    if (from < to && std::memcmp(d.data.data() + from, bytes + (from - offset), to - from) != 0) {
      drop(slot, p, MalformedReason::kOverlappingIpFragment);
      return {};
    }
  }
  if (!addRange(d, offset, end)) {  // a flood of holes: given up like a damaged datagram, no packet to blame
    ++stats_.malformed;
    release(slot);
    return {};
  }
  if (length != 0) std::memcpy(d.data.data() + offset, bytes, length);
  if (!more) {
    d.endKnown = true;
    d.end = end;
  }
  // The fragment takes the datagram's view when it is the first one or comes after it, unless it
  // completes the datagram: decodeReassembled() then describes it from its own decoding (the
  // carrier's IP version, offsets and tunnel depth, which the view of a tunnel's inner packet
  // contradicts), so the view is applied only on the way out without a whole datagram.
  const bool takesView = offset == 0 ? !d.haveFirst : d.haveFirst;
  if (offset == 0 && !d.haveFirst) {
    d.haveFirst = true;
    d.header.assign(frame + p.ipOffset, frame + dataBegin);
    // The first fragment decoded as if it were the whole datagram shows what a tunnel carries (the
    // decoder does not enter tunnels in fragments): its fragments then count where the reassembled
    // packet will, on the inner addresses, as an unfragmented tunnel packet does.
    d.view = View::of(p);
    const uint32_t ipLength = writeWhole(frame, p, frame + p.ipOffset, headerLength, bytes, length);
    if (ipLength != 0) {
      if (p.isUdp() && p.l4Offset >= dataBegin && uint32_t{p.l4Offset} + 8 <= ipEnd) {
        // The UDP length covers the whole datagram: here the header ends where the fragment does
        // (moved forward by the IPv6 fragment header writeWhole took out).
        const uint32_t udpLength = ipEnd - p.l4Offset;
        const uint32_t udpAt = p.l4Offset - (headerLength + length - ipLength);
        whole_[udpAt + 4] = uint8_t(udpLength >> 8);
        whole_[udpAt + 5] = uint8_t(udpLength);
      }
      DecodedPacket inner = p;
      decodeReassembled(whole_.data(), uint32_t(whole_.size()), inner);
      if (inner.tunnelDepth > p.tunnelDepth && (inner.srcIp != p.srcIp || inner.dstIp != p.dstIp))
        d.view = View::of(inner);
    }
  }
  recharge(d);

  const bool whole = d.haveFirst && d.endKnown && d.rangeCount == 1 && d.ranges[0].begin == 0 &&
                     d.ranges[0].end == d.end;
  if (!whole) {
    if (takesView) d.view.applyTo(p);
    enforceLimit(slot);
    return {};
  }
  if (writeWhole(frame, p, d.header.data(), uint32_t(d.header.size()), d.data.data(), d.end) == 0) {
    if (takesView) d.view.applyTo(p);
    drop(slot, p, MalformedReason::kIpDatagramTooLarge);  // the first fragment's header is longer
    return {};
  }
  ++stats_.datagrams;
  release(slot);
  return {whole_.data(), whole_.size()};
}

}  // namespace netmeter
