// Evaluation of a compiled Program against each row type. One switch per leaf; and/or short-circuit
// by jumping over subtrees. Nothing here allocates or looks at a string.
#include <algorithm>

#include "filter/filter.h"

namespace netmeter::filter {

namespace {

constexpr Match negate(Match m) {
  return m == Match::kUndecided ? m : (m == Match::kYes ? Match::kNo : Match::kYes);
}
constexpr Match toMatch(bool b) {
  return b ? Match::kYes : Match::kNo;
}

inline bool inNet(const Instr& in, const IpAddress& a) {
  return a.family == in.family && (a.high() & in.maskHi) == in.netHi && (a.low() & in.maskLo) == in.netLo;
}

inline bool inRanges(const Program& p, const Instr& in, uint32_t v) {
  const auto* r = p.ranges.data() + in.listBegin;
  for (uint32_t i = 0; i < in.listCount; ++i) {
    if (v >= r[i].first && v <= r[i].second) return true;
  }
  return false;
}

inline bool hasPortsProtocol(uint8_t l4) {
  return l4 == ipproto::kTcp || l4 == ipproto::kUdp || l4 == ipproto::kSctp;
}

inline uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

// --- packets -------------------------------------------------------------------------------------

// The server's port when the flow table did not say: SYN / SYN-ACK, then a well-known port (< 1024)
// against an ephemeral one, then the lower port (the flow table's own heuristics, packet by packet).
uint16_t serverPort(const DecodedPacket& p, const PacketContext* ctx) {
  if (ctx != nullptr) {
    if (ctx->serverSide == PacketContext::ServerSide::kSource) return p.srcPort;
    if (ctx->serverSide == PacketContext::ServerSide::kDestination) return p.dstPort;
  }
  if (p.isTcp()) {
    const uint8_t sa = p.tcpFlags & (tcpflag::kSyn | tcpflag::kAck);
    if (sa == tcpflag::kSyn) return p.dstPort;
    if (sa == (tcpflag::kSyn | tcpflag::kAck)) return p.srcPort;
  }
  return std::min(p.srcPort, p.dstPort);
}

bool ipMatchesGroup(const Instr& in, const uint8_t* d, size_t size, uint8_t family) {
  IpAddress a = family == 4 ? IpAddress::v4(d) : IpAddress::v6(d);
  (void)size;
  return inNet(in, a);
}

// IGMP (v1-v3) and MLD (v1, v2) messages about the group in `in` (any IGMP/MLD message for kAny).
bool multicastGroupMatches(const Instr& in, const PacketView& v) {
  const DecodedPacket& p = v.packet;
  if (!p.isIp() || v.data == nullptr || p.fragmentOffset != 0 || p.l4Offset == 0) return false;
  const uint8_t* d = v.data;
  const size_t n = p.capturedLength;
  const size_t o = p.l4Offset;
  if (o + 8 > n) return false;
  const uint8_t type = d[o];
  if (p.ipVersion == 4 && p.l4Protocol == ipproto::kIgmp) {
    const bool single = type == 0x11 || type == 0x12 || type == 0x16 || type == 0x17;
    if (in.mode == Mode::kAny) return single || type == 0x22;
    if (in.family != 4) return false;
    if (single) return ipMatchesGroup(in, d + o + 4, 4, 4);
    if (type != 0x22) return false;
    size_t records = be16(d + o + 6), at = o + 8;
    for (; records > 0 && at + 8 <= n; --records) {
      if (ipMatchesGroup(in, d + at + 4, 4, 4)) return true;
      at += 8 + size_t{be16(d + at + 2)} * 4 + size_t{d[at + 1]} * 4;
    }
    return false;
  }
  if (p.ipVersion == 6 && p.l4Protocol == ipproto::kIcmpv6) {
    const bool single = type == 130 || type == 131 || type == 132;
    if (in.mode == Mode::kAny) return single || type == 143;
    if (in.family != 6) return false;
    if (single) return o + 24 <= n && ipMatchesGroup(in, d + o + 8, 16, 6);
    if (type != 143) return false;
    size_t records = be16(d + o + 6), at = o + 8;
    for (; records > 0 && at + 20 <= n; --records) {
      if (ipMatchesGroup(in, d + at + 4, 16, 6)) return true;
      at += 20 + size_t{be16(d + at + 2)} * 16 + size_t{d[at + 1]} * 4;
    }
  }
  return false;
}

// The bytes a regexp searches: the L4 payload of IP packets (for a non-first fragment its IP payload;
// for an unknown L4 protocol the IP payload), else the frame after the link header and VLAN tags.
// Limited to the captured bytes.
bool regexpMatches(const RegexMatcher& re, const PacketView& v) {
  const DecodedPacket& p = v.packet;
  if (v.data == nullptr) return re.search(nullptr, 0);
  size_t begin, end;
  if (p.isIp()) {
    begin = p.payloadOffset;
    end = begin == 0 ? 0 : begin + p.payloadLength;
  } else {
    begin = p.wireLength - std::min(p.wireLength, p.l2PayloadLength);
    end = p.wireLength;
  }
  end = std::min<size_t>(end, p.capturedLength);
  begin = std::min(begin, end);
  return re.search(v.data + begin, end - begin);
}

bool vlanMatches(const Instr& in, uint8_t count, uint16_t outer, uint16_t inner) {
  const uint8_t needed = in.which == Which::kInner ? 2 : 1;
  switch (in.mode) {
    case Mode::kNone:
      return count < needed;
    case Mode::kAny:
      return count >= needed;
    case Mode::kNumber:
      break;
  }
  switch (in.which) {
    case Which::kEither:
      return outer == in.a || inner == in.a;
    case Which::kOuter:
      return outer == in.a;
    case Which::kInner:
      return inner == in.a;
  }
  return false;
}

bool mplsMatches(const Instr& in, uint8_t count, const std::array<uint32_t, kMaxMplsLabels>& labels) {
  const uint8_t needed = in.which == Which::kInner ? 2 : 1;
  switch (in.mode) {
    case Mode::kNone:
      return count < needed;
    case Mode::kAny:
      return count >= needed;
    case Mode::kNumber:
      break;
  }
  const size_t kept = std::min<size_t>(count, kMaxMplsLabels);
  const size_t first = in.which == Which::kInner ? 1 : 0;
  const size_t last = in.which == Which::kOuter ? std::min<size_t>(kept, 1) : kept;
  for (size_t i = first; i < last; ++i) {
    if (labels[i] == in.a) return true;
  }
  return false;
}

// A connection matches its application protocol and its carrier ("TLS.YouTube" is YouTube and TLS).
Match l7Matches(const Program& prog, const Instr& in, L7State state, uint16_t protocol, uint16_t master) {
  if (state == L7State::kNotClassified) return Match::kUndecided;
  return toMatch(inRanges(prog, in, protocol) || (master != kL7Unknown && inRanges(prog, in, master)));
}

// Port and TCP flag predicates match only a frame that carries the L4 header, as in tcpdump: not a
// later fragment, even when IP reassembly gave it its datagram's ports (DecodedPacket::fragmentRole).
bool portsHere(const DecodedPacket& p) {
  return p.hasPorts && p.fragmentOffset == 0;
}

bool isV4Fragment(const DecodedPacket& p) {
  return p.isFragment && p.fragmentIpVersion == 4;  // the fragment's own header (a tunnel carrier's too)
}

Match leaf(const Program& prog, std::vector<RegexMatcher>& regexes, const Instr& in, const PacketView& v) {
  const DecodedPacket& p = v.packet;
  const PacketContext* ctx = v.context;
  switch (in.op) {
    case Op::kAnd:
    case Op::kOr:
      break;
    case Op::kIpNet:
      return toMatch(p.isIp() && (inNet(in, p.srcIp) || inNet(in, p.dstIp)));
    case Op::kIpNetPort:
      return toMatch(
          p.isIp() && portsHere(p) &&
          ((inNet(in, p.srcIp) && p.srcPort == in.a) || (inNet(in, p.dstIp) && p.dstPort == in.a)));
    case Op::kMac:
      return toMatch((p.hasMac || p.srcMac.asInteger() != 0) &&
                     (p.srcMac.asInteger() == in.netHi || (p.hasMac && p.dstMac.asInteger() == in.netHi)));
    case Op::kPorts:
      return toMatch(portsHere(p) && (inRanges(prog, in, p.srcPort) || inRanges(prog, in, p.dstPort)));
    case Op::kServerPorts:
      return toMatch(portsHere(p) && inRanges(prog, in, serverPort(p, ctx)));
    case Op::kEtherType:
      return toMatch(p.macProtocol == in.a);
    case Op::kNonIp:
      return toMatch(!p.isIp());
    case Op::kL4Protocols:
      return toMatch(p.isIp() && inRanges(prog, in, p.l4Protocol));
    case Op::kL7Protocols:
      return ctx == nullptr ? Match::kUndecided : l7Matches(prog, in, ctx->l7, ctx->l7Protocol, ctx->l7MasterProtocol);
    case Op::kCountry:
      return toMatch(ctx != nullptr && p.isIp() && (ctx->srcCountry == in.a || ctx->dstCountry == in.a));
    case Op::kArpIp:
      return toMatch(p.isArp && (inNet(in, p.arpSenderIp) || inNet(in, p.arpTargetIp)));
    case Op::kVlan:
      return toMatch(vlanMatches(in, p.vlanCount, p.outerVlan, p.innerVlan));
    case Op::kMpls:
      return toMatch(mplsMatches(in, p.mplsCount, p.mplsLabels));
    case Op::kMulticastGroup:
      return toMatch(multicastGroupMatches(in, v));
    case Op::kRtpPayloadType:
      return toMatch(ctx != nullptr && ctx->rtpPayloadType == static_cast<int32_t>(in.a));
    case Op::kInterfaces:
      return toMatch(inRanges(prog, in, p.interfaceId));
    case Op::kLink:
      return toMatch(ctx != nullptr && ctx->linkId == in.a);
    case Op::kPtpMsgType:
      return toMatch(ctx != nullptr &&
                     (in.mode == Mode::kAny ? ctx->ptpMessageType >= 0
                                            : ctx->ptpMessageType == static_cast<int32_t>(in.a)));
    case Op::kProfinetFrameId:
      return toMatch(ctx != nullptr && ctx->profinetFrameId == static_cast<int32_t>(in.a));
    case Op::kProfinetCmOpnum:
      return toMatch(ctx != nullptr &&
                     (in.mode == Mode::kAny ? ctx->profinetCmOpnum >= 0
                                            : ctx->profinetCmOpnum == static_cast<int32_t>(in.a)));
    case Op::kDscp:
      return toMatch(p.isIp() && p.dscp == in.a);
    case Op::kMplsTc:
      return toMatch(p.mplsCount > 0 && p.mplsTc == in.a);
    case Op::kVlanPcp:
      return toMatch(p.vlanCount > 0 && p.vlanPcp == in.a);
    case Op::kGroup: {
      if (!p.isIp()) return Match::kNo;
      const uint64_t groups = ctx != nullptr ? (ctx->srcGroups | ctx->dstGroups) : kDefaultGroupBit;
      return toMatch(((groups >> in.a) & 1) != 0);
    }
    case Op::kBadCrc:
      return toMatch((ctx != nullptr && ctx->badCrc == 1) == (in.a == 1));
    case Op::kIcmpType:
      return toMatch((p.l4Protocol == ipproto::kIcmp || p.l4Protocol == ipproto::kIcmpv6) && p.isIp() &&
                     p.fragmentOffset == 0 && p.l4Offset != 0 && size_t{p.l4Offset} + 2 <= p.capturedLength &&
                     p.icmpType == in.a);
    case Op::kTcpFlags:
      return toMatch(p.isTcp() && portsHere(p) && (p.tcpFlags & in.a) == in.a);
    case Op::kCallId:
      return toMatch(ctx != nullptr && ctx->callIdHash == in.netHi);
    case Op::kIpFragment:
      return toMatch(isV4Fragment(p) == (in.a == 1));
    case Op::kRegexp:
      return toMatch(regexpMatches(regexes[in.a], v));
  }
  return Match::kNo;
}

// --- connections ---------------------------------------------------------------------------------

bool connectionInterfaces(const Program& prog, const Instr& in, uint64_t mask) {
  const auto* r = prog.ranges.data() + in.listBegin;
  for (uint32_t i = 0; i < in.listCount; ++i) {
    const uint32_t lo = std::min<uint32_t>(r[i].first, 63), hi = std::min<uint32_t>(r[i].second, 63);
    const uint64_t bits =
        (hi == 63 ? ~uint64_t{0} : ((uint64_t{1} << (hi + 1)) - 1)) & ~((uint64_t{1} << lo) - 1);
    if (mask & bits) return true;
  }
  return false;
}

Match leaf(const Program& prog, std::vector<RegexMatcher>&, const Instr& in, const ConnectionView& v) {
  const Connection& c = v.connection;
  const ConnectionContext* ctx = v.context;
  const bool ports = hasPortsProtocol(c.l4Protocol);
  switch (in.op) {
    case Op::kIpNet:
      return toMatch(inNet(in, c.clientIp) || inNet(in, c.serverIp));
    case Op::kIpNetPort:
      return toMatch(ports && ((inNet(in, c.clientIp) && c.clientPort == in.a) ||
                               (inNet(in, c.serverIp) && c.serverPort == in.a)));
    case Op::kPorts:
      return toMatch(ports && (inRanges(prog, in, c.clientPort) || inRanges(prog, in, c.serverPort)));
    case Op::kServerPorts:
      return toMatch(ports && inRanges(prog, in, c.serverPort));
    case Op::kEtherType:
      return toMatch((c.clientIp.isV4() && in.a == ethertype::kIpv4) ||
                     (c.clientIp.isV6() && in.a == ethertype::kIpv6));
    case Op::kL4Protocols:
      return toMatch(inRanges(prog, in, c.l4Protocol));
    case Op::kL7Protocols:
      return ctx == nullptr ? Match::kUndecided : l7Matches(prog, in, ctx->l7, ctx->l7Protocol, ctx->l7MasterProtocol);
    case Op::kCountry:
      return toMatch(ctx != nullptr && (ctx->clientCountry == in.a || ctx->serverCountry == in.a));
    case Op::kVlan: {
      const uint8_t count = static_cast<uint8_t>((c.outerVlan != kNoVlan) + (c.innerVlan != kNoVlan));
      return toMatch(vlanMatches(in, count, c.outerVlan, c.innerVlan));
    }
    case Op::kMpls:
      return toMatch(mplsMatches(in, c.dir[0].mplsCount, c.dir[0].mplsLabels) ||
                     mplsMatches(in, c.dir[1].mplsCount, c.dir[1].mplsLabels));
    case Op::kInterfaces:
      return toMatch(connectionInterfaces(prog, in, c.interfaceMask));
    case Op::kLink:
      return toMatch(ctx != nullptr && ctx->linkId == in.a);
    case Op::kDscp:
      return toMatch(c.dir[0].dscp == in.a || c.dir[1].dscp == in.a);
    case Op::kMplsTc:
      return toMatch(c.dir[0].mplsTc == in.a || c.dir[1].mplsTc == in.a);
    case Op::kVlanPcp:
      return toMatch(c.dir[0].vlanPcp == in.a || c.dir[1].vlanPcp == in.a);
    case Op::kGroup: {
      const uint64_t groups = ctx != nullptr ? (ctx->clientGroups | ctx->serverGroups) : kDefaultGroupBit;
      return toMatch(((groups >> in.a) & 1) != 0);
    }
    case Op::kCallId:
      return toMatch(ctx != nullptr && ctx->callIdHash == in.netHi);
    default:
      return Match::kNo;  // not applicable to connections (see docs/filter-language.md)
  }
}

// --- IP and MAC table rows -----------------------------------------------------------------------

Match leaf(const Program&, std::vector<RegexMatcher>&, const Instr& in, const IpRow& r) {
  switch (in.op) {
    case Op::kIpNet:
      return toMatch(inNet(in, r.ip));
    case Op::kCountry:
      return toMatch(r.country == in.a);
    case Op::kGroup:
      return toMatch(((r.groups >> in.a) & 1) != 0);
    default:
      return Match::kNo;
  }
}

Match leaf(const Program&, std::vector<RegexMatcher>&, const Instr& in, const MacRow& r) {
  return toMatch(in.op == Op::kMac && r.mac.asInteger() == in.netHi);
}

template <typename Row>
Match evaluate(const Program& prog, std::vector<RegexMatcher>& regexes, uint32_t i, const Row& row) {
  const Instr& in = prog.code[i];
  if (in.op == Op::kAnd) {
    Match acc = Match::kYes;
    for (uint32_t c = i + 1; c < in.end; c = prog.code[c].end) {
      const Match m = evaluate(prog, regexes, c, row);
      if (m == Match::kNo) return Match::kNo;
      if (m == Match::kUndecided) acc = Match::kUndecided;
    }
    return acc;
  }
  if (in.op == Op::kOr) {
    Match acc = Match::kNo;
    for (uint32_t c = i + 1; c < in.end; c = prog.code[c].end) {
      const Match m = evaluate(prog, regexes, c, row);
      if (m == Match::kYes) return Match::kYes;
      if (m == Match::kUndecided) acc = Match::kUndecided;
    }
    return acc;
  }
  const Match m = leaf(prog, regexes, in, row);
  return in.negate ? negate(m) : m;
}

}  // namespace

Match Filter::match(const PacketView& row) {
  return evaluate(program_, regexes_, 0, row);
}
Match Filter::match(const ConnectionView& row) {
  return evaluate(program_, regexes_, 0, row);
}
Match Filter::match(const IpRow& row) {
  return evaluate(program_, regexes_, 0, row);
}
Match Filter::match(const MacRow& row) {
  return evaluate(program_, regexes_, 0, row);
}

}  // namespace netmeter::filter
