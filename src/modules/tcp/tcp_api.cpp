// REST routes of the TCP module: per-IP TCP statistics (the reference's "TCP statistics" tab) and the
// global TCP overview with the open TCP server ports.
#include <algorithm>
#include <string>
#include <vector>

#include "core/service_names.h"
#include "engine/shard.h"
#include "modules/module_routes.h"
#include "query/counters.h"
#include "query/json_out.h"
#include "query/query_context.h"

namespace netmeter {

namespace {

using query::JsonOut;
using query::TimeWindow;

const auto tcpIpsOf = [](const Shard& s) -> const KeyedStats<IpAddress, TcpIpRecord>& {
  return s.modules().tcp.ips();
};

void average(JsonOut& j, std::string_view key, uint64_t sum, uint64_t count) {
  j.key(key);
  if (count == 0)
    j.null();
  else
    j.value(double(sum) / double(count));
}

void role(JsonOut& j, const TcpIpRecord& r, bool asClient) {
  const auto& all = r.counters.allTime();
  const TcpExtremes& x = r.extremes;
  const uint64_t connections = asClient ? r.connectionsAsClient : r.connectionsAsServer;
  const uint64_t valid = asClient ? r.validAsClient : r.validAsServer;
  const uint64_t handshakes = all[asClient ? kTcpHandshakesAsClient : kTcpHandshakesAsServer];
  j.beginObject();
  j.field("connections", connections);
  j.field("validConnections", valid);
  j.field("invalidConnections", connections - std::min(valid, connections));
  j.field("handshakes", handshakes);
  average(j, "handshakeAvgNs", all[asClient ? kTcpHandshakeNsAsClient : kTcpHandshakeNsAsServer], handshakes);
  j.key("handshakeMinNs");
  if (handshakes)
    j.value(asClient ? x.handshakeMinNsAsClient : x.handshakeMinNsAsServer);
  else
    j.null();
  j.key("handshakeMaxNs");
  if (handshakes)
    j.value(asClient ? x.handshakeMaxNsAsClient : x.handshakeMaxNsAsServer);
  else
    j.null();
  if (!asClient) {
    j.field("transactions", all[kTcpTransactionsAsServer]);
    average(j, "firstResponseAvgNs", all[kTcpFirstResponseNsAsServer], all[kTcpTransactionsAsServer]);
    j.field("requestResponses", all[kTcpRequestResponsesAsServer]);
    average(j, "requestResponseAvgNs", all[kTcpRequestResponseNsAsServer], all[kTcpRequestResponsesAsServer]);
  }
  j.endObject();
}

// Counters (allTime/interval/history of the 20 TcpStat counters, named in "counters") plus summaries.
void writeTcpStats(JsonOut& j, const TcpIpRecord& r, const TimeWindow& w) {
  j.key("counters");
  j.beginArray();
  for (const char* n : kTcpStatNames) j.value(n);
  j.endArray();
  query::writeTraffic(j, r, w);
  const auto& all = r.counters.allTime();
  j.key("asClient");
  role(j, r, true);
  j.key("asServer");
  role(j, r, false);
  j.field("payloadBytes", all[kTcpPayloadBytes]);
  j.field("retransmittedBytes", all[kTcpRetransmittedBytes]);
  j.field("retransmissionPercent",
          all[kTcpPayloadBytes] ? 100.0 * double(all[kTcpRetransmittedBytes]) / double(all[kTcpPayloadBytes])
                                : 0.0);
  j.field("missedBytes", all[kTcpMissedBytes]);
  j.field("dupAcks", all[kTcpDupAcks]);
  j.field("zeroWindows", all[kTcpZeroWindows]);
  j.field("outOfOrder", all[kTcpOutOfOrder]);
  average(j, "dataResponseAvgNs", all[kTcpDataResponseNs], all[kTcpDataResponses]);
}

}  // namespace

void registerTcpRoutes(api::Server& server, const query::QuerySource& source) {
  using api::Method;
  using api::Role;
  server.route(
      Method::Get, "/API/stats/modules/ip/ips/:ip/tcpStats", Role::ReadOnly,
      [&source](const api::Request& req) -> api::Response {
        const query::QueryContext ctx = source.open();
        auto ip = IpAddress::parse(req.param("ip"));
        if (!ip)
          return api::badParameter("ip",
                                   "'" + std::string(req.param("ip")) + "' is not an IPv4 or IPv6 address")
              .toResponse();
        auto window = ctx.window(req, 100);
        if (!window) return window.errorResponse();
        auto r = query::mergedRecord<TcpIpRecord>(ctx.engine(), tcpIpsOf, *ip);
        if (!r) {
          // An IP without TCP traffic (UDP only, ICMP) has zero TCP statistics, as the other
          // per-IP analyses answer for it; 404 is for addresses never seen.
          bool seen = false;
          ctx.engine().forEachShard([&](const Shard& s) { seen = seen || s.modules().ip.ips().find(*ip); });
          if (!seen) return api::notFound("IP " + ip->toString() + " has not been seen").toResponse();
          r.emplace();
        }
        JsonOut j;
        j.beginObject();
        j.field("ip", ip->toString());
        writeTcpStats(j, *r, *window);
        j.endObject();
        return api::Response::json(j.take());
      });
  server.route(Method::Get, "/API/stats/modules/tcp", Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 100);
    if (!window) return window.errorResponse();
    TcpIpRecord global;
    std::vector<std::pair<TcpServerPortKey, TcpServerPortRecord>> ports;
    MemoryAccount scratch;
    ctx.engine().forEachShard([&](const Shard& s) {
      global.mergeFrom(s.modules().tcp.global(), scratch);
      s.modules().tcp.serverPorts().forEach(
          [&](const TcpServerPortKey& k, const TcpServerPortRecord& r) { ports.emplace_back(k, r); });
    });
    std::sort(ports.begin(), ports.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    JsonOut j;
    j.beginObject();
    writeTcpStats(j, global, *window);
    j.key("serverPorts");
    j.beginArray();
    for (size_t i = 0; i < ports.size();) {  // a port may be split over shards: merge equal keys
      TcpServerPortRecord merged = ports[i].second;
      size_t k = i + 1;
      for (; k < ports.size() && ports[k].first == ports[i].first; ++k)
        merged.mergeFrom(ports[k].second, scratch);
      j.beginObject();
      j.field("ip", ports[i].first.ip.toString());
      j.field("port", uint32_t{ports[i].first.port});
      j.field("service", usualServiceName(6, ports[i].first.port));
      j.field("connections", merged.connections);
      j.timeField("firstConnection", merged.firstActivity);
      j.timeField("lastConnection", merged.lastActivity);
      j.endObject();
      i = k;
    }
    j.endArray();
    j.endObject();
    global.release(scratch);
    return api::Response::json(j.take());
  });
}

}  // namespace netmeter
