#include "modules/tcp/tcp_analyzer.h"

#include <algorithm>

namespace netmeter {

namespace {

inline bool seqLt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
inline bool seqGt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }
inline bool seqGe(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) >= 0; }

// Larger jumps of a sequence or acknowledgement number are a resynchronisation, not data.
constexpr uint32_t kMaxPlausibleJump = uint32_t{1} << 30;
// Wireshark's out-of-order threshold without an initial RTT; with one, the initial RTT.
constexpr int64_t kDefaultReorderNs = 3'000'000;
// Wireshark's fast-retransmission window after the duplicate ACKs.
constexpr int64_t kFastRetransmitNs = 20'000'000;

inline void saturatingIncrement(uint8_t& v) {
  if (v != 255) ++v;
}

void onHandshake(TcpConnectionState& st, Direction dir, const DecodedPacket& p) {
  TcpSideState& s = st.side[dir];
  const bool syn = p.tcpFlags & tcpflag::kSyn;
  const bool ack = p.tcpFlags & tcpflag::kAck;
  if (syn) {
    s.synSeen = true;
    s.isn = p.tcpSeq;
    s.mss = p.tcpSynOptions.mss;
    s.windowScale = p.tcpSynOptions.windowScale;
    s.sackPermitted = p.tcpSynOptions.sackPermitted;
    if (!ack && dir == kClientToServer && st.handshake <= TcpHandshake::kSyn) {
      st.synTime = p.timestamp;  // the latest SYN counts (a retransmitted SYN restarts the handshake)
      st.handshake = TcpHandshake::kSyn;
    } else if (ack && dir == kServerToClient && st.handshake == TcpHandshake::kSyn) {
      st.synAckTime = p.timestamp;
      st.handshake = TcpHandshake::kSynAck;
    }
    return;
  }
  if (ack && dir == kClientToServer && st.handshake == TcpHandshake::kSynAck &&
      p.tcpAck == st.side[kServerToClient].isn + 1) {
    st.ackTime = p.timestamp;
    st.handshake = TcpHandshake::kDone;
  }
}

// The window `s` announces (its receive window).
void onWindow(TcpConnectionState& st, Direction dir, const DecodedPacket& p, TcpSegmentVerdict& v) {
  TcpSideState& s = st.side[dir];
  const uint8_t f = p.tcpFlags;
  const bool syn = f & tcpflag::kSyn;
  const uint32_t window = syn ? p.tcpWindow : uint32_t{p.tcpWindow} << tcpWindowShift(st, dir);
  s.minWindow = std::min(s.minWindow, window);
  s.maxWindow = std::max(s.maxWindow, window);
  if (p.tcpWindow == 0 && !(f & (tcpflag::kSyn | tcpflag::kFin | tcpflag::kRst))) {
    ++s.counters.zeroWindows;
    v.zeroWindow = true;
  }
}

// Removes [begin, end) from the side's holes (data seen late).
void fillHoles(TcpSideState& s, uint32_t begin, uint32_t end) {
  for (uint8_t i = 0; i < s.holeCount;) {
    TcpSeqRange& h = s.holes[i];
    if (seqGe(begin, h.end) || seqGe(h.begin, end)) {  // no overlap
      ++i;
      continue;
    }
    if (seqLt(h.begin, begin) && seqGt(h.end, end)) {  // in the middle: keep the larger part
      if (static_cast<uint32_t>(begin - h.begin) >= static_cast<uint32_t>(h.end - end)) h.end = begin;
      else h.begin = end;
      ++i;
    } else if (seqLt(h.begin, begin)) {
      h.end = begin;
      ++i;
    } else if (seqGt(h.end, end)) {
      h.begin = end;
      ++i;
    } else {  // covered completely
      s.holes[i] = s.holes[--s.holeCount];
    }
  }
}

void addHole(TcpSideState& s, uint32_t begin, uint32_t end) {
  if (s.holeCount < TcpSideState::kMaxHoles) {
    s.holes[s.holeCount++] = {begin, end};
    return;
  }
  // Full: the newest hole absorbs this one (bytes seen in between then count as not seen; bounded).
  TcpSeqRange* newest = &s.holes[0];
  for (uint8_t i = 1; i < s.holeCount; ++i)
    if (seqGt(s.holes[i].end, newest->end)) newest = &s.holes[i];
  newest->end = end;
}

void advance(TcpSideState& s, uint32_t end, PacketTime t) {
  s.nextSeq = end;
  s.nextSeqTime = t;
}

// Sequence analysis of what `s` sends: new data, gaps, retransmissions, out-of-order, keep-alives and
// zero-window probes. Returns whether the segment carried new payload.
bool onSequence(TcpConnectionState& st, Direction dir, const DecodedPacket& p, uint32_t len,
                TcpSegmentVerdict& v) {
  TcpSideState& s = st.side[dir];
  const TcpSideState& r = st.side[dir ^ 1];
  const uint8_t f = p.tcpFlags;
  const bool syn = f & tcpflag::kSyn;
  const bool fin = f & tcpflag::kFin;
  const uint32_t seq = p.tcpSeq;
  const uint32_t segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
  const uint32_t end = seq + segLen;
  const PacketTime t = p.timestamp;
  s.lastWasKeepAlive = false;

  if (!s.seqKnown) {
    s.seqKnown = true;
    if (!syn) s.isn = seq - 1;
    // Without its SYN, the side's sequence space seen starts at the lowest number the peer had
    // acknowledged before: data between that and this segment went unseen (missed once acknowledged).
    // A SYN starts the sequence space itself; a jump of 2^30 or more is garbage, not data.
    const uint32_t acked = s.nextSeq;  // the lowest number acknowledged before (ackFloorKnown)
    if (s.ackFloorKnown && !syn && seqGt(seq, acked) && seq - acked < kMaxPlausibleJump) {
      addHole(s, acked, seq);
      v.gap = true;
    }
    advance(s, end, t);
    return len > 0;
  }
  if (len <= 1 && !syn && !fin && seq == s.nextSeq - 1) {
    ++s.counters.keepAlives;
    s.lastWasKeepAlive = true;
    v.keepAlive = true;
    return false;
  }
  if (segLen == 0) return false;
  if (len == 1 && !syn && !fin && seq == s.nextSeq && r.windowKnown && r.lastWindowRaw == 0) {
    ++s.counters.windowProbes;  // the probe byte does not advance the sequence, as in Wireshark
    s.lastWasKeepAlive = true;
    v.windowProbe = true;
    return false;
  }
  const int32_t diff = static_cast<int32_t>(seq - s.nextSeq);
  const uint32_t distance = diff < 0 ? 0u - static_cast<uint32_t>(diff) : static_cast<uint32_t>(diff);
  if (distance >= kMaxPlausibleJump) {  // resynchronise
    s.holeCount = 0;
    s.timing = false;
    advance(s, end, t);
    return len > 0;
  }
  if (diff >= 0) {
    if (diff > 0) {
      addHole(s, s.nextSeq, seq);
      v.gap = true;
    }
    advance(s, end, t);
    return len > 0;
  }
  // Starts before the next expected byte: out of order or a retransmission.
  const int64_t sinceAdvance = t - s.nextSeqTime;
  const int64_t reorderNs = st.handshakeComplete() && st.handshakeNs() > 0 ? st.handshakeNs() : kDefaultReorderNs;
  const bool fast = r.dupAckRun >= 2 && r.ackKnown && r.lastAck == seq && t - r.lastAckTime < kFastRetransmitNs;
  if (!fast && sinceAdvance < reorderNs && end != s.nextSeq) {
    ++s.counters.outOfOrder;
    v.outOfOrder = true;
  } else {
    ++s.counters.retransmittedSegments;
    s.counters.retransmittedBytes += len;
    v.retransmission = true;
    if (s.timing && seqLt(seq, s.timedSeqEnd)) s.timing = false;  // Karn: no sample from ambiguous ACKs
  }
  fillHoles(s, seq, end);
  if (seqGt(end, s.nextSeq)) {
    advance(s, end, t);
    return !v.retransmission && len > 0;
  }
  return false;
}

// What `s`'s acknowledgement says about the data of the other side `r`.
void onAck(TcpConnectionState& st, Direction dir, const DecodedPacket& p, uint32_t len,
           TcpSegmentVerdict& v) {
  TcpSideState& s = st.side[dir];
  TcpSideState& r = st.side[dir ^ 1];
  const uint32_t a = p.tcpAck;
  const PacketTime t = p.timestamp;
  const uint8_t f = p.tcpFlags;
  const bool isDup = len == 0 && !(f & (tcpflag::kSyn | tcpflag::kFin | tcpflag::kRst)) && s.ackKnown &&
                     a == s.lastAck && s.windowKnown && p.tcpWindow == s.lastWindowRaw && p.tcpWindow != 0 &&
                     p.tcpSeq == s.nextSeq && !r.lastWasKeepAlive;
  if (isDup) {
    ++s.counters.dupAcks;
    saturatingIncrement(s.dupAckRun);
    v.dupAck = true;
  } else if (!s.ackKnown || a != s.lastAck) {
    s.dupAckRun = 0;
  }
  if (!r.seqKnown) {
    // Nothing of `r` seen yet: remember the lowest number acknowledged, in r.nextSeq (one 2^30 or
    // more above it resynchronises: the newest wins).
    if (!r.ackFloorKnown || seqLt(a, r.nextSeq) || a - r.nextSeq >= kMaxPlausibleJump) {
      r.nextSeq = a;
      r.ackFloorKnown = true;
    }
  } else {
    const int32_t ahead = static_cast<int32_t>(a - r.nextSeq);
    if (ahead > 0 && static_cast<uint32_t>(ahead) < kMaxPlausibleJump) {
      r.counters.missedBytes += static_cast<uint32_t>(ahead);  // acknowledged, never seen
      advance(r, a, t);
    }
    for (uint8_t i = 0; i < r.holeCount;) {
      TcpSeqRange& h = r.holes[i];
      if (seqGe(a, h.end)) {
        r.counters.missedBytes += h.end - h.begin;
        r.holes[i] = r.holes[--r.holeCount];
      } else {
        if (seqGt(a, h.begin)) {
          r.counters.missedBytes += a - h.begin;
          h.begin = a;
        }
        ++i;
      }
    }
    if (r.timing && seqGe(a, r.timedSeqEnd) && seqLt(a - r.timedSeqEnd, kMaxPlausibleJump)) {
      const int64_t sample = std::max<int64_t>(0, t - r.timedAt);
      ++s.counters.dataResponses;
      s.counters.dataResponseNs += static_cast<uint64_t>(sample);
      s.dataResponseMaxNs = std::max(s.dataResponseMaxNs, sample);
      r.timing = false;
    }
  }
  if (!s.ackKnown || seqGt(a, s.highestAck)) s.highestAck = a;
  s.lastAck = a;
  s.lastAckTime = t;
  s.ackKnown = true;
}

void finishTransaction(TcpApplicationTimes& a) {
  if (!a.inResponse) return;
  const int64_t rr = std::max<int64_t>(0, a.burstLast - a.requestStart);
  ++a.requestResponses;
  a.requestResponseNs += static_cast<uint64_t>(rr);
  a.requestResponseMaxNs = std::max(a.requestResponseMaxNs, rr);
  ++a.pendingRequestResponses;
  a.pendingRequestResponseNs += static_cast<uint64_t>(rr);
  a.inResponse = false;
}

void endBurst(TcpConnectionState& st) {
  TcpApplicationTimes& a = st.app;
  if (a.burstSide > kServerToClient) return;
  TcpSideCounters& c = st.side[a.burstSide].counters;
  ++c.dataTransfers;
  c.dataTransferNs += static_cast<uint64_t>(std::max<int64_t>(0, a.burstLast - a.burstStart));
  if (a.burstSide == kServerToClient) finishTransaction(a);
  a.burstSide = 0xff;
}

// TCP application times: data bursts alternating between the sides.
void onData(TcpConnectionState& st, Direction dir, PacketTime t) {
  TcpApplicationTimes& a = st.app;
  if (a.burstSide == dir) {
    a.burstLast = std::max(a.burstLast, t);
    return;
  }
  if (a.burstSide <= kServerToClient) {
    const PacketTime previousStart = a.burstStart;
    const PacketTime previousLast = a.burstLast;
    const bool clientAsked = a.burstSide == kClientToServer;
    endBurst(st);
    if (clientAsked) {  // the server answers the client's burst: a transaction
      const int64_t first = std::max<int64_t>(0, t - previousLast);
      a.inResponse = true;
      a.requestStart = previousStart;
      ++a.transactions;
      a.firstResponseNs += static_cast<uint64_t>(first);
      a.firstResponseMaxNs = std::max(a.firstResponseMaxNs, first);
      ++a.pendingTransactions;
      a.pendingFirstResponseNs += static_cast<uint64_t>(first);
    }
  }
  a.burstSide = dir;
  a.burstStart = t;
  a.burstLast = t;
}

}  // namespace

void finishTcpBurst(TcpConnectionState& st) {
  endBurst(st);
}

uint8_t tcpWindowShift(const TcpConnectionState& st, Direction side) {
  if (!tcpWindowScaleKnown(st)) return 0;
  const uint8_t mine = st.side[side].windowScale;
  const uint8_t theirs = st.side[side ^ 1].windowScale;
  if (mine == kNoWindowScale || theirs == kNoWindowScale) return 0;  // scaling needs both (RFC 7323)
  return std::min<uint8_t>(mine, 14);
}

bool tcpWindowScaleKnown(const TcpConnectionState& st) { return st.side[0].synSeen && st.side[1].synSeen; }

uint32_t tcpMaxBytesInFlight(const TcpConnectionState& st, Direction side) {
  return st.side[side ^ 1].ackKnown ? st.side[side].maxBytesInFlight : 0;
}

std::optional<uint16_t> tcpEffectiveMss(const TcpSideState& side, bool ipv6) {
  if (!side.synSeen) return std::nullopt;
  if (side.mss != 0) return side.mss;
  return ipv6 ? 1220 : 536;
}

TcpSegmentVerdict analyzeTcpSegment(TcpConnectionState& st, Direction dir, const DecodedPacket& p) {
  TcpSegmentVerdict v;
  TcpSideState& s = st.side[dir];
  const uint8_t f = p.tcpFlags;
  const bool rst = f & tcpflag::kRst;
  onHandshake(st, dir, p);
  if (rst) {  // a RST's numbers and window are not data: only the termination counts
    if (st.closedBy == 0xff) {
      st.closedBy = dir;
      st.closedByRst = true;
    }
    endBurst(st);
    return v;
  }
  onWindow(st, dir, p, v);
  const uint32_t len = p.payloadLength;
  const bool newData = onSequence(st, dir, p, len, v);
  if (f & tcpflag::kAck) onAck(st, dir, p, len, v);
  if (len > 0) {
    s.counters.payloadBytes += len;
    ++s.counters.payloadSegments;
    st.payloadSeen = true;
    // Data sent and not yet acknowledged (RFC 5681 FlightSize): up to the highest byte sent; a FIN
    // occupies a sequence number but is no data.
    const uint32_t dataEnd = s.nextSeq - (s.finSeen || (f & tcpflag::kFin) ? 1 : 0);
    // Before the peer's first ACK (a capture that starts after the handshake), everything sent since
    // this side's first segment seen is unacknowledged at least; shown once the peer's ACK proves that
    // the capture sees that direction (tcpMaxBytesInFlight).
    const TcpSideState& r = st.side[dir ^ 1];
    const uint32_t inFlight = dataEnd - (r.ackKnown ? r.highestAck : s.isn + 1);
    if (inFlight < kMaxPlausibleJump) s.maxBytesInFlight = std::max(s.maxBytesInFlight, inFlight);
  }
  if (newData) {
    if (!s.timing) {
      s.timing = true;
      s.timedSeqEnd = s.nextSeq;
      s.timedAt = p.timestamp;
    }
    onData(st, dir, p.timestamp);
  }
  if (f & tcpflag::kFin) {
    s.finSeen = true;
    if (st.closedBy == 0xff) st.closedBy = dir;
    endBurst(st);
  }
  s.lastWindowRaw = p.tcpWindow;
  s.windowKnown = true;
  return v;
}

}  // namespace netmeter
