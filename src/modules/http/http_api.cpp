// REST routes of the HTTP module (/API/stats/modules/http): HTTP servers (host names, responses with
// response times, status code families, last URL), an IP's HTTP tab (ips/:ip/http), and the last
// request/response pairs kept per connection, as JSON or CSV (global and per IP).
#include <algorithm>
#include <string>
#include <vector>

#include "engine/shard.h"
#include "modules/app/host_names_api.h"
#include "modules/common/response_time_json.h"
#include "modules/connections/connection_api.h"
#include "modules/dpi/ndpi_classifier.h"
#include "modules/http/http_module.h"
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

const auto httpServersOf = [](const Shard& s) -> const KeyedStats<IpAddress, HttpServerRecord>& {
  return s.modules().app.http.servers();
};

constexpr std::string_view kFamilies[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

// One HTTP server object. Counters: [requests, responses, timed responses, their time sum in ns].
void writeHttpServer(JsonOut& j, const IpAddress& ip, const HttpServerRecord& r, const TimeWindow& w,
                     const std::vector<std::string>& names) {
  j.beginObject();
  j.field("ip", ip.toString());
  j.key("alternativeNames");
  j.beginArray();
  for (const std::string& n : names) j.value(n);
  j.endArray();
  j.key("hostNames");
  j.beginArray();
  for (uint8_t i = 0; i < r.hostNames.count; ++i) j.value(r.hostNames.names[i].name);
  j.endArray();
  query::writeTraffic(j, r, w);
  j.field("requests", r.counters.allTime()[0]);
  j.field("responses", r.counters.allTime()[1]);
  writeResponseTimeObject(j, "responseTime", r.responseTime);
  j.key("statusFamilies");
  j.beginObject();
  for (size_t i = 0; i < r.statusFamilies.size(); ++i) j.field(kFamilies[i], r.statusFamilies[i]);
  j.endObject();
  j.field("lastUrl", r.lastUrl);
  j.timeField("lastUrlTime", r.lastUrlTime);
  j.endObject();
}

double serverSortValue(const HttpServerRecord& r, std::string_view column, const TimeWindow& w) {
  const size_t k = column == "responses" ? 1 : 0;
  if (column == "requests" || column == "responses")
    return double(w.explicitInterval ? w.intervalSum(r.counters)[k] : r.counters.allTime()[k]);
  if (column == "responsetime") return r.responseTime.mean();
  if (column == "maxresponsetime") return double(r.responseTime.max);
  if (column == "errors") return double(r.statusFamilies[3] + r.statusFamilies[4]);
  if (column == "firstactivity") return double(r.firstActivity);
  if (column == "lastactivity") return double(r.lastActivity);
  return 0;  // "ip": by key
}

// --- transactions per connection ---------------------------------------------------------------

void writeTransaction(JsonOut& j, const HttpTransaction& t) {
  j.beginObject();
  j.timeField("requestTime", t.requestTime);
  j.field("method", t.method);
  j.field("host", t.host);
  j.field("url", t.url);
  j.key("status");
  if (t.status) j.value(uint32_t{t.status});
  else j.null();
  j.key("responseTime");
  if (t.responseTime >= 0) j.value(int64_t{t.responseTime});
  else j.null();
  j.endObject();
}

const char* kTransactionCsvHeader =
    "id,clientIp,clientPort,serverIp,serverPort,start_us,l7Protocol,requestTime_us,method,host,url,status,"
    "responseTime_ns\r\n";

void appendTransactionCsv(std::string& out, const ConnectionRef& ref, const Connection& c, const HttpTransaction& t) {
  std::string line = connectionIdText(ref) + "," + c.clientIp.toString() + "," + std::to_string(c.clientPort) + "," +
                     c.serverIp.toString() + "," + std::to_string(c.serverPort) + "," +
                     std::to_string(c.start / 1000) + ",";
  query::appendCsvField(line, l7DisplayName(c.app.l7));
  line += "," + std::to_string(t.requestTime / 1000) + ",";
  query::appendCsvField(line, t.method);
  line += ',';
  query::appendCsvField(line, t.host);
  line += ',';
  query::appendCsvField(line, t.url);
  line += ',';
  if (t.status) line += std::to_string(t.status);
  line += ',';
  if (t.responseTime >= 0) line += std::to_string(t.responseTime);
  out += line;
  out += "\r\n";
}

// The HTTP connections (of `ip`, or all) with their kept transactions; paged, or CSV with one line
// per connection (its last transaction) or, with all=true, per transaction.
api::Response transactionList(const query::QueryContext& ctx, const api::Request& req, const IpAddress* ip) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  static const std::vector<std::string_view> columns = {"start", "lastRequest", "responseTime", "status",
                                                        "client", "server"};
  auto params = query::parseListParams(req, columns, "start");
  if (!params) return params.errorResponse();
  auto all = api::boolParam(req, "all", false);
  if (!all) return all.errorResponse();
  auto rowFilter = query::RowFilter::parse(params->filter);
  if (!rowFilter) return rowFilter.errorResponse();
  query::RowFilter& filter = **rowFilter;
  const std::string column = params->sort;

  std::vector<query::Ranked<ConnectionRef>> rows;
  uint32_t shardIndex = 0;
  std::string text;
  ctx.engine().forEachShard([&](const Shard& s) {
    s.flows().forEachWithSlot([&](uint32_t slot, const Connection& c) {
      const auto* transactions = HttpModule::transactions(c);
      if (transactions == nullptr || transactions->empty()) return;
      if (ip && c.clientIp != *ip && c.serverIp != *ip) return;
      if (filter.isExpression()) {
        if (!filter.matches(filter::ConnectionView{c, nullptr})) return;
      } else if (!filter.empty()) {
        text = c.clientIp.toString() + " " + c.serverIp.toString();
        for (const HttpTransaction& t : *transactions) text += " " + t.host + t.url;
        if (!filter.containsText(text)) return;
      }
      const HttpTransaction& last = transactions->back();
      double v = double(c.start);
      if (column == "lastrequest") v = double(last.requestTime);
      else if (column == "responsetime") v = double(last.responseTime);
      else if (column == "status") v = double(last.status);
      else if (column == "client" || column == "server") v = connectionSortValue(c, column, *window, nullptr);
      rows.push_back({ConnectionRef{shardIndex, slot, c.id}, v});
    });
    ++shardIndex;
  });
  const Engine& engine = ctx.engine();
  if (params->csv) {
    query::orderRows(rows, params->reverse, rows.size());
    std::vector<ConnectionRef> keys;
    keys.reserve(rows.size());
    for (const auto& r : rows) keys.push_back(r.key);
    const bool every = *all;
    return query::csvResponse<ConnectionRef>(
        kTransactionCsvHeader, std::move(keys), ip ? "http-" + ip->toString() + ".csv" : "http.csv", ctx.hold,
        [&engine, every](const std::vector<ConnectionRef>& order, size_t begin, size_t end, std::string& out) {
          for (size_t i = begin; i < end; ++i) {
            withConnection(engine, order[i], [&](const Connection& c) {
              const auto* transactions = HttpModule::transactions(c);
              if (transactions == nullptr || transactions->empty()) return;
              for (size_t k = every ? 0 : transactions->size() - 1; k < transactions->size(); ++k)
                appendTransactionCsv(out, order[i], c, (*transactions)[k]);
            });
          }
        });
  }
  const size_t total = rows.size();
  const auto page = query::pageKeys(rows, *params);
  JsonOut j;
  query::beginPagedList(j, *params, total, *window);
  for (const ConnectionRef& ref : page) {
    withConnection(engine, ref, [&](const Connection& c) {
      const auto* transactions = HttpModule::transactions(c);
      if (transactions == nullptr) return;
      j.beginObject();
      j.field("id", connectionIdText(ref));
      j.field("clientIp", c.clientIp.toString());
      j.field("clientPort", uint32_t{c.clientPort});
      j.field("serverIp", c.serverIp.toString());
      j.field("serverPort", uint32_t{c.serverPort});
      j.timeField("start", c.start);
      j.field("l7Protocol", l7DisplayName(c.app.l7));
      j.key("transactions");
      j.beginArray();
      for (const HttpTransaction& t : *transactions) writeTransaction(j, t);
      j.endArray();
      j.endObject();
    });
  }
  query::endPagedList(j);
  return api::Response::json(j.take());
}

}  // namespace

void registerHttpRoutes(api::Server& server, const query::QuerySource& source) {
  using api::Method;
  using api::Role;
  const std::string base = "/API/stats/modules/http";
  server.route(Method::Get, base, Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    auto table = query::mergedSnapshot<IpAddress, HttpServerRecord>(ctx.engine(), httpServersOf);
    uint64_t requests = 0, responses = 0;
    ResponseTimeStats rt;
    std::array<uint64_t, 6> families{};
    table->forEach([&](const IpAddress&, const HttpServerRecord& r) {
      requests += r.counters.allTime()[0];
      responses += r.counters.allTime()[1];
      rt.mergeFrom(r.responseTime);
      for (size_t i = 0; i < families.size(); ++i) families[i] += r.statusFamilies[i];
    });
    JsonOut j;
    j.beginObject();
    j.field("servers", uint64_t(table->size()));
    j.field("requests", requests);
    j.field("responses", responses);
    writeResponseTimeObject(j, "responseTime", rt);
    j.key("statusFamilies");
    j.beginObject();
    for (size_t i = 0; i < families.size(); ++i) j.field(kFamilies[i], families[i]);
    j.endObject();
    j.endObject();
    return api::Response::json(j.take());
  });
  server.route(Method::Get, base + "/servers", Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    const TimeWindow w = *window;
    const Engine& engine = ctx.engine();
    auto table = query::mergedSnapshot<IpAddress, HttpServerRecord>(engine, httpServersOf);
    query::RecordListSpec<IpAddress, HttpServerRecord> spec;
    spec.columns = {"requests", "responses", "responseTime", "maxResponseTime", "errors", "ip", "firstActivity",
                    "lastActivity"};
    spec.sortValue = [w](const IpAddress&, const HttpServerRecord& r, std::string_view column) {
      return serverSortValue(r, column, w);
    };
    spec.text = [](const IpAddress& ip, const HttpServerRecord& r) {
      std::string text = ip.toString();
      for (uint8_t i = 0; i < r.hostNames.count; ++i) text += " " + r.hostNames.names[i].name;
      return text + " " + r.lastUrl;
    };
    spec.writeRow = [w, &engine](JsonOut& j, const IpAddress& ip, const HttpServerRecord& r) {
      writeHttpServer(j, ip, r, w, alternativeNames(engine, ip));
    };
    return query::recordList(req, w, table, std::move(spec));
  });
  // One server; `tab`: the IP's tab, where an IP that served no HTTP gets zero counters, not 404 (which
  // is for an IP never seen).
  auto detail = [&source](bool tab) {
    return [&source, tab](const api::Request& req) -> api::Response {
      const query::QueryContext ctx = source.open();
      auto ip = tab ? query::seenIpParam(req, ctx.engine()) : query::ipParam(req);
      if (!ip) return ip.errorResponse();
      auto window = ctx.window(req, 100);
      if (!window) return window.errorResponse();
      auto r = query::mergedRecord<HttpServerRecord>(ctx.engine(), httpServersOf, *ip);
      if (!r && !tab) return api::notFound("IP " + ip->toString() + " has not been seen as an HTTP server").toResponse();
      if (!r) r.emplace();
      JsonOut j;
      writeHttpServer(j, *ip, *r, *window, alternativeNames(ctx.engine(), *ip));
      return api::Response::json(j.take());
    };
  };
  server.route(Method::Get, base + "/servers/:ip", Role::ReadOnly, detail(false));
  server.route(Method::Get, base + "/transactions", Role::ReadOnly,
               [&source](const api::Request& req) { return transactionList(source.open(), req, nullptr); });
  // The IP's "HTTP server statistics" tab, and the transactions of its connections.
  server.route(Method::Get, "/API/stats/modules/ip/ips/:ip/http", Role::ReadOnly, detail(true));
  server.route(Method::Get, "/API/stats/modules/ip/ips/:ip/httpTransactions", Role::ReadOnly,
               [&source](const api::Request& req) -> api::Response {
                 const query::QueryContext ctx = source.open();
                 auto ip = query::seenIpParam(req, ctx.engine());
                 if (!ip) return ip.errorResponse();
                 return transactionList(ctx, req, &*ip);
               });
}

}  // namespace netmeter
