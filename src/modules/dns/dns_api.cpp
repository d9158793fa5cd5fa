// REST routes of the DNS module (/API/stats/modules/dns): DNS servers with requests, replies, response
// times, reply codes and query types; the names resolved by DNS; an IP's DNS tab (ips/:ip/dns).
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "engine/shard.h"
#include "modules/app/host_names_api.h"
#include "modules/common/response_time_json.h"
#include "modules/dns/dns_parser.h"
#include "modules/module_routes.h"
#include "query/counters.h"
#include "query/json_out.h"
#include "query/path_params.h"
#include "query/record_list.h"
#include "query/seen_ip.h"

namespace netmeter {

namespace {

using query::JsonOut;
using query::TimeWindow;

const auto dnsServersOf = [](const Shard& s) -> const KeyedStats<IpAddress, DnsServerRecord>& {
  return s.modules().app.dns.servers();
};

// One DNS server object. Counters: [requests, replies, timed replies, their time sum in ns].
void writeDnsServer(JsonOut& j, const IpAddress& ip, const DnsServerRecord& r, const TimeWindow& w,
                    const std::vector<std::string>& names) {
  j.beginObject();
  j.field("ip", ip.toString());
  j.key("alternativeNames");
  j.beginArray();
  for (const std::string& n : names) j.value(n);
  j.endArray();
  query::writeTraffic(j, r, w);
  j.field("requests", r.counters.allTime()[0]);
  j.field("replies", r.counters.allTime()[1]);
  writeResponseTimeObject(j, "responseTime", r.responseTime);
  j.key("replyCodes");
  j.beginObject();
  for (uint8_t i = 0; i < 16; ++i)
    if (r.replyCodes[i]) j.field(dnsRcodeName(i), r.replyCodes[i]);
  j.endObject();
  j.key("queryTypes");
  j.beginObject();
  for (size_t i = 0; i < kDnsTypeSlots; ++i) {
    if (r.queryTypes[i] == 0) continue;
    j.field(i < kDnsCountedTypes.size() ? dnsTypeName(kDnsCountedTypes[i]) : std::string_view("other"),
            r.queryTypes[i]);
  }
  j.endObject();
  j.field("malformed", r.malformed);
  j.endObject();
}

double serverSortValue(const DnsServerRecord& r, std::string_view column, const TimeWindow& w) {
  const size_t k = column == "replies" ? 1 : 0;
  if (column == "requests" || column == "replies")
    return double(w.explicitInterval ? w.intervalSum(r.counters)[k] : r.counters.allTime()[k]);
  if (column == "responsetime") return r.responseTime.mean();
  if (column == "maxresponsetime") return double(r.responseTime.max);
  if (column == "errors") {
    uint64_t errors = 0;
    for (size_t i = 1; i < r.replyCodes.size(); ++i) errors += r.replyCodes[i];
    return double(errors);
  }
  if (column == "firstactivity") return double(r.firstActivity);
  if (column == "lastactivity") return double(r.lastActivity);
  return 0;  // "ip": by key
}

// A name resolved by DNS to an address (from the DNS modules' merged resolved names).
struct ResolvedName {
  std::string name;
  IpAddress ip;
  PacketTime lastSeen = 0;
};

std::vector<ResolvedName> resolvedNames(const Engine& engine, const IpAddress* only) {
  HostNameTable merged;
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) {
    const HostNameTable& resolved = s.modules().app.dns.resolvedNames();
    if (only == nullptr) {
      merged.mergeFrom(resolved, scratch);
    } else if (const HostNameRecord* r = resolved.find(*only)) {
      for (uint8_t i = 0; i < r->count; ++i)
        merged.learn(*only, r->names[i].name, NameSource::kDns, r->names[i].lastSeen, scratch);
    }
  });
  std::vector<ResolvedName> out;
  merged.forEach([&](const IpAddress& ip, const HostNameRecord& r) {
    for (uint8_t i = 0; i < r.count; ++i) out.push_back({r.names[i].name, ip, r.names[i].lastSeen});
  });
  return out;
}

void writeResolvedName(JsonOut& j, const ResolvedName& n) {
  j.beginObject();
  j.field("name", n.name);
  j.field("ip", n.ip.toString());
  j.timeField("lastSeen", n.lastSeen);
  j.endObject();
}

api::Response nameList(const query::QueryContext& ctx, const api::Request& req) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  static const std::vector<std::string_view> columns = {"name", "ip", "lastSeen"};
  auto params = query::parseListParams(req, columns, "name");
  if (!params) return params.errorResponse();
  if (params->csv) return api::badParameter("csv", "this list has no CSV form").toResponse();
  auto rowFilter = query::RowFilter::parse(params->filter);
  if (!rowFilter) return rowFilter.errorResponse();
  const query::RowFilter& filter = **rowFilter;
  if (filter.isExpression())
    return api::badParameter("filter", "this list takes a substring filter, not an expression").toResponse();
  auto names = resolvedNames(ctx.engine(), nullptr);
  std::erase_if(names, [&](const ResolvedName& n) {
    return !filter.empty() && !filter.containsText(n.name) && !filter.containsText(n.ip.toString());
  });
  const bool byIp = params->sort == "ip";
  const bool byTime = params->sort == "lastseen";
  auto less = [&](const ResolvedName& a, const ResolvedName& b) {
    if (byTime && a.lastSeen != b.lastSeen) return a.lastSeen < b.lastSeen;
    if (byIp && a.ip != b.ip) return a.ip < b.ip;
    return std::tie(a.name, a.ip) < std::tie(b.name, b.ip);
  };
  std::sort(names.begin(), names.end(), [&](const ResolvedName& a, const ResolvedName& b) {
    return params->reverse ? less(b, a) : less(a, b);
  });
  const size_t begin = std::min(names.size(), params->page * params->count);
  const size_t end = std::min(names.size(), begin + params->count);
  JsonOut j;
  query::beginPagedList(j, *params, names.size(), *window);
  for (size_t i = begin; i < end; ++i) writeResolvedName(j, names[i]);
  query::endPagedList(j);
  return api::Response::json(j.take());
}

}  // namespace

void registerDnsRoutes(api::Server& server, const query::QuerySource& source) {
  using api::Method;
  using api::Role;
  const std::string base = "/API/stats/modules/dns";
  server.route(Method::Get, base, Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    auto table = query::mergedSnapshot<IpAddress, DnsServerRecord>(ctx.engine(), dnsServersOf);
    uint64_t requests = 0, replies = 0;
    table->forEach([&](const IpAddress&, const DnsServerRecord& r) {
      requests += r.counters.allTime()[0];
      replies += r.counters.allTime()[1];
    });
    JsonOut j;
    j.beginObject();
    j.field("servers", uint64_t(table->size()));
    j.field("requests", requests);
    j.field("replies", replies);
    j.field("resolvedNames", uint64_t(resolvedNames(ctx.engine(), nullptr).size()));
    j.endObject();
    return api::Response::json(j.take());
  });
  server.route(Method::Get, base + "/servers", Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    const TimeWindow w = *window;
    const Engine& engine = ctx.engine();
    auto table = query::mergedSnapshot<IpAddress, DnsServerRecord>(engine, dnsServersOf);
    query::RecordListSpec<IpAddress, DnsServerRecord> spec;
    spec.columns = {"requests", "replies", "responseTime", "maxResponseTime", "errors", "ip", "firstActivity",
                    "lastActivity"};
    spec.sortValue = [w](const IpAddress&, const DnsServerRecord& r, std::string_view column) {
      return serverSortValue(r, column, w);
    };
    spec.text = [](const IpAddress& ip, const DnsServerRecord&) { return ip.toString(); };
    spec.writeRow = [w, &engine](JsonOut& j, const IpAddress& ip, const DnsServerRecord& r) {
      writeDnsServer(j, ip, r, w, alternativeNames(engine, ip));
    };
    return query::recordList(req, w, table, std::move(spec));
  });
  auto detail = [&source](const api::Request& req) -> api::Response {
    const query::QueryContext ctx = source.open();
    auto ip = query::ipParam(req);
    if (!ip) return ip.errorResponse();
    auto window = ctx.window(req, 100);
    if (!window) return window.errorResponse();
    auto r = query::mergedRecord<DnsServerRecord>(ctx.engine(), dnsServersOf, *ip);
    if (!r) return api::notFound("IP " + ip->toString() + " has not been seen as a DNS server").toResponse();
    JsonOut j;
    writeDnsServer(j, *ip, *r, *window, alternativeNames(ctx.engine(), *ip));
    return api::Response::json(j.take());
  };
  server.route(Method::Get, base + "/servers/:ip", Role::ReadOnly, detail);
  server.route(Method::Get, base + "/names", Role::ReadOnly,
               [&source](const api::Request& req) { return nameList(source.open(), req); });
  // The IP's DNS tab: its DNS server statistics (null when it answered none) and the names DNS
  // resolved to it; 404 for an address neither seen nor resolved.
  server.route(Method::Get, "/API/stats/modules/ip/ips/:ip/dns", Role::ReadOnly,
               [&source](const api::Request& req) -> api::Response {
                 const query::QueryContext ctx = source.open();
                 auto ip = query::ipParam(req);
                 if (!ip) return ip.errorResponse();
                 auto window = ctx.window(req, 100);
                 if (!window) return window.errorResponse();
                 const Engine& engine = ctx.engine();
                 auto r = query::mergedRecord<DnsServerRecord>(engine, dnsServersOf, *ip);
                 auto names = resolvedNames(engine, &*ip);
                 // An address DNS resolved names to has a tab even if no packet went to it.
                 if (!r && names.empty() && !query::ipSeen(engine, *ip))
                   return api::notFound("IP " + ip->toString() + " has not been seen, nor resolved by DNS")
                       .toResponse();
                 std::sort(names.begin(), names.end(),
                           [](const ResolvedName& a, const ResolvedName& b) { return a.name < b.name; });
                 JsonOut j;
                 j.beginObject();
                 j.field("ip", ip->toString());
                 j.key("server");
                 if (r) writeDnsServer(j, *ip, *r, *window, alternativeNames(engine, *ip));
                 else j.null();
                 j.key("resolvedNames");
                 j.beginArray();
                 for (const ResolvedName& n : names) writeResolvedName(j, n);
                 j.endArray();
                 j.endObject();
                 return api::Response::json(j.take());
               });
}

}  // namespace netmeter
