#include "report/tcp_json.h"

#include <algorithm>
#include <vector>

#include "core/service_names.h"
#include "modules/tcp/tcp_analyzer.h"
#include "modules/tcp/tcp_connection_json.h"
#include "report/parallel_rows.h"

namespace netmeter {

namespace {

void average(JsonWriter& w, std::string_view key, uint64_t sum, uint64_t count) {
  w.key(key);
  if (count == 0)
    w.null();
  else
    w.value(double(sum) / double(count));
}

void nullableNs(JsonWriter& w, std::string_view key, int64_t ns, bool present) {
  w.key(key);
  if (present)
    w.value(ns);
  else
    w.null();
}

double percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * double(part) / double(whole);
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
  nullableNs(w, "handshakeMinNs", asClient ? x.handshakeMinNsAsClient : x.handshakeMinNsAsServer,
             handshakes != 0);
  nullableNs(w, "handshakeMaxNs", asClient ? x.handshakeMaxNsAsClient : x.handshakeMaxNsAsServer,
             handshakes != 0);
  if (!asClient) {
    w.field("transactions", all[kTcpTransactionsAsServer]);
    average(w, "firstResponseAvgNs", all[kTcpFirstResponseNsAsServer], all[kTcpTransactionsAsServer]);
    nullableNs(w, "firstResponseMaxNs", x.firstResponseMaxNsAsServer, all[kTcpTransactionsAsServer] != 0);
    w.field("requestResponses", all[kTcpRequestResponsesAsServer]);
    average(w, "requestResponseAvgNs", all[kTcpRequestResponseNsAsServer], all[kTcpRequestResponsesAsServer]);
    nullableNs(w, "requestResponseMaxNs", x.requestResponseMaxNsAsServer,
               all[kTcpRequestResponsesAsServer] != 0);
  }
  w.endObject();
}

}  // namespace

void writeTcpConnectionJson(ReportJson& w, const Connection& c) {
  w.key("tcp");
  writeTcpConnectionObject(w, c);
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
  writeRowsInParallel(w, ips.size(), [&](ReportJson& j, size_t row) {
    const auto& [ip, r] = ips[row];
    j.beginObject();
    j.field("ip", ip.toString());
    writeTcpStatsFields(j, *r);
    j.endObject();
  });
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
    w.field("service", usualServiceName(6, key.port));
    w.field("connections", r->connections);
    w.field("firstConnection", r->firstActivity);
    w.field("lastConnection", r->lastActivity);
    w.endObject();
  }
  w.endArray();
  w.endObject();
}

}  // namespace netmeter
