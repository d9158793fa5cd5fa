// REST routes of the DPI module (/API/stats/modules/dpi): L7 protocols (nDPI) with traffic, history and
// the IPs that use them; and an IP's L7 protocols (ips/:ip/protocols).
#include "modules/dpi/dpi_api.h"

#include <cctype>
#include <string>
#include <vector>

#include "engine/shard.h"
#include "modules/app/host_names_api.h"
#include "modules/dpi/ndpi_classifier.h"
#include "modules/module_routes.h"
#include "query/counters.h"
#include "query/json_out.h"
#include "query/json_rows_csv.h"
#include "query/record_list.h"

namespace netmeter {

namespace {

using query::JsonOut;
using query::TimeWindow;

const auto protocolsOf = [](const Shard& s) -> const KeyedStats<uint16_t, DpiProtocolRecord>& {
  return s.modules().dpi.protocols();
};
const auto dpiIpsOf = [](const Shard& s) -> const KeyedStats<DpiIpKey, DpiIpRecord>& { return s.modules().dpi.ips(); };

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// `:protocol`: an nDPI protocol id or name (case-insensitive; "unclassified" is 0).
api::Expected<uint16_t> protocolParam(const api::Request& req) {
  const std::string_view text = req.param("protocol");
  const auto& names = ndpiProtocolNames();
  if (!text.empty() && text.size() <= 5 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const unsigned long id = std::stoul(std::string(text));
    if (id < names.size()) return uint16_t(id);
  }
  if (equalsIgnoreCase(text, "unclassified")) return uint16_t{0};
  for (size_t id = 1; id < names.size(); ++id)
    if (equalsIgnoreCase(text, names[id])) return uint16_t(id);
  return api::badParameter("protocol", "'" + std::string(text) + "' is not an nDPI protocol name or id");
}

// Sort values shared by the protocol and per-IP lists: traffic columns, name, connections, times.
template <typename Record>
double sortValue(const Record& r, uint16_t protocol, std::string_view column, const TimeWindow& w) {
  if (auto m = query::trafficMetric(column)) return query::metricValue(r.counters, *m, w);
  if (column == "connections") return double(r.connections);
  if (column == "firstactivity") return double(r.firstActivity);
  if (column == "lastactivity") return double(r.lastActivity);
  if (column == "protocol") return double(protocol);
  return 0;  // "name": ordered by key below
}

const std::vector<std::string_view> kColumns = {
    "bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets", "bps", "rxbps", "txbps", "pps", "rxpps",
    "txpps", "name", "protocol", "connections", "firstActivity", "lastActivity"};

// Protocol rows are ordered by name when sorted by name: ranks are the position in name order.
double nameRank(uint16_t protocol) {
  static const std::vector<uint32_t> ranks = [] {
    const auto& names = ndpiProtocolNames();
    std::vector<uint16_t> ids(names.size());
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = uint16_t(i);
    std::sort(ids.begin(), ids.end(), [](uint16_t a, uint16_t b) {
      return l7ProtocolName(a) < l7ProtocolName(b) || (l7ProtocolName(a) == l7ProtocolName(b) && a < b);
    });
    std::vector<uint32_t> out(names.size());
    for (size_t i = 0; i < ids.size(); ++i) out[ids[i]] = uint32_t(i);
    return out;
  }();
  return protocol < ranks.size() ? double(ranks[protocol]) : double(protocol);
}

template <typename Record>
void writeProtocolRow(JsonOut& j, uint16_t protocol, const Record& r, const TimeWindow& w) {
  j.beginObject();
  j.field("protocol", uint32_t{protocol});
  j.field("name", l7ProtocolName(protocol));
  j.field("connections", r.connections);
  query::writeTraffic(j, r, w);
  j.endObject();
}

template <typename Record>
query::RecordListSpec<uint16_t, Record> protocolListSpec(const TimeWindow& w) {
  query::RecordListSpec<uint16_t, Record> spec;
  spec.columns = kColumns;
  spec.sortValue = [w](const uint16_t& p, const Record& r, std::string_view column) {
    return column == "name" ? nameRank(p) : sortValue(r, p, column, w);
  };
  spec.text = [](const uint16_t& p, const Record&) { return std::string(l7ProtocolName(p)); };
  spec.writeRow = [w](JsonOut& j, const uint16_t& p, const Record& r) { writeProtocolRow(j, p, r, w); };
  return spec;
}

// The IPs using one protocol (each IP's part may be spread over shards).
api::Response protocolIpList(const query::QueryContext& ctx, const api::Request& req, uint16_t protocol) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  static const std::vector<std::string_view> columns = {
      "bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets", "bps", "rxbps", "txbps", "pps",
      "rxpps", "txpps", "ip", "connections", "firstActivity", "lastActivity"};
  auto params = query::parseListParams(req, columns, "bytes");
  if (!params) return params.errorResponse();
  auto rowFilter = query::RowFilter::parse(params->filter);
  if (!rowFilter) return rowFilter.errorResponse();
  query::RowFilter& filter = **rowFilter;
  const TimeWindow& w = *window;
  const Engine& engine = ctx.engine();
  const auto named = ipsNamed(engine, filter);
  const query::Combine combine = params->sort == "firstactivity" ? query::Combine::kMin
                                 : params->sort == "lastactivity" ? query::Combine::kMax
                                                                  : query::Combine::kSum;
  query::RankCollector<IpAddress> collector(engine.workerCount(), combine);
  std::string text;
  engine.forEachShard([&](const Shard& s) {
    s.modules().dpi.ips().forEach([&](const DpiIpKey& k, const DpiIpRecord& r) {
      if (k.protocol != protocol) return;
      if (filter.isExpression()) {
        if (!filter.matches(filter::IpRow{k.ip})) return;
      } else if (!filter.empty()) {
        text = k.ip.toString();
        if (!filter.containsText(text) && !named.contains(k.ip)) return;
      }
      collector.add(k.ip, params->sort == "ip" ? 0.0 : sortValue(r, protocol, params->sort, w));
    });
  });
  auto rows = collector.take();
  auto writeRow = [&](JsonOut& j, const IpAddress& ip) {
    auto r = query::mergedRecord<DpiIpRecord>(engine, dpiIpsOf, DpiIpKey{ip, protocol});
    if (!r) return;
    j.beginObject();
    j.field("ip", ip.toString());
    writeAlternativeNames(j, engine, ip);
    j.field("connections", r->connections);
    query::writeTraffic(j, *r, w);
    j.endObject();
  };
  return query::pageOrCsv(rows, *params, w, "protocol_ips.csv", writeRow);
}

}  // namespace

api::Response ipL7ProtocolList(const query::QueryContext& ctx, const api::Request& req, const IpAddress& ip) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  auto table = std::make_shared<KeyedStats<uint16_t, DpiIpRecord>>();
  MemoryAccount scratch;
  const size_t protocols = ndpiProtocolNames().size();
  ctx.engine().forEachShard([&](const Shard& s) {
    const auto& ips = s.modules().dpi.ips();
    if (ips.size() == 0) return;
    for (size_t p = 0; p < protocols; ++p)
      if (const DpiIpRecord* r = ips.find(DpiIpKey{ip, uint16_t(p)}))
        table->findOrCreate(uint16_t(p), scratch).mergeFrom(*r, scratch);
  });
  return query::recordList<uint16_t, DpiIpRecord>(req, *window, table, protocolListSpec<DpiIpRecord>(*window));
}

void registerDpiRoutes(api::Server& server, const query::QuerySource& source) {
  using api::Method;
  using api::Role;
  const std::string base = "/API/stats/modules/dpi";
  server.route(Method::Get, base, Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    size_t pending = 0;
    ctx.engine().forEachShard([&](const Shard& s) { pending += s.modules().dpi.pendingConnections(); });
    auto table = query::mergedSnapshot<uint16_t, DpiProtocolRecord>(ctx.engine(), protocolsOf);
    uint64_t classified = 0, unclassified = 0;
    table->forEach([&](const uint16_t& p, const DpiProtocolRecord& r) {
      (p == 0 ? unclassified : classified) += r.connections;
    });
    JsonOut j;
    j.beginObject();
    j.field("protocols", uint64_t(table->size()));
    j.field("classifiedConnections", classified);
    j.field("unclassifiedConnections", unclassified);
    j.field("pendingConnections", uint64_t(pending));
    j.field("supportedProtocols", uint64_t(ndpiProtocolNames().size()));
    j.endObject();
    return api::Response::json(j.take());
  });
  server.route(Method::Get, base + "/protocols", Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    auto table = query::mergedSnapshot<uint16_t, DpiProtocolRecord>(ctx.engine(), protocolsOf);
    return query::recordList<uint16_t, DpiProtocolRecord>(req, *window, table,
                                                          protocolListSpec<DpiProtocolRecord>(*window));
  });
  server.route(Method::Get, base + "/protocols/:protocol", Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto protocol = protocolParam(req);
    if (!protocol) return protocol.errorResponse();
    auto window = ctx.window(req, 100);
    if (!window) return window.errorResponse();
    auto r = query::mergedRecord<DpiProtocolRecord>(ctx.engine(), protocolsOf, *protocol);
    if (!r)
      return api::notFound("L7 protocol " + std::string(l7ProtocolName(*protocol)) + " has not been seen").toResponse();
    JsonOut j;
    writeProtocolRow(j, *protocol, *r, *window);
    return api::Response::json(j.take());
  });
  server.route(Method::Get, base + "/protocols/:protocol/ips", Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto protocol = protocolParam(req);
    if (!protocol) return protocol.errorResponse();
    // 404 for a protocol never seen, as protocols/:protocol answers.
    if (!query::mergedRecord<DpiProtocolRecord>(ctx.engine(), protocolsOf, *protocol))
      return api::notFound("L7 protocol " + std::string(l7ProtocolName(*protocol)) + " has not been seen")
          .toResponse();
    return protocolIpList(ctx, req, *protocol);
  });
}

}  // namespace netmeter
