#include "flow/flow_table.h"

#include <algorithm>
#include <climits>

#include "store/query_yield.h"

namespace netmeter {

namespace {

// A TCP header the connection's state follows: not a fragment whose datagram is not whole with it
// (its flags come again with the reassembled datagram; DecodedPacket::fragmentRole), nor a header with
// an impossible data offset (DecodedPacket::badTcpHeader).
bool isTcp(const DecodedPacket& p) {
  return p.l4Protocol == ipproto::kTcp && p.hasPorts && p.fragmentRole != FragmentRole::kPiece && !p.badTcpHeader;
}

// Services whose clients send from a well-known port of their own: the server's port, when the
// client's is the other (DHCP, RFC 2131 4.1: server 67, client 68; DHCPv6, RFC 8415 7.2: 547, 546).
// 0 for any other pair.
uint16_t serverPortOfFixedPortPair(uint16_t a, uint16_t b) {
  constexpr struct { uint16_t server, client; } kPairs[] = {{67, 68}, {547, 546}};
  for (const auto& pair : kPairs) {
    if ((a == pair.server && b == pair.client) || (a == pair.client && b == pair.server)) return pair.server;
  }
  return 0;
}

// Decides whether the packet's sender is the client of a new connection.
bool senderIsClient(const DecodedPacket& p, ClientDecision& how) {
  if (isTcp(p)) {
    const uint8_t synAck = p.tcpFlags & (tcpflag::kSyn | tcpflag::kAck);
    if (synAck == tcpflag::kSyn) {
      how = ClientDecision::kSyn;
      return true;
    }
    if (synAck == (tcpflag::kSyn | tcpflag::kAck)) {
      how = ClientDecision::kSynAck;
      return false;
    }
  }
  if (p.hasPorts && p.srcPort != p.dstPort) {
    const bool srcWellKnown = p.srcPort < 1024;
    const bool dstWellKnown = p.dstPort < 1024;
    if (srcWellKnown != dstWellKnown) {
      how = ClientDecision::kPortHeuristic;
      return dstWellKnown;
    }
    if (p.l4Protocol == ipproto::kUdp) {
      if (const uint16_t server = serverPortOfFixedPortPair(p.srcPort, p.dstPort); server != 0) {
        how = ClientDecision::kPortHeuristic;  // a DHCP reply captured without its request, say
        return p.dstPort == server;
      }
    }
    if (isTcp(p)) {  // mid-stream TCP: the lower port is more likely the service
      how = ClientDecision::kPortHeuristic;
      return p.dstPort < p.srcPort;
    }
  }
  if (p.l4Protocol == ipproto::kIcmp && (p.icmpType == 0 || p.icmpType == 14 || p.icmpType == 16)) {
    how = ClientDecision::kPortHeuristic;  // ICMP echo/timestamp/info reply: sender is the server
    return false;
  }
  if (p.l4Protocol == ipproto::kIcmpv6 && p.icmpType == 129) {
    how = ClientDecision::kPortHeuristic;
    return false;
  }
  how = ClientDecision::kFirstPacket;
  return true;
}

inline void saturatingIncrement(uint8_t& v) {
  if (v != 255) ++v;
}

void updateDirection(DirectionAttributes& d, const DecodedPacket& p, bool first) {
  d.mtu = std::max(d.mtu, p.l2PayloadLength);
  if (isTcp(p)) {
    const uint8_t f = p.tcpFlags;
    if ((f & (tcpflag::kSyn | tcpflag::kAck)) == tcpflag::kSyn) saturatingIncrement(d.syn);
    if ((f & (tcpflag::kSyn | tcpflag::kAck)) == (tcpflag::kSyn | tcpflag::kAck))
      saturatingIncrement(d.synAck);
    if (f & tcpflag::kFin) saturatingIncrement(d.fin);
    if (f & tcpflag::kRst) {
      saturatingIncrement(d.rst);
      return;  // QoS of RST packets is ignored, as the reference does
    }
  }
  const uint8_t dscp = p.ipVersion ? p.dscp : 0xff;
  const bool qosDiffers = d.dscp != dscp || d.vlanPcp != p.vlanPcp || d.mplsTc != p.mplsTc;
  if (!first && qosDiffers && (d.dscp != 0xff || d.vlanPcp != kVlanNone || d.mplsTc != kVlanNone))
    d.qosChanged = true;
  d.dscp = dscp;
  d.vlanPcp = p.vlanPcp;
  d.mplsTc = p.mplsTc;
  const uint8_t kept = std::min<uint8_t>(p.mplsCount, kMaxMplsLabels);
  if (!first && (d.mplsCount != p.mplsCount ||
                 !std::equal(d.mplsLabels.begin(), d.mplsLabels.begin() + kept, p.mplsLabels.begin())))
    d.mplsChanged = true;
  d.mplsCount = p.mplsCount;
  d.mplsLabels = p.mplsLabels;
}

}  // namespace

std::string_view terminationReasonName(TerminationReason reason) {
  switch (reason) {
    case TerminationReason::kActive:
      return "active";
    case TerminationReason::kFin:
      return "FIN";
    case TerminationReason::kRst:
      return "RST";
    case TerminationReason::kTimeout:
      return "timeout";
  }
  return "unknown";
}

FlowKey FlowTable::keyOf(const Connection& c) {
  FlowKey k;
  k.l4Protocol = c.l4Protocol;
  k.vlan = c.outerVlan;
  const bool clientIsLow =
      c.clientIp < c.serverIp || (c.clientIp == c.serverIp && c.clientPort <= c.serverPort);
  if (clientIsLow) {
    k.lowIp = c.clientIp, k.highIp = c.serverIp, k.lowPort = c.clientPort, k.highPort = c.serverPort;
  } else {
    k.lowIp = c.serverIp, k.highIp = c.clientIp, k.lowPort = c.serverPort, k.highPort = c.clientPort;
  }
  return k;
}

// FIN in both directions, or a RST.
bool FlowTable::tcpClosed(const Connection& c) {
  return c.l4Protocol == ipproto::kTcp && ((c.finSeen[0] && c.finSeen[1]) || c.dir[0].rst || c.dir[1].rst);
}

int64_t FlowTable::timeoutFor(const Connection& c) const {
  if (c.l4Protocol == ipproto::kTcp) return tcpClosed(c) ? timeouts_.tcpClosedSeconds : timeouts_.tcpSeconds;
  if (c.l4Protocol == ipproto::kUdp) return timeouts_.udpSeconds;
  return timeouts_.otherSeconds;
}

Connection& FlowTable::create(const FlowKey& key, uint64_t hash, const DecodedPacket& p,
                              MemoryAccount& account, uint32_t& slotIndex) {
  if (!free_.empty()) {
    slotIndex = free_.back();
    free_.pop_back();
  } else {
    slotIndex = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  account.add(kBytesPerConnection);
  Slot& slot = slots_[slotIndex];
  slot.used = true;
  slot.active = true;
  Connection& c = slot.connection;
  c = Connection{};
  ClientDecision how;
  const bool clientSends = senderIsClient(p, how);
  c.clientDecision = how;
  const uint16_t sport = p.hasPorts ? p.srcPort : 0;
  const uint16_t dport = p.hasPorts ? p.dstPort : 0;
  if (clientSends) {
    c.clientIp = p.srcIp, c.serverIp = p.dstIp, c.clientPort = sport, c.serverPort = dport;
  } else {
    c.clientIp = p.dstIp, c.serverIp = p.srcIp, c.clientPort = dport, c.serverPort = sport;
  }
  c.l4Protocol = key.l4Protocol;
  c.outerVlan = p.outerVlan;
  c.innerVlan = p.innerVlan;
  c.id = nextId_++;
  c.start = p.timestamp;
  c.lastActivity = p.timestamp;
  index_.insert(hash, slotIndex);
  expiry_.add(slotIndex, secondOf(c.lastActivity) + timeoutFor(c));
  return c;
}

void FlowTable::end(uint32_t slot, TerminationReason reason) {
  Slot& s = slots_[slot];
  Connection& c = s.connection;
  if (c.termination == TerminationReason::kActive) c.termination = reason;
  s.active = false;
  if (trackEnded_) ended_.push_back(slot);
}

FlowUpdate FlowTable::update(const DecodedPacket& p, MemoryAccount& account, const FlowHint* hint) {
  FlowUpdate result;
  if (p.ipVersion == 0) return result;
  bool senderIsLow = false;
  const FlowKey key = hint != nullptr ? hint->key : FlowKey::fromPacket(p, senderIsLow);
  const uint64_t hash = hint != nullptr ? hint->hash : key.hash();
  uint32_t slotIndex = 0;
  // The prefetch stage's slot when it still holds this key's active connection, else a lookup.
  bool found = hint != nullptr && hint->slot != FlowHint::kNone && hint->slot < slots_.size() &&
               slots_[hint->slot].active && keyOf(slots_[hint->slot].connection) == key;
  if (found) {
    slotIndex = hint->slot;
  } else {
    slotIndex = index_.find(hash, [&](uint32_t slot) { return keyOf(slots_[slot].connection) == key; });
    found = slotIndex != FlowIndex::kNone;
  }
  if (found) {
    Connection& existing = slots_[slotIndex].connection;
    const bool idle = p.timestamp - existing.lastActivity > timeoutFor(existing) * kNanosPerSecond;
    const bool closed = tcpClosed(existing);
    const bool newSyn = isTcp(p) && (p.tcpFlags & (tcpflag::kSyn | tcpflag::kAck)) == tcpflag::kSyn;
    if (idle || (closed && newSyn)) {
      const TerminationReason reason =
          idle && !closed ? TerminationReason::kTimeout
                          : (existing.dir[0].rst || existing.dir[1].rst ? TerminationReason::kRst
                                                                        : TerminationReason::kFin);
      end(slotIndex, reason);
      index_.erase(hash, slotIndex);
      found = false;
    }
  }
  if (!found) {
    create(key, hash, p, account, slotIndex);
    result.isNew = true;
  }
  Connection& c = slots_[slotIndex].connection;
  // A connection of a host with itself on one port is ambiguous; its packets count as client's.
  const bool fromClient = p.srcIp == c.clientIp && (!p.hasPorts || p.srcPort == c.clientPort);
  result.direction = fromClient ? kClientToServer : kServerToClient;
  result.connection = &c;

  const bool closedBefore = tcpClosed(c);
  DirectionAttributes& d = c.dir[result.direction];
  const bool firstInDirection = d.mtu == 0;
  updateDirection(d, p, firstInDirection);
  if (isTcp(p)) {
    if (p.tcpFlags & tcpflag::kFin) c.finSeen[result.direction] = true;
    if (p.tcpFlags & tcpflag::kRst)
      c.termination = TerminationReason::kRst;
    else if (c.finSeen[0] && c.finSeen[1] && c.termination == TerminationReason::kActive)
      c.termination = TerminationReason::kFin;
  }
  if (p.hasPppoe) {
    if (c.hasPppoe && c.pppoeSessionId != p.pppoeSessionId) c.pppoeChanged = true;
    c.hasPppoe = true;
    c.pppoeSessionId = p.pppoeSessionId;
  }
  c.interfaceMask |= uint64_t{1} << std::min<uint16_t>(p.interfaceId, 63);
  c.lastActivity = std::max(c.lastActivity, p.timestamp);
  // Closing shortens the timeout: look at the connection again at its new, earlier due second.
  if (!closedBefore && tcpClosed(c))
    expiry_.add(slotIndex, secondOf(c.lastActivity) + timeouts_.tcpClosedSeconds);
  const uint64_t bytes = p.wireLength;
  if (result.direction == kClientToServer)
    c.traffic.add(p.timestamp, {0, 0, 1, bytes}, account);
  else
    c.traffic.add(p.timestamp, {1, bytes, 0, 0}, account);
  return result;
}

// Visits only the connections whose last activity plus timeout has passed as the expiry wheel last
// knew it (ExpiryWheel): each is ended at the first scan at which it has been idle for longer than its
// timeout, as when every scan looked at every active connection, and one that has been active since
// goes back in for its new due second.
void FlowTable::expire(PacketTime now) {
  expiry_.scan(
      secondOf(now),
      [&](uint32_t slot) {
        QueryYield::point();
        if (!slots_[slot].active) return;  // ended meanwhile (or evicted): a stale entry
        const Connection& c = slots_[slot].connection;
        const int64_t timeout = timeoutFor(c);
        if (now - c.lastActivity <= timeout * kNanosPerSecond) {
          expiry_.add(slot, secondOf(c.lastActivity) + timeout);
          return;
        }
        index_.erase(keyOf(c).hash(), slot);
        end(slot, TerminationReason::kTimeout);
      },
      [&](uint32_t slot) {  // what the checks read
        const Slot& s = slots_[slot];
        __builtin_prefetch(&s.active);
        __builtin_prefetch(&s.connection.lastActivity);
        __builtin_prefetch(&s.connection.dir[0].rst);
        __builtin_prefetch(&s.connection.dir[1].rst);
      });
}

size_t FlowTable::evictBefore(PacketTime before, MemoryAccount& account,
                              absl::FunctionRef<void(Connection&)> removing) {
  size_t removed = 0;
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    QueryYield::point();
    Slot& s = slots_[i];
    if (!s.used || s.connection.lastActivity >= before) continue;
    removing(s.connection);
    if (s.active) index_.erase(keyOf(s.connection).hash(), i);
    s.connection.traffic.clear(account);
    s.connection.app.release(account);
    if (s.connection.tcp) {
      s.connection.tcp.reset();
      account.add(-kTcpStateAccountedBytes);
    }
    s.used = false;
    s.active = false;
    free_.push_back(i);
    account.add(-kBytesPerConnection);
    ++removed;
  }
  // The expiry entries of the connections removed (and of the ended ones) go too: a removed
  // connection is no longer accounted, and under a flood its entries would wait for up to a timeout.
  if (removed != 0) expiry_.removeIf([&](uint32_t slot) { return !slots_[slot].active; });
  // Ended connections not taken yet that were removed (their slot may be reused) are forgotten.
  if (removed != 0 && !ended_.empty())
    std::erase_if(ended_, [&](uint32_t slot) { return !slots_[slot].used; });
  return removed;
}

}  // namespace netmeter
