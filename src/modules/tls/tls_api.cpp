// REST routes of the TLS module (/API/stats/modules/ssl, the reference's SSL module): TLS servers
// (SNI, client-announced versions and cipher suites, negotiated version and cipher, alerts, handshake
// and first-data response times), TLS clients with their JA3/JA4 fingerprints, the fingerprints
// themselves, and an IP's SSL tabs (ips/:ip/ssl).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/shard.h"
#include "modules/app/host_names_api.h"
#include "modules/common/response_time_json.h"
#include "modules/module_routes.h"
#include "modules/tls/ja3.h"
#include "modules/tls/server_names_json.h"
#include "modules/tls/tls_json.h"
#include "modules/tls/tls_module.h"
#include "modules/tls/tls_text.h"
#include "query/counters.h"
#include "query/json_out.h"
#include "query/path_params.h"
#include "query/record_list.h"
#include "query/seen_ip.h"

namespace netmeter {

namespace {

using query::JsonOut;
using query::TimeWindow;

const auto tlsServersOf = [](const Shard& s) -> const KeyedStats<TlsServerKey, TlsServerRecord>& {
  return s.modules().app.tls.servers();
};
const auto tlsClientsOf = [](const Shard& s) -> const KeyedStats<IpAddress, TlsClientRecord>& {
  return s.modules().app.tls.clients();
};

// One TLS server (IP:port). Counters: TlsServerRecord's six (handshakes, first data responses, and
// the count and time sum of each of the two response times).
void writeTlsServer(JsonOut& j, const TlsServerKey& k, const TlsServerRecord& r, const TimeWindow& w) {
  j.beginObject();
  j.field("ip", k.ip.toString());
  j.field("port", uint32_t{k.port});
  writeServerNames(j, r.serverNames);
  query::writeTraffic(j, r, w);
  j.field("clientHellos", r.clientHellos);
  j.field("handshakes", r.counters.allTime()[0]);
  j.field("firstDataResponses", r.counters.allTime()[1]);
  writeResponseTimeObject(j, "handshakeResponseTime", r.handshakeTime);
  writeResponseTimeObject(j, "firstDataResponseTime", r.dataTime);
  tls_json::versions(j, "announcedVersions", r.announcedVersions);
  tls_json::cipherSuites(j, "announcedCipherSuites", r.announcedCiphers);
  tls_json::negotiated(j, r.negotiated);
  tls_json::alerts(j, r.alerts);
  j.field("encryptedAlerts", r.encryptedAlerts);
  j.endObject();
}

// One TLS client IP. Counter: [ClientHellos] (TLS and QUIC).
void writeTlsClient(JsonOut& j, const IpAddress& ip, const TlsClientRecord& r, const TimeWindow& w,
                    const std::vector<std::string>& names) {
  j.beginObject();
  j.field("ip", ip.toString());
  j.key("alternativeNames");
  j.beginArray();
  for (const std::string& n : names) j.value(n);
  j.endArray();
  query::writeTraffic(j, r, w);
  j.field("clientHellos", r.counters.allTime()[0]);
  tls_json::fingerprints(j, r.fingerprints);
  tls_json::versions(j, "announcedVersions", r.announcedVersions);
  tls_json::cipherSuites(j, "announcedCipherSuites", r.announcedCiphers);
  tls_json::negotiated(j, r.negotiated);
  j.endObject();
}

double serverSortValue(const TlsServerRecord& r, std::string_view column, const TimeWindow& w) {
  if (column == "handshakes" || column == "firstdataresponses") {
    const size_t k = column == "handshakes" ? 0 : 1;
    return double(w.explicitInterval ? w.intervalSum(r.counters)[k] : r.counters.allTime()[k]);
  }
  if (column == "clienthellos") return double(r.clientHellos);
  if (column == "handshakeresponsetime") return r.handshakeTime.mean();
  if (column == "firstdataresponsetime") return r.dataTime.mean();
  if (column == "alerts") return double(r.alertCount());
  if (column == "firstactivity") return double(r.firstActivity);
  if (column == "lastactivity") return double(r.lastActivity);
  if (column == "port") return 0;  // by key (IP, port)
  return 0;
}

api::Response serverList(const query::QueryContext& ctx, const api::Request& req) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  const TimeWindow w = *window;
  auto table = query::mergedSnapshot<TlsServerKey, TlsServerRecord>(ctx.engine(), tlsServersOf);
  query::RecordListSpec<TlsServerKey, TlsServerRecord> spec;
  spec.columns = {"handshakes",
                  "firstDataResponses",
                  "clientHellos",
                  "handshakeResponseTime",
                  "firstDataResponseTime",
                  "alerts",
                  "ip",
                  "firstActivity",
                  "lastActivity"};
  spec.sortValue = [w](const TlsServerKey&, const TlsServerRecord& r, std::string_view column) {
    return serverSortValue(r, column, w);
  };
  spec.text = [](const TlsServerKey& k, const TlsServerRecord& r) {
    return serverSearchText(k, r.serverNames);
  };
  spec.writeRow = [w](JsonOut& j, const TlsServerKey& k, const TlsServerRecord& r) {
    writeTlsServer(j, k, r, w);
  };
  return query::recordList(req, w, table, std::move(spec));
}

api::Response clientList(const query::QueryContext& ctx, const api::Request& req) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  const TimeWindow w = *window;
  const Engine& engine = ctx.engine();
  auto table = query::mergedSnapshot<IpAddress, TlsClientRecord>(engine, tlsClientsOf);
  query::RecordListSpec<IpAddress, TlsClientRecord> spec;
  spec.columns = {"clientHellos", "fingerprints", "ip", "firstActivity", "lastActivity"};
  spec.sortValue = [w](const IpAddress&, const TlsClientRecord& r, std::string_view column) -> double {
    if (column == "clienthellos")
      return double(w.explicitInterval ? w.intervalSum(r.counters)[0]
                                       : r.counters.allTime()[0]);
    if (column == "fingerprints") return double(r.fingerprints.size());
    if (column == "firstactivity") return double(r.firstActivity);
    if (column == "lastactivity") return double(r.lastActivity);
    return 0;
  };
  spec.text = [](const IpAddress& ip, const TlsClientRecord& r) {
    std::string text = ip.toString();
    for (const auto& e : r.fingerprints) {
      text += " " + tls::ja3Hex(e.value.ja3) + " ";
      text += e.value.ja4View();
    }
    return text;
  };
  spec.writeRow = [w, &engine](JsonOut& j, const IpAddress& ip, const TlsClientRecord& r) {
    writeTlsClient(j, ip, r, w, alternativeNames(engine, ip));
  };
  return query::recordList(req, w, table, std::move(spec));
}

// Every fingerprint with its ClientHellos and the clients that sent it.
api::Response fingerprintList(const query::QueryContext& ctx, const api::Request& req) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  static const std::vector<std::string_view> columns = {"clientHellos", "clients", "ja4", "ja3"};
  auto params = query::parseListParams(req, columns, "clientHellos");
  if (!params) return params.errorResponse();
  if (params->csv) return api::badParameter("csv", "this list has no CSV form").toResponse();
  auto rowFilter = query::RowFilter::parse(params->filter);
  if (!rowFilter) return rowFilter.errorResponse();
  const query::RowFilter& filter = **rowFilter;
  if (filter.isExpression())
    return api::badParameter("filter", "this list takes a substring filter, not an expression").toResponse();
  auto table = query::mergedSnapshot<IpAddress, TlsClientRecord>(ctx.engine(), tlsClientsOf);
  struct Row {
    uint64_t clientHellos = 0;
    std::set<IpAddress> clients;
  };
  std::map<TlsFingerprint, Row> rows;
  table->forEach([&](const IpAddress& ip, const TlsClientRecord& r) {
    for (const auto& e : r.fingerprints) {
      Row& row = rows[e.value];
      row.clientHellos += e.count;
      row.clients.insert(ip);
    }
  });
  std::vector<TlsFingerprint> keys;
  std::vector<query::Ranked<size_t>> ranked;
  for (const auto& [fp, row] : rows) {
    const std::string ja3 = tls::ja3Hex(fp.ja3);
    if (!filter.empty() && !filter.containsText(ja3 + " " + std::string(fp.ja4View()))) continue;
    double v = 0;  // ja4 / ja3: the map's order (by JA4, then JA3)
    if (params->sort == "clienthellos")
      v = double(row.clientHellos);
    else if (params->sort == "clients")
      v = double(row.clients.size());
    else if (params->sort == "ja3")
      v = 0;
    ranked.push_back({keys.size(), v});
    keys.push_back(fp);
  }
  if (params->sort == "ja3") {
    std::vector<size_t> order(keys.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a].ja3 < keys[b].ja3; });
    for (size_t i = 0; i < order.size(); ++i) ranked[order[i]].value = double(i);
  }
  const size_t total = ranked.size();
  const auto page = query::pageKeys(ranked, *params);
  JsonOut j;
  query::beginPagedList(j, *params, total, *window);
  for (size_t index : page) {
    const TlsFingerprint& fp = keys[index];
    const Row& row = rows.at(fp);
    j.beginObject();
    j.field("ja3", tls::ja3Hex(fp.ja3));
    j.field("ja4", fp.ja4View());
    j.field("clientHellos", row.clientHellos);
    j.field("clientCount", uint64_t(row.clients.size()));
    j.key("clients");
    j.beginArray();
    size_t shown = 0;
    for (const IpAddress& ip : row.clients) {
      if (++shown > 100) break;
      j.value(ip.toString());
    }
    j.endArray();
    j.endObject();
  }
  query::endPagedList(j);
  return api::Response::json(j.take());
}

// The TLS servers on an IP (every port), merged over shards.
std::vector<std::pair<TlsServerKey, TlsServerRecord>> serversOf(const Engine& engine, const IpAddress& ip) {
  std::map<TlsServerKey, TlsServerRecord> merged;
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) {
    s.modules().app.tls.servers().forEach([&](const TlsServerKey& k, const TlsServerRecord& r) {
      if (k.ip == ip) merged[k].mergeFrom(r, scratch);
    });
  });
  std::vector<std::pair<TlsServerKey, TlsServerRecord>> out;
  for (auto& [k, r] : merged) out.emplace_back(k, std::move(r));
  return out;
}

}  // namespace

void registerSslRoutes(api::Server& server, const query::QuerySource& source) {
  using api::Method;
  using api::Role;
  const std::string base = "/API/stats/modules/ssl";
  server.route(Method::Get, base, Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    auto servers = query::mergedSnapshot<TlsServerKey, TlsServerRecord>(ctx.engine(), tlsServersOf);
    auto clients = query::mergedSnapshot<IpAddress, TlsClientRecord>(ctx.engine(), tlsClientsOf);
    uint64_t handshakes = 0, clientHellos = 0;
    ResponseTimeStats handshake, data;
    servers->forEach([&](const TlsServerKey&, const TlsServerRecord& r) {
      handshakes += r.counters.allTime()[0];
      handshake.mergeFrom(r.handshakeTime);
      data.mergeFrom(r.dataTime);
    });
    clients->forEach(
        [&](const IpAddress&, const TlsClientRecord& r) { clientHellos += r.counters.allTime()[0]; });
    JsonOut j;
    j.beginObject();
    j.field("servers", uint64_t(servers->size()));
    j.field("clients", uint64_t(clients->size()));
    j.field("handshakes", handshakes);
    j.field("clientHellos", clientHellos);
    writeResponseTimeObject(j, "handshakeResponseTime", handshake);
    writeResponseTimeObject(j, "firstDataResponseTime", data);
    j.endObject();
    return api::Response::json(j.take());
  });
  server.route(Method::Get, base + "/servers", Role::ReadOnly,
               [&source](const api::Request& req) { return serverList(source.open(), req); });
  // Every port of one server IP, and one server IP:port.
  server.route(
      Method::Get, base + "/servers/:ip", Role::ReadOnly,
      [&source](const api::Request& req) -> api::Response {
        const query::QueryContext ctx = source.open();
        auto ip = query::ipParam(req);
        if (!ip) return ip.errorResponse();
        auto window = ctx.window(req, 100);
        if (!window) return window.errorResponse();
        const auto servers = serversOf(ctx.engine(), *ip);
        if (servers.empty())
          return api::notFound("IP " + ip->toString() + " has not been seen as a TLS server").toResponse();
        JsonOut j;
        j.beginObject();
        j.field("ip", ip->toString());
        j.key("servers");
        j.beginArray();
        for (const auto& [k, r] : servers) writeTlsServer(j, k, r, *window);
        j.endArray();
        j.endObject();
        return api::Response::json(j.take());
      });
  server.route(Method::Get, base + "/servers/:ip/:port", Role::ReadOnly,
               [&source](const api::Request& req) -> api::Response {
                 const query::QueryContext ctx = source.open();
                 auto ip = query::ipParam(req);
                 if (!ip) return ip.errorResponse();
                 auto port = query::portParam(req);
                 if (!port) return port.errorResponse();
                 auto window = ctx.window(req, 100);
                 if (!window) return window.errorResponse();
                 const TlsServerKey key{*ip, *port};
                 auto r = query::mergedRecord<TlsServerRecord>(ctx.engine(), tlsServersOf, key);
                 if (!r) return api::notFound("no TLS server seen at this IP and port").toResponse();
                 JsonOut j;
                 writeTlsServer(j, key, *r, *window);
                 return api::Response::json(j.take());
               });
  server.route(Method::Get, base + "/clients", Role::ReadOnly,
               [&source](const api::Request& req) { return clientList(source.open(), req); });
  server.route(
      Method::Get, base + "/clients/:ip", Role::ReadOnly,
      [&source](const api::Request& req) -> api::Response {
        const query::QueryContext ctx = source.open();
        auto ip = query::ipParam(req);
        if (!ip) return ip.errorResponse();
        auto window = ctx.window(req, 100);
        if (!window) return window.errorResponse();
        auto r = query::mergedRecord<TlsClientRecord>(ctx.engine(), tlsClientsOf, *ip);
        if (!r)
          return api::notFound("IP " + ip->toString() + " has not been seen as a TLS client").toResponse();
        JsonOut j;
        writeTlsClient(j, *ip, *r, *window, alternativeNames(ctx.engine(), *ip));
        return api::Response::json(j.take());
      });
  server.route(Method::Get, base + "/fingerprints", Role::ReadOnly,
               [&source](const api::Request& req) { return fingerprintList(source.open(), req); });
  // The IP's "SSL server statistics" (asServer, one entry per port) and "SSL/TLS infos" (asClient).
  server.route(Method::Get, "/API/stats/modules/ip/ips/:ip/ssl", Role::ReadOnly,
               [&source](const api::Request& req) -> api::Response {
                 const query::QueryContext ctx = source.open();
                 auto ip = query::seenIpParam(req, ctx.engine());
                 if (!ip) return ip.errorResponse();
                 auto window = ctx.window(req, 100);
                 if (!window) return window.errorResponse();
                 const Engine& engine = ctx.engine();
                 const auto servers = serversOf(engine, *ip);
                 auto client = query::mergedRecord<TlsClientRecord>(engine, tlsClientsOf, *ip);
                 const auto names = alternativeNames(engine, *ip);
                 JsonOut j;
                 j.beginObject();
                 j.field("ip", ip->toString());
                 j.key("asServer");
                 j.beginArray();
                 for (const auto& [k, r] : servers) writeTlsServer(j, k, r, *window);
                 j.endArray();
                 j.key("asClient");
                 if (client)
                   writeTlsClient(j, *ip, *client, *window, names);
                 else
                   j.null();
                 j.endObject();
                 return api::Response::json(j.take());
               });
}

}  // namespace netmeter
