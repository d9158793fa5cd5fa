#include "modules/tcp/tcp_module.h"

#include <algorithm>
#include <memory>

#include "modules/tcp/tcp_analyzer.h"
#include "store/query_yield.h"

namespace netmeter {

namespace {

using TcpValues = std::array<uint64_t, kTcpStatCount>;

// Growth of one side's counters since the last flush, into the per-IP layout.
void takeSideGrowth(TcpSideState& s, TcpValues& out) {
  const TcpSideCounters& c = s.counters;
  const TcpSideCounters& f = s.flushed;
  out[kTcpPayloadBytes] += c.payloadBytes - f.payloadBytes;
  out[kTcpPayloadSegments] += c.payloadSegments - f.payloadSegments;
  out[kTcpRetransmittedBytes] += c.retransmittedBytes - f.retransmittedBytes;
  out[kTcpRetransmittedSegments] += c.retransmittedSegments - f.retransmittedSegments;
  out[kTcpMissedBytes] += c.missedBytes - f.missedBytes;
  out[kTcpDupAcks] += c.dupAcks - f.dupAcks;
  out[kTcpZeroWindows] += c.zeroWindows - f.zeroWindows;
  out[kTcpOutOfOrder] += c.outOfOrder - f.outOfOrder;
  out[kTcpDataResponses] += c.dataResponses - f.dataResponses;
  out[kTcpDataResponseNs] += c.dataResponseNs - f.dataResponseNs;
  out[kTcpDataTransfers] += c.dataTransfers - f.dataTransfers;
  out[kTcpDataTransferNs] += c.dataTransferNs - f.dataTransferNs;
  s.flushed = c;
}

bool anyNonZero(const TcpValues& v) {
  for (uint64_t x : v)
    if (x != 0) return true;
  return false;
}

}  // namespace

void TcpModule::onSegment(const DecodedPacket& p, Connection& c, Direction dir, MemoryAccount& account) {
  const int64_t second = secondOf(p.timestamp);
  if (second > second_) {
    if (!dirty_.empty()) flush(account);
    second_ = second;
  }
  if (!c.tcp) {
    c.tcp = std::make_unique<TcpConnectionState>();
    account.add(kTcpStateAccountedBytes);
  }
  TcpConnectionState& st = *c.tcp;
  analyzeTcpSegment(st, dir, p);
  st.pendingFirst = std::min(st.pendingFirst, p.timestamp);
  st.pendingLast = std::max(st.pendingLast, p.timestamp);
  if (!st.dirty) {
    st.dirty = true;
    dirty_.push_back(&c);
  }
}

void TcpModule::flush(MemoryAccount& account) {
  // Software-pipelined: the connection a few entries ahead, then its TCP state and per-IP slots.
  constexpr size_t kFar = 8, kNear = 4;
  const size_t n = dirty_.size();
  for (size_t i = 0; i < n; ++i) {
    QueryYield::point();  // between connections: queries waiting for the lock get in
    if (i + kFar < n) __builtin_prefetch(&dirty_[i + kFar]->tcp);
    if (i + kNear < n) {
      const TcpConnectionState& st = *dirty_[i + kNear]->tcp;
      const char* p = reinterpret_cast<const char*>(&st);
      for (size_t offset = 0; offset < sizeof(TcpConnectionState); offset += 64)
        __builtin_prefetch(p + offset, 1);
      __builtin_prefetch(st.clientIpHint, 1);
      __builtin_prefetch(st.serverIpHint, 1);
    }
    flushConnection(*dirty_[i], account);
  }
  dirty_.clear();
}

void TcpModule::finishConnection(Connection& c, MemoryAccount& account) {
  TcpConnectionState* st = c.tcp.get();
  if (st == nullptr || !tcpBurstOpen(*st)) return;
  if (st->dirty) flush(account);  // what it has pending first, dated as usual (callers flush before)
  finishTcpBurst(*st);
  st->pendingFirst = st->pendingLast = c.lastActivity;
  flushConnection(c, account, true);
}

// A late count decodes and re-encodes the history from its second on (TimeSeries::addAt): for the
// global record, once per second of the connections finished together (an expiry scan's are a few
// seconds, 300 s back) rather than once per connection.
void TcpModule::addFinished(MemoryAccount& account) {
  for (const auto& [second, values] : finishedGlobal_)
    global_.counters.addAt(second * kNanosPerSecond, values, account);
  finishedGlobal_.clear();
}

void TcpModule::flushConnection(Connection& c, MemoryAccount& account, bool late) {
  TcpConnectionState& st = *c.tcp;
  st.dirty = false;
  // Dated at the connection's latest packet since the last flush, and the records' activity spans its
  // packets: the same whichever shard or flush moment (results do not depend on the thread count).
  const PacketTime t = st.pendingLast;
  const PacketTime first = st.pendingFirst;
  st.pendingFirst = INT64_MAX;
  st.pendingLast = INT64_MIN;
  TcpValues client{}, server{};
  takeSideGrowth(st.side[kClientToServer], client);
  takeSideGrowth(st.side[kServerToClient], server);
  const bool newHandshake = st.handshakeComplete() && !st.handshakeFlushed;
  if (newHandshake) {
    st.handshakeFlushed = true;
    const auto ns = static_cast<uint64_t>(std::max<int64_t>(0, st.handshakeNs()));
    client[kTcpHandshakesAsClient] = 1;
    client[kTcpHandshakeNsAsClient] = ns;
    server[kTcpHandshakesAsServer] = 1;
    server[kTcpHandshakeNsAsServer] = ns;
  }
  TcpApplicationTimes& app = st.app;
  server[kTcpTransactionsAsServer] = app.pendingTransactions;
  server[kTcpFirstResponseNsAsServer] = app.pendingFirstResponseNs;
  server[kTcpRequestResponsesAsServer] = app.pendingRequestResponses;
  server[kTcpRequestResponseNsAsServer] = app.pendingRequestResponseNs;
  app.pendingTransactions = app.pendingRequestResponses = 0;
  app.pendingFirstResponseNs = app.pendingRequestResponseNs = 0;
  const bool opened = !st.openedFlushed;
  const bool becameValid = st.valid() && !st.validFlushed;
  st.openedFlushed = true;
  if (becameValid) st.validFlushed = true;

  auto update = [&](const IpAddress& ip, const TcpValues& values, bool asClient) {
    // The connection's own hint, first taken from the address's (IpHints), which then follows it.
    const void** ipHint = c.records.hint(asClient ? kClientToServer : kServerToClient, &IpHints::tcp);
    const void*& hint = asClient ? st.clientIpHint : st.serverIpHint;
    if (hint == nullptr && ipHint != nullptr) hint = *ipHint;
    TcpIpRecord& r = ips_.findOrCreateHinted(ip, hint, account);
    if (ipHint != nullptr) *ipHint = hint;
    r.touch(first);
    if (!anyNonZero(values))
      r.touch(t);
    else if (late)
      r.addAt(t, values, account);
    else
      r.add(t, values, account);
    const TcpSideState& side = st.side[asClient ? kClientToServer : kServerToClient];
    r.extremes.dataResponseMaxNs = std::max(r.extremes.dataResponseMaxNs, side.dataResponseMaxNs);
    if (asClient) {
      r.connectionsAsClient += opened;
      r.validAsClient += becameValid;
    } else {
      r.connectionsAsServer += opened;
      r.validAsServer += becameValid;
      r.extremes.firstResponseMaxNsAsServer =
          std::max(r.extremes.firstResponseMaxNsAsServer, app.firstResponseMaxNs);
      r.extremes.requestResponseMaxNsAsServer =
          std::max(r.extremes.requestResponseMaxNsAsServer, app.requestResponseMaxNs);
    }
    if (newHandshake) {
      const int64_t ns = st.handshakeNs();
      int64_t& lo = asClient ? r.extremes.handshakeMinNsAsClient : r.extremes.handshakeMinNsAsServer;
      int64_t& hi = asClient ? r.extremes.handshakeMaxNsAsClient : r.extremes.handshakeMaxNsAsServer;
      lo = std::min(lo, ns);
      hi = std::max(hi, ns);
    }
  };
  update(c.clientIp, client, true);
  update(c.serverIp, server, false);

  TcpValues both = client;
  for (size_t i = 0; i < both.size(); ++i) both[i] += server[i];
  global_.touch(first);
  if (late) {  // counted by addFinished()
    global_.touch(t);
    const int64_t second = secondOf(t);
    auto it = std::lower_bound(finishedGlobal_.begin(), finishedGlobal_.end(), second,
                               [](const auto& entry, int64_t s) { return entry.first < s; });
    if (it == finishedGlobal_.end() || it->first != second) it = finishedGlobal_.insert(it, {second, {}});
    for (size_t i = 0; i < both.size(); ++i) it->second[i] += both[i];
  } else {
    global_.add(t, both, account);  // the global record counts every connection in both roles
  }
  global_.connectionsAsClient += opened;
  global_.connectionsAsServer += opened;
  global_.validAsClient += becameValid;
  global_.validAsServer += becameValid;
  TcpExtremes& g = global_.extremes;
  g.dataResponseMaxNs =
      std::max({g.dataResponseMaxNs, st.side[0].dataResponseMaxNs, st.side[1].dataResponseMaxNs});
  g.firstResponseMaxNsAsServer = std::max(g.firstResponseMaxNsAsServer, app.firstResponseMaxNs);
  g.requestResponseMaxNsAsServer = std::max(g.requestResponseMaxNsAsServer, app.requestResponseMaxNs);
  if (newHandshake) {
    const int64_t ns = st.handshakeNs();
    g.handshakeMinNsAsClient = g.handshakeMinNsAsServer = std::min(g.handshakeMinNsAsClient, ns);
    g.handshakeMaxNsAsClient = g.handshakeMaxNsAsServer = std::max(g.handshakeMaxNsAsClient, ns);
  }

  if (st.synAckTime != 0 && !st.acceptFlushed) {
    st.acceptFlushed = true;
    TcpServerPortRecord& port =
        serverPorts_.findOrCreateHinted(TcpServerPortKey{c.serverIp, c.serverPort},
                                        c.records.hint(kServerToClient, &IpHints::tcpServerPort), account);
    port.touch(c.start);
    ++port.connections;
  }
}

void TcpModule::compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
  flush(account);
  ips_.compact(nowSecond, policy, account);
  global_.compact(nowSecond, policy, account);
}

void TcpModule::dropBefore(int64_t second, MemoryAccount& account) {
  ips_.dropBefore(second, account);
  global_.dropBefore(second, account);
}

size_t TcpModule::evictBefore(PacketTime before, MemoryAccount& account) {
  flush(account);  // connections may be evicted next: nothing may point at them afterwards
  return ips_.evictBefore(before, account) + serverPorts_.evictBefore(before, account);
}

void TcpModule::mergeFrom(const TcpModule& o, MemoryAccount& account) {
  ips_.mergeFrom(o.ips_, account);
  serverPorts_.mergeFrom(o.serverPorts_, account);
  global_.mergeFrom(o.global_, account);
}

}  // namespace netmeter
