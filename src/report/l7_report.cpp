#include "report/l7_report.h"

#include "modules/app/connection_app_json.h"
#include "modules/common/response_time_json.h"
#include "modules/dns/dns_parser.h"
#include "report/parallel_rows.h"

namespace netmeter {

namespace {

void writeL7Protocols(ReportJson& w, const DpiModule& m) {
  w.key("l7Protocols");
  w.beginArray();
  for (const auto& [id, r] : sortedByKey(m.protocols())) {
    w.beginObject();
    w.field("protocol", uint32_t{id});
    w.field("name", l7ProtocolName(id));
    writeActivity(w, *r);
    w.field("connections", r->connections);
    w.endObject();
  }
  w.endArray();
  w.key("l7Ips");
  w.beginArray();
  std::vector<std::pair<std::pair<IpAddress, uint16_t>, const DpiIpRecord*>> rows;
  m.ips().forEach([&](const DpiIpKey& k, const DpiIpRecord& r) { rows.push_back({{k.ip, k.protocol}, &r}); });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  writeRowsInParallel(w, rows.size(), [&](ReportJson& j, size_t row) {
    const auto& [key, r] = rows[row];
    j.beginObject();
    j.field("ip", key.first.toString());
    j.field("protocol", uint32_t{key.second});
    j.field("name", l7ProtocolName(key.second));
    writeActivity(j, *r);
    j.field("connections", r->connections);
    j.endObject();
  });
  w.endArray();
}

void writeDnsServers(ReportJson& w, const DnsModule& m) {
  w.key("dnsServers");
  w.beginArray();
  for (const auto& [ip, r] : sortedByKey(m.servers())) {
    w.beginObject();
    w.field("ip", ip.toString());
    writeActivity(w, *r);  // [requests, replies, timed replies, their time sum]
    writeResponseTimeObject(w, "responseTime", r->responseTime);
    w.key("replyCodes");
    w.beginObject();
    for (uint8_t i = 0; i < 16; ++i)
      if (r->replyCodes[i]) w.field(dnsRcodeName(i), r->replyCodes[i]);
    w.endObject();
    w.key("queryTypes");
    w.beginObject();
    for (size_t i = 0; i < kDnsTypeSlots; ++i) {
      if (r->queryTypes[i] == 0) continue;
      w.field(i < kDnsCountedTypes.size() ? dnsTypeName(kDnsCountedTypes[i]) : std::string_view("other"),
              r->queryTypes[i]);
    }
    w.endObject();
    w.field("malformed", r->malformed);
    w.endObject();
  }
  w.endArray();
}

void writeHttpServers(ReportJson& w, const HttpModule& m) {
  static constexpr std::string_view kFamilies[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
  w.key("httpServers");
  w.beginArray();
  for (const auto& [ip, r] : sortedByKey(m.servers())) {
    w.beginObject();
    w.field("ip", ip.toString());
    writeActivity(w, *r);  // [requests, responses, timed responses, their time sum]
    w.key("hostNames");
    w.beginArray();
    for (uint8_t i = 0; i < r->hostNames.count; ++i) w.value(r->hostNames.names[i].name);
    w.endArray();
    writeResponseTimeObject(w, "responseTime", r->responseTime);
    w.key("statusFamilies");
    w.beginObject();
    for (size_t i = 0; i < r->statusFamilies.size(); ++i) w.field(kFamilies[i], r->statusFamilies[i]);
    w.endObject();
    w.field("lastUrl", r->lastUrl);
    w.endObject();
  }
  w.endArray();
}

// `key`: per IP its names, newest first.
void writeHostNames(ReportJson& w, std::string_view key, const HostNameTable& names) {
  w.key(key);
  w.beginArray();
  std::vector<std::pair<IpAddress, const HostNameRecord*>> rows;
  names.forEach([&](const IpAddress& ip, const HostNameRecord& r) { rows.emplace_back(ip, &r); });
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  writeRowsInParallel(w, rows.size(), [&](ReportJson& j, size_t row) {
    const auto& [ip, r] = rows[row];
    j.beginObject();
    j.field("ip", ip.toString());
    j.key("names");
    j.beginArray();
    for (uint8_t i = 0; i < r->count; ++i) {
      j.beginObject();
      j.field("name", r->names[i].name);
      j.field("source", nameSourceName(r->names[i].source));
      j.field("lastSeen", r->names[i].lastSeen);
      j.endObject();
    }
    j.endArray();
    j.endObject();
  });
  w.endArray();
}

}  // namespace

void writeConnectionL7(ReportJson& w, const Connection& c) {
  app_json::optionalNs(w, "l7ResponseTime", connectionL7ResponseTime(c));
  writeConnectionL7Fields(w, c);
}

void writeAlternativeNames(ReportJson& w, const HostNameTable& names, const IpAddress& ip) {
  w.key("alternativeNames");
  w.beginArray();
  if (const HostNameRecord* r = names.find(ip)) {
    std::vector<const HostName*> sorted;
    for (uint8_t i = 0; i < r->count; ++i) sorted.push_back(&r->names[i]);
    std::sort(sorted.begin(), sorted.end(), [](const HostName* a, const HostName* b) {
      return std::tie(b->lastSeen, a->name) < std::tie(a->lastSeen, b->name);
    });
    for (const HostName* n : sorted) w.value(n->name);
  }
  w.endArray();
}

void writeL7Modules(ReportJson& w, const ModuleSet& m) {
  writeL7Protocols(w, m.dpi);
  writeDnsServers(w, m.app.dns);
  writeHttpServers(w, m.app.http);
  writeHostNames(w, "hostNames", m.app.names);
  writeHostNames(w, "dnsResolvedNames", m.app.dns.resolvedNames());
}

}  // namespace netmeter
