#include "report/tcp_json.h"

#include <algorithm>
#include <vector>

#include "modules/tcp/tcp_analyzer.h"

namespace netmeter {

namespace {

constexpr const char* kTcpStatNames[kTcpStatCount] = {
    "payloadBytes",           "payloadSegments",         "retransmittedBytes",
    "retransmittedSegments",  "missedBytes",             "dupAcks",
    "zeroWindows",            "outOfOrder",              "dataResponses",
    "dataResponseNs",         "dataTransfers",           "dataTransferNs",
    "handshakesAsClient",     "handshakeNsAsClient",     "handshakesAsServer",
    "handshakeNsAsServer",    "transactionsAsServer",    "firstResponseNsAsServer",
    "requestResponsesAsServer", "requestResponseNsAsServer"};

void average(JsonWriter& w, std::string_view key, uint64_t sum, uint64_t count) {
  w.key(key);
  if (count == 0) w.null();
  else w.value(double(sum) / double(count));
}

void nullableNs(JsonWriter& w, std::string_view key, int64_t ns, bool present) {
  w.key(key);
  if (present) w.value(ns);
  else w.null();
}

double percent(uint64_t part, uint64_t whole) { return whole == 0 ? 0.0 : 100.0 * double(part) / double(whole); }

void writeSide(JsonWriter& w, const TcpConnectionState& st, Direction dir, bool ipv6) {
  const TcpSideState& s = st.side[dir];
  const TcpSideCounters& c = s.counters;
  w.beginObject();
  w.field("mss", uint32_t{tcpEffectiveMss(s, ipv6)});
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
  w.field("maxBytesInFlight", uint64_t{s.maxBytesInFlight});
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

void writeRole(JsonWriter& w, const TcpIpRecord& r, bool asClient) {
  const auto& all = r.counters.allTime();
  const TcpExtremes& x = r.extremes;
  const uint64_t connections = asClient ? r.connectionsAsClient : r.connectionsAsServer;
  const uint64_t valid = asClient ? r.validAsClient : r.validAsServer;
  const uint64_t handshakes = all[asClient ? kTcpHandshakesAsClient : kTcpHandshakesAsServer];
  w.beginObject();
  w.field("connections", connections);
  w.field("validConnections", valid);
  w.field("invalidConnections", connections - std::min(valid, connections));
  w.field("handshakes", handshakes);
  average(w, "handshakeAvgNs", all[asClient ? kTcpHandshakeNsAsClient : kTcpHandshakeNsAsServer], handshakes);
  nullableNs(w, "handshakeMinNs", asClient ? x.handshakeMinNsAsClient : x.handshakeMinNsAsServer, handshakes != 0);
  nullableNs(w, "handshakeMaxNs", asClient ? x.handshakeMaxNsAsClient : x.handshakeMaxNsAsServer, handshakes != 0);
  if (!asClient) {
    w.field("transactions", all[kTcpTransactionsAsServer]);
    average(w, "firstResponseAvgNs", all[kTcpFirstResponseNsAsServer], all[kTcpTransactionsAsServer]);
    nullableNs(w, "firstResponseMaxNs", x.firstResponseMaxNsAsServer, all[kTcpTransactionsAsServer] != 0);
    w.field("requestResponses", all[kTcpRequestResponsesAsServer]);
    average(w, "requestResponseAvgNs", all[kTcpRequestResponseNsAsServer], all[kTcpRequestResponsesAsServer]);
    nullableNs(w, "requestResponseMaxNs", x.requestResponseMaxNsAsServer, all[kTcpRequestResponsesAsServer] != 0);
  }
  w.endObject();
}

}  // namespace

void writeTcpConnectionJson(ReportJson& w, const Connection& c) {
  const TcpConnectionState& st = *c.tcp;
  w.key("tcp");
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

void writeTcpStatsFields(ReportJson& w, const TcpIpRecord& r) {
  const auto& all = r.counters.allTime();
  w.key("allTime");
  w.value(all);
  writeWindow(w, r.counters, kTcpStatCount);
  w.field("firstActivity", r.firstActivity);
  w.field("lastActivity", r.lastActivity);
  w.key("asClient");
  writeRole(w, r, true);
  w.key("asServer");
  writeRole(w, r, false);
  w.field("payloadBytes", all[kTcpPayloadBytes]);
  w.field("retransmittedBytes", all[kTcpRetransmittedBytes]);
  w.field("retransmittedSegments", all[kTcpRetransmittedSegments]);
  w.field("retransmissionPercent", percent(all[kTcpRetransmittedBytes], all[kTcpPayloadBytes]));
  w.field("missedBytes", all[kTcpMissedBytes]);
  w.field("dupAcks", all[kTcpDupAcks]);
  w.field("zeroWindows", all[kTcpZeroWindows]);
  w.field("outOfOrder", all[kTcpOutOfOrder]);
  w.field("dataResponses", all[kTcpDataResponses]);
  average(w, "dataResponseAvgNs", all[kTcpDataResponseNs], all[kTcpDataResponses]);
  nullableNs(w, "dataResponseMaxNs", r.extremes.dataResponseMaxNs, all[kTcpDataResponses] != 0);
  w.field("dataTransfers", all[kTcpDataTransfers]);
  average(w, "dataTransferAvgNs", all[kTcpDataTransferNs], all[kTcpDataTransfers]);
}

void writeTcpModuleJson(ReportJson& w, const TcpModule& m) {
  w.key("tcp");
  w.beginObject();
  w.key("counters");
  w.beginArray();
  for (const char* name : kTcpStatNames) w.value(name);
  w.endArray();
  w.key("global");
  w.beginObject();
  writeTcpStatsFields(w, m.global());
  w.endObject();

  std::vector<std::pair<IpAddress, const TcpIpRecord*>> ips;
  m.ips().forEach([&](const IpAddress& ip, const TcpIpRecord& r) { ips.emplace_back(ip, &r); });
  std::sort(ips.begin(), ips.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  w.key("ips");
  w.beginArray();
  for (const auto& [ip, r] : ips) {
    w.beginObject();
    w.field("ip", ip.toString());
    writeTcpStatsFields(w, *r);
    w.endObject();
  }
  w.endArray();

  std::vector<std::pair<TcpServerPortKey, const TcpServerPortRecord*>> ports;
  m.serverPorts().forEach(
      [&](const TcpServerPortKey& k, const TcpServerPortRecord& r) { ports.emplace_back(k, &r); });
  std::sort(ports.begin(), ports.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  w.key("serverPorts");
  w.beginArray();
  for (const auto& [key, r] : ports) {
    w.beginObject();
    w.field("ip", key.ip.toString());
    w.field("port", uint32_t{key.port});
    w.field("connections", r->connections);
    w.field("firstConnection", r->firstActivity);
    w.field("lastConnection", r->lastActivity);
    w.endObject();
  }
  w.endArray();
  w.endObject();
}

}  // namespace netmeter
