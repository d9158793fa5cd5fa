#include "report/json_report.h"

#include <algorithm>
#include <climits>
#include <optional>
#include <string>

#include "core/protocol_names.h"
#include "core/service_names.h"
#include "modules/mac/oui_database.h"
#include "modules/module_set.h"
#include "report/json_writer.h"
#include "report/l7_report.h"
#include "report/parallel_rows.h"
#include "report/report_json.h"
#include "report/tcp_json.h"
#include "report/tls_report.h"

namespace netmeter {

namespace {

void writeVlan(ReportJson& w, uint16_t vlan) {
  if (vlan == kNoVlan)
    w.null();
  else
    w.value(uint32_t{vlan});
}

void writeTrace(ReportJson& w, const Engine& engine, const ReportInput& in) {
  const TraceTotals t = engine.totals();
  w.key("trace");
  w.beginObject();
  w.key("files");
  w.beginArray();
  for (const auto& f : in.files) w.value(f);
  w.endArray();
  w.field("packets", t.packets);
  w.field("bytes", t.bytes);
  w.field("firstPacket", t.packets ? t.firstPacket : 0);
  w.field("lastPacket", t.packets ? t.lastPacket : 0);
  w.key("ipReassembly");
  w.beginObject();
  t.reassembly.forEachField([&](const char* name, uint64_t value) { w.field(name, value); });
  w.endObject();
  if (in.window) {
    w.field("starttime", in.window->fromSecond);
    w.field("endtime", in.window->toSecond);
  }
  w.key("errors");
  w.beginArray();
  for (const auto& e : in.errors) {
    w.beginObject();
    w.field("file", e.file);
    w.field("offset", e.offset);
    w.field("message", e.message);
    w.endObject();
  }
  w.endArray();
  w.endObject();
}

void writeEngine(ReportJson& w, const Engine& engine) {
  int64_t used = 0, retained = INT64_MIN;
  uint64_t evicted = 0, connections = 0;
  engine.forEachShard([&](const Shard& s) {
    used += s.memory().bytes;
    retained = std::max(retained, s.retainedFromSecond());
    evicted += s.evictedEntities();
    connections += s.flows().connectionsCreated();
  });
  w.key("engine");
  w.beginObject();
  w.field("threads", uint64_t{engine.workerCount()});
  w.field("memoryBudget", engine.options().memoryBytes);
  w.field("statisticsMemory", used);
  w.key("oldestAnswerableSecond");
  if (retained == INT64_MIN)
    w.null();
  else
    w.value(retained);
  w.field("evictedEntities", evicted);
  w.field("connectionsCreated", connections);
  w.endObject();
}

void writeGlobal(ReportJson& w, const GlobalModule& g) {
  w.key("global");
  w.beginObject();
  w.key("total");
  w.beginObject();
  writeActivity(w, g.total());
  w.endObject();
  const char* l3Names[] = {"ipv4", "ipv6", "nonIp"};
  w.key("layer3");
  w.beginObject();
  for (size_t i = 0; i < 3; ++i) {
    w.key(l3Names[i]);
    w.value(g.l3(static_cast<L3Class>(i)).counters.allTime());
  }
  w.endObject();
  w.key("layer4");
  w.beginArray();
  for (const auto& [proto, r] : sortedByKey(g.l4())) {
    w.beginObject();
    w.field("l4Protocol", uint32_t{proto});
    w.field("name", ipProtocolName(proto));
    writeActivity(w, *r);
    w.endObject();
  }
  w.endArray();
  w.key("ipv4Fragments");
  w.value(g.ipv4Fragments().counters.allTime());
  w.key("malformed");
  w.beginObject();
  for (size_t i = 1; i < static_cast<size_t>(MalformedReason::kCount); ++i) {
    const auto reason = static_cast<MalformedReason>(i);
    if (g.malformed(reason)) w.field(malformedReasonName(reason), g.malformed(reason));
  }
  w.endObject();
  w.endObject();
}

void writeInterfaces(ReportJson& w, const InterfaceModule& m, const ReportInput& in) {
  w.key("interfaces");
  w.beginArray();
  for (const auto& [id, r] : sortedByKey(m.table)) {
    w.beginObject();
    w.field("id", uint32_t{id});
    if (id < in.interfaces.size()) {
      w.field("name", in.interfaces[id].name);
      w.field("description", in.interfaces[id].description);
      w.field("linkType", uint32_t{in.interfaces[id].linkType});
    }
    writeActivity(w, *r);
    w.endObject();
  }
  w.endArray();
}

void writeMacs(ReportJson& w, const MacModule& m, const OuiDatabase* vendors) {
  w.key("macs");
  w.beginArray();
  for (const auto& [mac, r] : sortedByKey(m.table)) {
    w.beginObject();
    w.field("mac", mac.toString());
    w.field("vendor", vendors ? vendors->vendor(mac) : std::string_view());
    writeActivity(w, *r);
    w.key("ips");
    w.beginArray();
    for (const IpAddress& ip : r->ips) w.value(ip.toString());
    w.endArray();
    w.endObject();
  }
  w.endArray();
}

void writeMacProtocols(ReportJson& w, const MacProtocolModule& m) {
  w.key("macProtocols");
  w.beginArray();
  for (const auto& [type, r] : sortedByKey(m.table)) {
    w.beginObject();
    w.field("etherType", uint32_t{type});
    w.field("name", etherTypeName(type));
    writeActivity(w, *r);
    w.endObject();
  }
  w.endArray();
}

void writeVlans(ReportJson& w, const VlanModule& m) {
  w.key("vlans");
  w.beginArray();
  for (const auto& [id, r] : sortedByKey(m.table)) {
    w.beginObject();
    w.field("vlan", uint32_t{id});
    w.field("outer", r->seenOuter);
    w.field("inner", r->seenInner);
    writeActivity(w, *r);
    w.endObject();
  }
  w.endArray();
}

void writeIps(ReportJson& w, const IpModule& m, const HostNameTable& names) {
  w.key("ips");
  w.beginArray();
  const auto ips = sortedByKey(m.ips());
  writeRowsInParallel(w, ips.size(), [&](ReportJson& j, size_t row) {
    const auto& [ip, r] = ips[row];
    j.beginObject();
    j.field("ip", ip.toString());
    writeAlternativeNames(j, names, ip);
    writeActivity(j, *r, 4);
    const auto& all = r->counters.allTime();
    j.field("tcpPackets", all[4]);
    j.field("udpPackets", all[5]);
    j.field("peers", r->peers);
    j.key("ttl");
    if (r->ttlCount) {
      j.beginObject();
      j.field("min", uint32_t{r->ttlMin});
      j.field("max", uint32_t{r->ttlMax});
      j.field("avg", double(r->ttlSum) / double(r->ttlCount));
      j.endObject();
    } else {
      j.null();
    }
    j.key("mtu");
    j.beginObject();
    j.field("rx", r->mtuReceived);
    j.field("tx", r->mtuSent);
    j.endObject();
    j.field("connectionsAsClient", r->connectionsAsClient);
    j.field("connectionsAsServer", r->connectionsAsServer);
    j.key("lastNewConnection");
    if (r->lastNewConnection == INT64_MIN)
      j.null();
    else
      j.value(r->lastNewConnection);
    j.key("macs");
    j.beginArray();
    for (const MacAddress& mac : r->macs) j.value(mac.toString());
    j.endArray();
    j.key("vlans");
    j.beginArray();
    for (uint16_t v : r->vlans) writeVlan(j, v);
    j.endArray();
    j.key("interfaces");
    j.beginArray();
    for (uint32_t i = 0; i < 64; ++i)
      if (r->interfaceMask & (uint64_t{1} << i)) j.value(i);
    j.endArray();
    j.endObject();
  });
  w.endArray();

  w.key("ipPairs");
  w.beginArray();
  const auto pairs = sortedByKey(m.pairs());
  writeRowsInParallel(w, pairs.size(), [&](ReportJson& j, size_t row) {
    const auto& [key, r] = pairs[row];
    j.beginObject();
    j.field("ipA", key.a.toString());
    j.field("ipB", key.b.toString());
    writeActivity(j, *r);
    j.endObject();
  });
  w.endArray();
}

void writeMpls(ReportJson& w, const DirectionAttributes& d) {
  w.beginArray();
  for (size_t i = 0; i < std::min<size_t>(d.mplsCount, kMaxMplsLabels); ++i) w.value(d.mplsLabels[i]);
  w.endArray();
}

void writeDirection(ReportJson& w, const DirectionAttributes& d) {
  w.beginObject();
  w.field("mtu", d.mtu);
  w.key("dscp");
  if (d.dscp == 0xff)
    w.null();
  else
    w.value(uint32_t{d.dscp});
  w.key("vlanPcp");
  if (d.vlanPcp == kVlanNone)
    w.null();
  else
    w.value(uint32_t{d.vlanPcp});
  w.key("mplsTc");
  if (d.mplsTc == kVlanNone)
    w.null();
  else
    w.value(uint32_t{d.mplsTc});
  w.field("qosChanged", d.qosChanged);
  w.key("mplsLabels");
  writeMpls(w, d);
  w.field("mplsChanged", d.mplsChanged);
  w.field("syn", uint32_t{d.syn});
  w.field("synAck", uint32_t{d.synAck});
  w.field("fin", uint32_t{d.fin});
  w.field("rst", uint32_t{d.rst});
  w.endObject();
}

void writeConnection(ReportJson& w, const Connection* c) {
  w.beginObject();
  w.field("clientIp", c->clientIp.toString());
  w.field("clientPort", uint32_t{c->clientPort});
  w.field("serverIp", c->serverIp.toString());
  w.field("serverPort", uint32_t{c->serverPort});
  w.field("l4Protocol", uint32_t{c->l4Protocol});
  w.field("l4ProtocolName", ipProtocolName(c->l4Protocol));
  writeConnectionL7(w, *c);
  writeConnectionTls(w, *c);
  w.key("allTime");
  w.value(c->traffic.allTime());
  writeWindow(w, c->traffic, 4);
  w.field("start", c->start);
  w.field("lastActivity", c->lastActivity);
  w.field("duration", c->duration());
  w.field("termination", terminationReasonName(c->termination));
  w.key("outerVlan");
  writeVlan(w, c->outerVlan);
  w.key("innerVlan");
  writeVlan(w, c->innerVlan);
  w.key("pppoeSessionId");
  if (c->hasPppoe)
    w.value(uint32_t{c->pppoeSessionId});
  else
    w.null();
  w.field("pppoeChanged", c->pppoeChanged);
  w.key("interfaces");
  w.beginArray();
  for (uint32_t i = 0; i < 64; ++i)
    if (c->interfaceMask & (uint64_t{1} << i)) w.value(i);
  w.endArray();
  w.key("client");
  writeDirection(w, c->dir[kClientToServer]);
  w.key("server");
  writeDirection(w, c->dir[kServerToClient]);
  if (c->tcp) writeTcpConnectionJson(w, *c);
  w.endObject();
}

// Connections, sorted by start time, then by key: the start is copied next to each pointer, so that
// only connections that started in the same nanosecond are read while sorting.
void writeConnections(ReportJson& w, const Engine& engine) {
  std::vector<std::pair<int64_t, const Connection*>> all;
  engine.forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) { all.emplace_back(c.start, &c); });
  });
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
    if (x.first != y.first) return x.first < y.first;
    const Connection *a = x.second, *b = y.second;
    return std::tie(a->clientIp, a->clientPort, a->serverIp, a->serverPort, a->l4Protocol, a->outerVlan) <
           std::tie(b->clientIp, b->clientPort, b->serverIp, b->serverPort, b->l4Protocol, b->outerVlan);
  });
  w.key("connections");
  w.beginArray();
  writeRowsInParallel(w, all.size(), [&](ReportJson& out, size_t i) { writeConnection(out, all[i].second); });
  w.endArray();
}

void writeL4Ports(ReportJson& w, const L4PortModule& m) {
  w.key("l4Ports");
  w.beginArray();
  std::vector<std::pair<uint32_t, const L4PortRecord*>> rows;
  m.table.forEach([&](const L4PortKey& k, const L4PortRecord& r) {
    rows.emplace_back((uint32_t{k.l4Protocol} << 16) | k.port, &r);
  });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, r] : rows) {
    w.beginObject();
    w.field("l4Protocol", key >> 16);
    w.field("l4ProtocolName", ipProtocolName(uint8_t(key >> 16)));
    w.field("port", key & 0xffff);
    w.field("service", usualServiceName(uint8_t(key >> 16), uint16_t(key & 0xffff)));
    writeActivity(w, *r);
    w.field("connections", r->connections);
    w.endObject();
  }
  w.endArray();
}

void writePacketSizes(ReportJson& w, const PacketSizeModule& m) {
  w.key("packetSizes");
  w.beginArray();
  for (size_t i = 0; i < kPacketSizeBins.size(); ++i) {
    w.beginObject();
    w.field("min", kPacketSizeBins[i].min);
    w.key("max");
    if (kPacketSizeBins[i].max == UINT32_MAX)
      w.null();
    else
      w.value(kPacketSizeBins[i].max);
    writeActivity(w, m.bins[i]);
    w.endObject();
  }
  w.endArray();
}

void writeQos(ReportJson& w, const QosModule& m) {
  static constexpr const char* kKinds[] = {"ipDscp", "vlanPcp", "mplsTc"};
  std::vector<std::pair<uint32_t, const TrafficRecord<2>*>> rows;
  m.table.forEach([&](const QosKey& k, const TrafficRecord<2>& r) {
    rows.emplace_back((static_cast<uint32_t>(k.kind) << 8) | k.value, &r);
  });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  w.key("qos");
  w.beginArray();
  for (const auto& [key, r] : rows) {
    const auto kind = static_cast<QosKind>(key >> 8);
    const uint8_t value = uint8_t(key & 0xff);
    w.beginObject();
    w.field("kind", kKinds[static_cast<size_t>(kind)]);
    w.field("value", uint32_t{value});
    if (kind == QosKind::kIpDscp) w.field("name", dscpName(value));
    writeActivity(w, *r);
    w.endObject();
  }
  w.endArray();
}

}  // namespace

void writeJsonReport(const Engine& engine, const ModuleSet& merged, const ReportInput& input,
                     std::FILE* out) {
  ReportJson w(out, input.window, input.renderThreads, input.renderBlockRows);
  w.beginObject();
  writeTrace(w, engine, input);
  writeEngine(w, engine);
  w.field("processingSeconds", input.wallSeconds);
  writeGlobal(w, merged.global);
  writeInterfaces(w, merged.interfaces, input);
  writeMacs(w, merged.mac, input.vendors);
  writeMacProtocols(w, merged.macProtocols);
  writeVlans(w, merged.vlan);
  writeIps(w, merged.ip, merged.app.names);
  writeConnections(w, engine);
  writeL4Ports(w, merged.l4Ports);
  writePacketSizes(w, merged.packetSize);
  writeQos(w, merged.qos);
  writeL7Modules(w, merged);
  writeTcpModuleJson(w, merged.tcp);
  writeTlsModules(w, merged);
  w.endObject();
  w.flush();
  std::fputc('\n', out);
}

}  // namespace netmeter
