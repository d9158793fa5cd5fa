#pragma once

#include <cstdint>
#include <string_view>

#include "flow/connection.h"
#include "modules/tcp/tcp_analyzer.h"

namespace netmeter {

// The "tcp" object of a TCP connection (its TCP health; README "TCP health"), for any JSON writer with
// key/field/value/null/beginObject/endObject (the report's JsonWriter and the API's JsonOut), so that
// `netmeter analyze --json` and the REST API render a connection's TCP figures identically.
// Durations are ns (`...Ns`).
namespace tcp_json {

inline double percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * double(part) / double(whole);
}

template <typename W>
void average(W& w, std::string_view key, uint64_t sum, uint64_t count) {
  w.key(key);
  if (count == 0) w.null();
  else w.value(double(sum) / double(count));
}

template <typename W>
void nullableNs(W& w, std::string_view key, int64_t ns, bool present) {
  w.key(key);
  if (present) w.value(ns);
  else w.null();
}

template <typename W>
void writeSide(W& w, const TcpConnectionState& st, Direction dir, bool ipv6) {
  const TcpSideState& s = st.side[dir];
  const TcpSideCounters& c = s.counters;
  w.beginObject();
  w.key("mss");
  if (const auto mss = tcpEffectiveMss(s, ipv6))
    w.value(uint32_t{*mss});
  else
    w.null();
  w.field("mssAnnounced", s.mss != 0);
  w.key("windowScale");
  if (s.windowScale == kNoWindowScale) w.null();
  else w.value(uint32_t{s.windowScale});
  const uint8_t shift = tcpWindowShift(st, dir);
  const uint64_t limit = uint64_t{65535} << shift;
  w.field("windowSizeLimit", limit);
  w.key("minWindow");
  if (s.windowKnown) w.value(uint64_t{s.minWindow});
  else w.null();
  w.field("maxWindow", uint64_t{s.maxWindow});
  w.field("windowLimitUsagePercent", percent(s.maxWindow, limit));
  w.field("maxBytesInFlight", uint64_t{tcpMaxBytesInFlight(st, dir)});
  w.field("sackPermitted", s.sackPermitted);
  w.field("payloadBytes", c.payloadBytes);
  w.field("payloadSegments", uint64_t{c.payloadSegments});
  w.field("retransmittedBytes", c.retransmittedBytes);
  w.field("retransmittedSegments", uint64_t{c.retransmittedSegments});
  w.field("retransmissionPercent", percent(c.retransmittedBytes, c.payloadBytes));
  w.field("missedBytes", c.missedBytes);
  w.field("dupAcks", uint64_t{c.dupAcks});
  w.field("zeroWindows", uint64_t{c.zeroWindows});
  w.field("outOfOrder", uint64_t{c.outOfOrder});
  w.field("keepAlives", uint64_t{c.keepAlives});
  w.field("windowProbes", uint64_t{c.windowProbes});
  w.field("dataResponses", uint64_t{c.dataResponses});
  average(w, "dataResponseAvgNs", c.dataResponseNs, c.dataResponses);
  nullableNs(w, "dataResponseMaxNs", s.dataResponseMaxNs, c.dataResponses != 0);
  w.field("dataTransfers", uint64_t{c.dataTransfers});
  w.field("dataTransferNs", c.dataTransferNs);
  w.endObject();
}

}  // namespace tcp_json

// Writes the object (the caller writes its key). `c.tcp` must be set.
template <typename W>
void writeTcpConnectionObject(W& w, const Connection& c) {
  using namespace tcp_json;
  const TcpConnectionState& st = *c.tcp;
  w.beginObject();
  w.field("valid", st.valid());
  w.field("handshakeComplete", st.handshakeComplete());
  nullableNs(w, "handshakeNs", st.handshakeNs(), st.handshakeComplete());
  nullableNs(w, "handshakeServerNs", st.serverHandshakeNs(), st.handshakeComplete());
  nullableNs(w, "handshakeClientNs", st.clientHandshakeNs(), st.handshakeComplete());
  w.field("windowScaleKnown", tcpWindowScaleKnown(st));
  w.key("closedBy");
  if (st.closedBy > kServerToClient) w.null();
  else w.value(st.closedBy == kClientToServer ? "client" : "server");
  w.field("closedByRst", st.closedByRst);
  const TcpApplicationTimes& a = st.app;
  w.key("application");
  w.beginObject();
  w.field("transactions", uint64_t{a.transactions});
  average(w, "firstResponseAvgNs", a.firstResponseNs, a.transactions);
  nullableNs(w, "firstResponseMaxNs", a.firstResponseMaxNs, a.transactions != 0);
  w.field("requestResponses", uint64_t{a.requestResponses});
  average(w, "requestResponseAvgNs", a.requestResponseNs, a.requestResponses);
  nullableNs(w, "requestResponseMaxNs", a.requestResponseMaxNs, a.requestResponses != 0);
  w.endObject();
  const bool ipv6 = !c.clientIp.isV4();
  w.key("client");
  writeSide(w, st, kClientToServer, ipv6);
  w.key("server");
  writeSide(w, st, kServerToClient, ipv6);
  w.endObject();
}

}  // namespace netmeter
