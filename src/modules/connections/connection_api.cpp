#include "modules/connections/connection_api.h"

#include <cinttypes>

#include "core/protocol_names.h"
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

}  // namespace

const std::vector<std::string_view>& connectionSortColumns() {
  static const std::vector<std::string_view> columns = {
      "bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets", "bps", "rxbps", "txbps", "pps",
      "rxpps", "txpps", "start", "lastActivity", "duration", "clientPort", "serverPort", "l4Protocol",
      "client", "server"};
  return columns;
}

double connectionSortValue(const Connection& c, std::string_view column, const query::TimeWindow& w) {
  if (auto metric = query::trafficMetric(column)) return query::metricValue(c.traffic, *metric, w);
  if (column == "start") return double(c.start);
  if (column == "lastactivity") return double(c.lastActivity);
  if (column == "duration") return double(c.duration());
  if (column == "clientport") return c.clientPort;
  if (column == "serverport") return c.serverPort;
  if (column == "l4protocol") return c.l4Protocol;
  // Address columns: IPv4 numerically, then IPv6 by their leading 64 bits (approximately: doubles).
  const IpAddress& ip = column == "client" ? c.clientIp : c.serverIp;
  if (ip.isV4()) return double(ip.v4HostOrder());
  return 4294967296.0 + double(__builtin_bswap64(ip.high()));
}

void writeConnection(query::JsonOut& j, const Connection& c, const query::TimeWindow& w) {
  j.beginObject();
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
  j.endObject();
}

std::string connectionCsvHeader() {
  return "clientIp,clientPort,serverIp,serverPort,l4Protocol,start_us,lastActivity_us,duration_us,termination,"
         "outerVlan,innerVlan,allTime_rxPackets,allTime_rxBytes,allTime_txPackets,allTime_txBytes,"
         "interval_rxPackets,interval_rxBytes,interval_txPackets,interval_txBytes\r\n";
}

void appendConnectionCsv(std::string& out, const Connection& c, const query::TimeWindow& w) {
  char buf[512];
  const auto& a = c.traffic.allTime();
  const auto i = c.traffic.sum(w.fromSecond, w.toSecond);
  auto vlan = [](uint16_t v) { return v == kNoVlan ? std::string() : std::to_string(v); };
  const int n = std::snprintf(
      buf, sizeof buf,
      "%s,%u,%s,%u,%.*s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%.*s,%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
      ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\r\n",
      c.clientIp.toString().c_str(), unsigned{c.clientPort}, c.serverIp.toString().c_str(), unsigned{c.serverPort},
      int(ipProtocolName(c.l4Protocol).size()), ipProtocolName(c.l4Protocol).data(), c.start / 1000,
      c.lastActivity / 1000, c.duration() / 1000, int(terminationReasonName(c.termination).size()),
      terminationReasonName(c.termination).data(), vlan(c.outerVlan).c_str(), vlan(c.innerVlan).c_str(), a[0], a[1],
      a[2], a[3], i[0], i[1], i[2], i[3]);
  out.append(buf, size_t(std::max(0, std::min(n, int(sizeof buf) - 1))));
}

void registerConnectionRoutes(api::Server& server, const query::QuerySource& source) {
  auto all = [](const Connection&) { return true; };
  server.route(api::Method::Get, "/API/stats/modules/ip/globalConnections", api::Role::ReadOnly,
               [&source, all](const api::Request& req) { return connectionList(source.open(), req, all, "connections.csv"); });
  server.route(api::Method::Get, "/API/stats/modules/ip/globalConnections/csv", api::Role::ReadOnly,
               [&source, all](const api::Request& req) { return connectionList(source.open(), req, all, "connections.csv"); });
}

}  // namespace netmeter
