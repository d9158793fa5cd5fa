// REST routes of the TCP module: per-IP TCP statistics (the reference's "TCP statistics" tab), the
// global TCP overview with the open TCP server ports, and a connection's TCP flow chart.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/indexed_open.h"
#include "core/service_names.h"
#include "engine/analysis.h"
#include "engine/shard.h"
#include "modules/connections/connection_api.h"
#include "modules/module_routes.h"
#include "modules/tcp/tcp_flow_chart.h"
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

// The verdicts a segment can carry, by their API names (per segment and summed per side).
constexpr std::pair<bool TcpSegmentVerdict::*, const char*> kMarks[] = {
    {&TcpSegmentVerdict::retransmission, "retransmission"},
    {&TcpSegmentVerdict::outOfOrder, "outOfOrder"},
    {&TcpSegmentVerdict::dupAck, "dupAck"},
    {&TcpSegmentVerdict::zeroWindow, "zeroWindow"},
    {&TcpSegmentVerdict::keepAlive, "keepAlive"},
    {&TcpSegmentVerdict::windowProbe, "windowProbe"},
    {&TcpSegmentVerdict::gap, "gap"}};

// The chart's marks of one side, summed (with a complete chart: the connection's own counters).
void writeSideMarks(JsonOut& j, const TcpFlowChart& chart, Direction dir) {
  std::array<uint64_t, std::size(kMarks)> counts{};
  for (const TcpFlowRow& r : chart.rows)
    if (r.dir == dir)
      for (size_t m = 0; m < std::size(kMarks); ++m) counts[m] += r.verdict.*kMarks[m].first;
  j.key(dir == kClientToServer ? "client" : "server");
  j.beginObject();
  for (size_t m = 0; m < std::size(kMarks); ++m) j.field(kMarks[m].second, counts[m]);
  j.endObject();
}

void writeFlowChart(JsonOut& j, const std::string& id, const TcpFlowChart& chart) {
  const TcpFlowTarget& t = chart.target;
  j.beginObject();
  j.field("id", id);
  j.key("client").beginObject();
  j.field("ip", t.clientIp.toString()).field("port", uint32_t{t.clientPort});
  j.endObject();
  j.key("server").beginObject();
  j.field("ip", t.serverIp.toString()).field("port", uint32_t{t.serverPort});
  j.endObject();
  j.timeField("start", t.start);
  j.timeField("lastActivity", t.lastActivity);
  j.field("connectionPackets", t.packets);
  j.field("firstPacket", chart.firstRow);
  j.field("complete", chart.complete());
  j.field("truncated", chart.truncated);
  const bool scaleKnown = tcpWindowScaleKnown(chart.state);
  j.field("windowScaleKnown", scaleKnown);
  for (Direction d : {kClientToServer, kServerToClient}) {
    j.key(d == kClientToServer ? "clientWindowShift" : "serverWindowShift");
    if (scaleKnown)
      j.value(uint64_t{tcpWindowShift(chart.state, d)});
    else
      j.null();
  }
  if (chart.readError) j.field("error", chart.error.toString());
  j.key("marks").beginObject();
  writeSideMarks(j, chart, kClientToServer);
  writeSideMarks(j, chart, kServerToClient);
  j.endObject();
  j.key("segments").beginArray();
  for (const TcpFlowRow& r : chart.rows) {
    j.beginObject();
    j.timeField("time", r.time);
    j.field("offsetNs", int64_t(r.time - t.start));
    j.field("from", r.dir == kClientToServer ? "client" : "server");
    j.field("wireLength", uint64_t{r.wireLength});
    if (!r.analyzed) {  // an IP fragment piece or a damaged TCP header: no TCP fields of its own
      j.field(r.fragment ? "ipFragment" : "damaged", true);
      j.endObject();
      continue;
    }
    j.field("flags", tcpFlagNames(r.flags));
    j.field("seq", uint64_t{chart.relativeSeq(r)});
    j.key("ack");
    if (r.flags & tcpflag::kAck)
      j.value(uint64_t{chart.relativeAck(r)});
    else
      j.null();
    j.field("rawSeq", uint64_t{r.seq});
    j.key("rawAck");
    if (r.flags & tcpflag::kAck)
      j.value(uint64_t{r.ack});
    else
      j.null();
    j.field("len", uint64_t{r.payloadLength});
    j.field("window", uint64_t{chart.window(r)});
    j.key("marks").beginArray();
    for (const auto& [member, name] : kMarks)
      if (r.verdict.*member) j.value(std::string_view(name));
    j.endArray();
    j.endObject();
  }
  j.endArray();
  j.endObject();
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
  // A connection's TCP flow chart, read again from the analysed files (tcp_flow_chart.h).
  server.route(
      Method::Get, "/API/stats/modules/ip/connections/:id/tcpFlowChart", Role::ReadOnly,
      [&source](const api::Request& req) -> api::Response {
        const query::QueryContext ctx = source.open();
        const auto ref = connectionIdParam(req);
        if (!ref) return ref.errorResponse();
        auto maxPackets = api::intParam(req, "maxPackets", 1, 100000, 2000);
        if (!maxPackets) return maxPackets.errorResponse();
        auto firstPacket = api::intParam(req, "firstPacket", 0, INT64_MAX, 0);
        if (!firstPacket) return firstPacket.errorResponse();
        // The chart has no time window, but its parameters are checked as on every statistics route.
        if (auto window = ctx.window(req, 100); !window) return window.errorResponse();
        const Engine& engine = ctx.engine();
        TcpFlowTarget target;
        bool tcp = false;
        if (!withConnection(engine, *ref, [&](const Connection& c) {
              target = TcpFlowTarget::of(c);
              tcp = c.l4Protocol == ipproto::kTcp;
            }))
          return connectionNotKnown(*ref).toResponse();
        const std::string id = connectionIdText(*ref);
        if (!tcp) return api::badParameter("id", "id " + id + " is not a TCP connection").toResponse();
        auto opened =
            capture::openIndexed(ctx.analysis.inputNames(), &ctx.analysis.timeIndex(), target.start);
        if (!opened.source)
          return api::errorResponse(500, "cannot open the capture files: " + opened.error.toString());
        TcpFlowOptions options;
        options.maxRows = size_t(*maxPackets);
        options.firstRow = uint64_t(*firstPacket);
        options.reassembly = {engine.options().ipReassemblyBytes, engine.options().ipReassemblyTimeout};
        const TcpFlowChart chart = readTcpFlowChart(*opened.source, target, options);
        JsonOut j;
        writeFlowChart(j, id, chart);
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
