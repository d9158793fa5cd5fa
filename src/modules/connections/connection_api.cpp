#include "modules/connections/connection_api.h"

#include <cinttypes>

#include <charconv>
#include <cstdlib>

#include "core/protocol_names.h"
#include "engine/shard.h"
#include "modules/app/connection_app_json.h"
#include "modules/app/host_names_api.h"
#include "modules/tcp/tcp_connection_json.h"
#include "query/counters.h"

namespace netmeter {

namespace {

void writeDirection(query::JsonOut& j, const DirectionAttributes& d) {
  j.beginObject();
  j.field("mtu", d.mtu);
  j.key("dscp");
  if (d.dscp == 0xff) j.null();
  else j.value(uint32_t{d.dscp});
  j.key("vlanPcp");
  if (d.vlanPcp == kVlanNone) j.null();
  else j.value(uint32_t{d.vlanPcp});
  j.key("mplsTc");
  if (d.mplsTc == kVlanNone) j.null();
  else j.value(uint32_t{d.mplsTc});
  j.field("qosChanged", d.qosChanged);
  j.key("mplsLabels");
  j.beginArray();
  for (size_t i = 0; i < std::min<size_t>(d.mplsCount, kMaxMplsLabels); ++i) j.value(d.mplsLabels[i]);
  j.endArray();
  j.field("mplsChanged", d.mplsChanged);
  j.field("syn", uint32_t{d.syn});
  j.field("synAck", uint32_t{d.synAck});
  j.field("fin", uint32_t{d.fin});
  j.field("rst", uint32_t{d.rst});
  j.endObject();
}

void writeVlan(query::JsonOut& j, uint16_t vlan) {
  if (vlan == kNoVlan) j.null();
  else j.value(uint32_t{vlan});
}

void writeScore(query::JsonOut& j, std::string_view key, std::optional<uint32_t> score) {
  j.key(key);
  if (score) j.value(*score);
  else j.null();
}

}  // namespace

std::string connectionIdText(const ConnectionRef& ref) {
  return std::to_string(ref.shard) + "-" + std::to_string(ref.slot) + "-" + std::to_string(ref.id);
}

std::optional<ConnectionRef> parseConnectionId(std::string_view text) {
  uint64_t parts[3] = {0, 0, 0};
  const char* p = text.data();
  const char* const end = text.data() + text.size();
  for (size_t i = 0; i < 3; ++i) {
    if (i > 0) {
      if (p == end || *p != '-') return std::nullopt;
      ++p;
    }
    if (p == end || *p < '0' || *p > '9') return std::nullopt;  // from_chars would take a sign
    auto [next, ec] = std::from_chars(p, end, parts[i]);
    if (ec != std::errc()) return std::nullopt;  // overflow
    p = next;
  }
  if (p != end || parts[0] > UINT32_MAX || parts[1] > UINT32_MAX) return std::nullopt;
  return ConnectionRef{uint32_t(parts[0]), uint32_t(parts[1]), parts[2]};
}

api::Expected<ConnectionRef> connectionIdParam(const api::Request& req) {
  if (auto ref = parseConnectionId(req.param("id"))) return *ref;
  return api::badParameter("id",
                           "'" + std::string(req.param("id")) + "' is not a connection id (<worker>-<slot>-<serial>)");
}

api::ApiError connectionNotKnown(const ConnectionRef& ref) {
  return api::notFound("connection " + connectionIdText(ref) + " is not (or no longer) known");
}

const std::vector<std::string_view>& connectionSortColumns() {
  static const std::vector<std::string_view> columns = {
      "bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets", "bps", "rxbps", "txbps", "pps",
      "rxpps", "txpps", "start", "lastActivity", "duration", "clientPort", "serverPort", "l4Protocol",
      "client", "server", "handshake", "dataResponseTime", "retransmissions", "retransmissionPercent",
      "dupAcks", "missedBytes", "zeroWindows", "outOfOrder", "l7ResponseTime", "l7ResponseScore",
      "l7ServerScore"};
  return columns;
}

namespace {

// TCP sort values (both directions; -1 for non-TCP connections or missing figures, so they sort first).
double tcpSortValue(const Connection& c, std::string_view column) {
  if (!c.tcp) return -1;
  const TcpConnectionState& st = *c.tcp;
  const TcpSideCounters& a = st.side[kClientToServer].counters;
  const TcpSideCounters& b = st.side[kServerToClient].counters;
  if (column == "handshake") return st.handshakeComplete() ? double(st.handshakeNs()) : -1;
  if (column == "dataresponsetime")
    return double(std::max(st.side[kClientToServer].dataResponseMaxNs, st.side[kServerToClient].dataResponseMaxNs));
  if (column == "retransmissions") return double(a.retransmittedBytes + b.retransmittedBytes);
  if (column == "retransmissionpercent")
    return tcp_json::percent(a.retransmittedBytes + b.retransmittedBytes, a.payloadBytes + b.payloadBytes);
  if (column == "dupacks") return double(a.dupAcks + b.dupAcks);
  if (column == "missedbytes") return double(a.missedBytes + b.missedBytes);
  if (column == "zerowindows") return double(a.zeroWindows + b.zeroWindows);
  if (column == "outoforder") return double(a.outOfOrder + b.outOfOrder);
  return -1;
}

}  // namespace

double connectionSortValue(const Connection& c, std::string_view column, const query::TimeWindow& w,
                           const L7ResponseScores* scores) {
  if (auto metric = query::trafficMetric(column)) return query::metricValue(c.traffic, *metric, w);
  if (column == "start") return double(c.start);
  if (column == "lastactivity") return double(c.lastActivity);
  if (column == "duration") return double(c.duration());
  if (column == "clientport") return c.clientPort;
  if (column == "serverport") return c.serverPort;
  if (column == "l4protocol") return c.l4Protocol;
  if (column == "l7responsetime") return double(connectionL7ResponseTime(c));
  if (column == "l7responsescore" || column == "l7serverscore") {
    if (!scores) return -1;
    const L7ConnectionScores s = scores->of(c);
    const std::optional<uint32_t> v = column == "l7responsescore" ? s.response : s.server;
    return v ? double(*v) : -1;
  }
  if (column != "client" && column != "server") return tcpSortValue(c, column);
  // Address columns: IPv4 numerically, then IPv6 by their leading 64 bits (approximately: doubles).
  const IpAddress& ip = column == "client" ? c.clientIp : c.serverIp;
  if (ip.isV4()) return double(ip.v4HostOrder());
  return 4294967296.0 + double(__builtin_bswap64(ip.high()));
}

void writeConnection(query::JsonOut& j, const ConnectionRef& ref, const Connection& c, const query::TimeWindow& w,
                     const L7ResponseScores& scores, const ConnectionNames* names) {
  j.beginObject();
  j.field("id", connectionIdText(ref));
  j.field("clientIp", c.clientIp.toString());
  j.field("clientPort", uint32_t{c.clientPort});
  j.field("serverIp", c.serverIp.toString());
  j.field("serverPort", uint32_t{c.serverPort});
  j.field("l4Protocol", uint32_t{c.l4Protocol});
  j.field("l4ProtocolName", ipProtocolName(c.l4Protocol));
  query::writeCounters(j, c.traffic, w);
  j.timeField("start", c.start);
  j.timeField("lastActivity", c.lastActivity);
  j.field("duration", int64_t(c.duration() / 1000));
  j.field("termination", terminationReasonName(c.termination));
  j.key("outerVlan");
  writeVlan(j, c.outerVlan);
  j.key("innerVlan");
  writeVlan(j, c.innerVlan);
  j.key("pppoeSessionId");
  if (c.hasPppoe) j.value(uint32_t{c.pppoeSessionId});
  else j.null();
  j.key("interfaces");
  j.beginArray();
  for (uint32_t i = 0; i < 64; ++i)
    if (c.interfaceMask & (uint64_t{1} << i)) j.value(i);
  j.endArray();
  j.key("client");
  writeDirection(j, c.dir[kClientToServer]);
  j.key("server");
  writeDirection(j, c.dir[kServerToClient]);
  j.field("serverName", connectionServerName(c));
  app_json::optionalNs(j, "l7ResponseTime", connectionL7ResponseTime(c));
  const L7ConnectionScores score = scores.of(c);
  writeScore(j, "l7ResponseScore", score.response);
  writeScore(j, "l7ServerScore", score.server);
  writeConnectionL7Fields(j, c);  // l7Protocol, dns, http
  writeConnectionTlsFields(j, c);
  j.key("tcp");
  if (c.tcp) writeTcpConnectionObject(j, c);
  else j.null();
  if (names) {
    j.key("clientAlternativeNames");
    j.beginArray();
    for (const std::string& n : names->client) j.value(n);
    j.endArray();
    j.key("serverAlternativeNames");
    j.beginArray();
    for (const std::string& n : names->server) j.value(n);
    j.endArray();
  }
  j.endObject();
}

std::string connectionCsvHeader() {
  std::string h =
      "clientIp,clientPort,serverIp,serverPort,l4Protocol,start_us,lastActivity_us,duration_us,termination,"
      "outerVlan,innerVlan,allTime_rxPackets,allTime_rxBytes,allTime_txPackets,allTime_txBytes,"
      "interval_rxPackets,interval_rxBytes,interval_txPackets,interval_txBytes,id,l7Protocol,serverName,metadata,"
      "l7ResponseTime_ns,l7ResponseScore,l7ServerScore,tlsNegotiatedVersion,tlsNegotiatedCipherSuite,tlsAlert,"
      "tlsAlertLevel,tcpValid,tcpHandshake_ns";
  for (const char* side : {"client", "server"}) {
    for (const char* column :
         {"Mtu", "Syn", "SynAck", "Fin", "Rst", "TcpMss", "TcpMinWindow", "TcpMaxWindow", "TcpWindowSizeLimit",
          "TcpWindowLimitUsagePercent", "TcpMaxBytesInFlight", "TcpPayloadBytes", "TcpRetransmittedBytes",
          "TcpRetransmissionPercent", "TcpDupAcks", "TcpMissedBytes", "TcpZeroWindows", "TcpOutOfOrder",
          "TcpDataResponseAvg_ns", "TcpDataResponseMax_ns"}) {
      h += ',';
      h += side;
      h += column;
    }
  }
  return h + "\r\n";
}

namespace {

// The reference's "Meta data" column: the last HTTP request and its status, the DNS question, or the
// STARTTLS protocol ("smtp STARTTLS" once upgraded, else "smtp").
std::string connectionMetadata(const Connection& c) {
  if (const auto* transactions = HttpModule::transactions(c); transactions && !transactions->empty()) {
    const HttpTransaction& t = transactions->back();
    std::string out = t.method + " " + t.host + t.url;
    if (t.status) out += " -> " + std::to_string(t.status);
    return out;
  }
  DnsModule::Query query;
  if (DnsModule::lastQuery(c, query)) return std::string(query.name);
  if (const auto starttls = StartTlsModule::status(c)) {
    std::string out(startTlsProtocolName(starttls->protocol));
    if (starttls->upgraded) out += " STARTTLS";
    return out;
  }
  return {};
}

void appendSideCsv(std::string& line, const Connection& c, Direction d) {
  auto num = [&](auto v) {
    line += ',';
    line += std::to_string(v);
  };
  auto empty = [&] { line += ','; };
  const DirectionAttributes& a = c.dir[d];
  num(a.mtu);
  num(unsigned{a.syn});
  num(unsigned{a.synAck});
  num(unsigned{a.fin});
  num(unsigned{a.rst});
  if (!c.tcp) {
    for (int i = 0; i < 15; ++i) empty();
    return;
  }
  const TcpConnectionState& st = *c.tcp;
  const TcpSideState& side = st.side[d];
  const TcpSideCounters& k = side.counters;
  const uint64_t limit = uint64_t{65535} << tcpWindowShift(st, d);
  if (const auto mss = tcpEffectiveMss(side, !c.clientIp.isV4()))
    num(*mss);
  else
    empty();
  if (side.windowKnown) num(side.minWindow);
  else empty();
  num(side.maxWindow);
  num(limit);
  num(tcp_json::percent(side.maxWindow, limit));
  num(tcpMaxBytesInFlight(st, d));
  num(k.payloadBytes);
  num(k.retransmittedBytes);
  num(tcp_json::percent(k.retransmittedBytes, k.payloadBytes));
  num(k.dupAcks);
  num(k.missedBytes);
  num(k.zeroWindows);
  num(k.outOfOrder);
  if (k.dataResponses) {
    num(k.dataResponseNs / k.dataResponses);
    num(side.dataResponseMaxNs);
  } else {
    empty();
    empty();
  }
}

}  // namespace

void appendConnectionCsv(std::string& out, const ConnectionRef& ref, const Connection& c, const query::TimeWindow& w,
                         const L7ResponseScores& scores) {
  char buf[512];
  const auto& a = c.traffic.allTime();
  const auto i = w.intervalSum(c.traffic);
  auto vlan = [](uint16_t v) { return v == kNoVlan ? std::string() : std::to_string(v); };
  const int n = std::snprintf(
      buf, sizeof buf,
      "%s,%u,%s,%u,%.*s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%.*s,%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
      ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
      c.clientIp.toString().c_str(), unsigned{c.clientPort}, c.serverIp.toString().c_str(), unsigned{c.serverPort},
      int(ipProtocolName(c.l4Protocol).size()), ipProtocolName(c.l4Protocol).data(), c.start / 1000,
      c.lastActivity / 1000, c.duration() / 1000, int(terminationReasonName(c.termination).size()),
      terminationReasonName(c.termination).data(), vlan(c.outerVlan).c_str(), vlan(c.innerVlan).c_str(), a[0], a[1],
      a[2], a[3], i[0], i[1], i[2], i[3]);
  std::string line(buf, size_t(std::max(0, std::min(n, int(sizeof buf) - 1))));
  line += ',';
  line += connectionIdText(ref);
  line += ',';
  query::appendCsvField(line, l7DisplayName(c.app.l7));
  line += ',';
  query::appendCsvField(line, connectionServerName(c));
  line += ',';
  query::appendCsvField(line, connectionMetadata(c));
  line += ',';
  if (const PacketTime t = connectionL7ResponseTime(c); t >= 0) line += std::to_string(t);
  const L7ConnectionScores score = scores.of(c);
  line += ',';
  if (score.response) line += std::to_string(*score.response);
  line += ',';
  if (score.server) line += std::to_string(*score.server);
  const tls::TlsConnectionInfo* t = TlsModule::connectionInfo(c);
  line += ',';
  if (t && t->hasServerHello) query::appendCsvField(line, tls::versionText(t->negotiatedVersion));
  line += ',';
  if (t && t->hasServerHello) query::appendCsvField(line, tls::cipherText(t->negotiatedCipher));
  line += ',';
  if (t && t->alerts) query::appendCsvField(line, tls::alertDescriptionText(t->alertDescription));
  line += ',';
  if (t && t->alerts) query::appendCsvField(line, tls::alertLevelName(t->alertLevel));
  line += ',';
  if (c.tcp) line += c.tcp->valid() ? "true" : "false";
  line += ',';
  if (c.tcp && c.tcp->handshakeComplete()) line += std::to_string(c.tcp->handshakeNs());
  appendSideCsv(line, c, kClientToServer);
  appendSideCsv(line, c, kServerToClient);
  out += line;
  out += "\r\n";
}

void registerConnectionRoutes(api::Server& server, const query::QuerySource& source) {
  auto all = [](const Connection&) { return true; };
  server.route(api::Method::Get, "/API/stats/modules/ip/globalConnections", api::Role::ReadOnly,
               [&source, all](const api::Request& req) { return connectionList(source.open(), req, all, "connections.csv"); });
  server.route(api::Method::Get, "/API/stats/modules/ip/globalConnections/csv", api::Role::ReadOnly,
               [&source, all](const api::Request& req) { return connectionList(source.open(), req, all, "connections.csv"); });
  // One connection by the id the lists return: everything known about it, with history.
  server.route(api::Method::Get, "/API/stats/modules/ip/connections/:id", api::Role::ReadOnly,
               [&source](const api::Request& req) -> api::Response {
                 const query::QueryContext ctx = source.open();
                 const auto ref = connectionIdParam(req);
                 if (!ref) return ref.errorResponse();
                 auto window = ctx.window(req, 100);
                 if (!window) return window.errorResponse();
                 const Engine& engine = ctx.engine();
                 // The endpoints first: their names (and the servers' response times for the scores)
                 // are merged over every shard, which must not happen under the lock of the
                 // connection's shard.
                 std::pair<IpAddress, IpAddress> endpoints;
                 if (!withConnection(engine, *ref, [&](const Connection& c) { endpoints = {c.clientIp, c.serverIp}; }))
                   return connectionNotKnown(*ref).toResponse();
                 ConnectionNames names{alternativeNames(engine, endpoints.first),
                                       alternativeNames(engine, endpoints.second)};
                 const L7ResponseScores scores = L7ResponseScores::build(engine, &endpoints.second);
                 query::JsonOut j;
                 if (!withConnection(engine, *ref, [&](const Connection& c) {
                       writeConnection(j, *ref, c, *window, scores, &names);
                     }))
                   return connectionNotKnown(*ref).toResponse();
                 return api::Response::json(j.take());
               });
}

}  // namespace netmeter
