#include "modules/mac/mac_module.h"
#include "modules/mac/oui_database.h"
#include "modules/module_routes.h"
#include "query/counters.h"
#include "query/json_rows_csv.h"
#include "query/list_query.h"

namespace netmeter {

namespace {

using query::JsonOut;
using query::TimeWindow;

const auto macsOf = [](const Shard& s) -> const KeyedStats<MacAddress, MacRecord>& { return s.modules().mac.table; };

void writeMac(JsonOut& j, const MacAddress& mac, const MacRecord& r, const TimeWindow& w, const OuiDatabase* vendors) {
  j.beginObject();
  j.field("mac", mac.toString());
  j.field("vendor", vendors ? vendors->vendor(mac) : std::string_view());
  query::writeTraffic(j, r, w);
  j.key("ips");
  j.beginArray();
  for (const IpAddress& ip : r.ips) j.value(ip.toString());
  j.endArray();
  j.endObject();
}

api::Response macList(const query::QueryContext& ctx, const api::Request& req) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  static const std::vector<std::string_view> columns = {
      "bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets", "bps", "rxbps", "txbps",
      "pps",   "rxpps",   "txpps",   "mac",     "vendor",    "firstActivity", "lastActivity"};
  auto params = query::parseListParams(req, columns, "bytes");
  if (!params) return params.errorResponse();
  auto rowFilter = query::RowFilter::parse(params->filter);
  if (!rowFilter) return rowFilter.errorResponse();
  const TimeWindow& w = *window;
  query::RowFilter& filter = **rowFilter;
  const auto metric = query::trafficMetric(params->sort);
  const query::Combine combine = params->sort == "firstactivity" ? query::Combine::kMin
                                 : params->sort == "lastactivity" ? query::Combine::kMax
                                                                  : query::Combine::kSum;
  size_t expected = 0;
  ctx.engine().forEachShard([&](const Shard& s) { expected += s.modules().mac.table.size(); });
  query::RankCollector<MacAddress> collector(ctx.engine().workerCount(), combine, expected);
  std::string text;
  ctx.engine().forEachShard([&](const Shard& s) {
    s.modules().mac.table.forEach([&](const MacAddress& mac, const MacRecord& r) {
      if (filter.isExpression()) {
        if (!filter.matches(filter::MacRow{mac})) return;
      } else if (!filter.empty()) {
        text = mac.toString();
        if (ctx.vendors) (text += ' ') += ctx.vendors->vendor(mac);
        if (!filter.containsText(text)) return;
      }
      double v = 0;
      if (metric) v = query::metricValue(r.counters, *metric, w);
      else if (params->sort == "firstactivity") v = double(r.firstActivity);
      else if (params->sort == "lastactivity") v = double(r.lastActivity);
      collector.add(mac, v);
    });
  });
  auto rows = collector.take();
  if (params->sort == "vendor" && ctx.vendors) {
    // Rank vendors alphabetically: the position of each row's vendor name.
    std::vector<std::pair<std::string_view, size_t>> names;
    for (size_t i = 0; i < rows.size(); ++i) names.emplace_back(ctx.vendors->vendor(rows[i].key), i);
    std::sort(names.begin(), names.end());
    for (size_t rank = 0; rank < names.size(); ++rank) rows[names[rank].second].value = double(rank);
  }
  auto writeRow = [&](JsonOut& j, const MacAddress& mac) {
    if (auto r = query::mergedRecord<MacRecord>(ctx.engine(), macsOf, mac))
      writeMac(j, mac, *r, w, ctx.vendors);
  };
  return query::pageOrCsv(rows, *params, w, "macs.csv", writeRow);
}

}  // namespace

void registerMacRoutes(api::Server& server, const query::QuerySource& source) {
  const std::string base = "/API/stats/modules/mac";
  server.route(api::Method::Get, base + "/mac_paged", api::Role::ReadOnly,
               [&source](const api::Request& req) { return macList(source.open(), req); });
  server.route(api::Method::Get, base + "/macs/:mac", api::Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto mac = MacAddress::parse(req.param("mac"));
    if (!mac)
      return api::badParameter("mac", "'" + std::string(req.param("mac")) + "' is not a MAC address").toResponse();
    auto window = ctx.window(req, 100);
    if (!window) return window.errorResponse();
    auto r = query::mergedRecord<MacRecord>(ctx.engine(), macsOf, *mac);
    if (!r) return api::notFound("MAC " + mac->toString() + " has not been seen").toResponse();
    JsonOut j;
    writeMac(j, *mac, *r, *window, ctx.vendors);
    return api::Response::json(j.take());
  });
}

}  // namespace netmeter
