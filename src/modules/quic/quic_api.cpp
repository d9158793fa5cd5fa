// REST routes of the QUIC module (/API/stats/modules/quic): the "QUIC TLS server" table of
// quic-module.txt (server IP:port with the server names of the ClientHellos in Initial packets), and
// an IP's QUIC servers (ips/:ip/quic).
#include <map>
#include <string>
#include <vector>

#include "engine/shard.h"
#include "modules/common/response_time_json.h"
#include "modules/module_routes.h"
#include "modules/quic/quic_module.h"
#include "modules/tls/server_names_json.h"
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

const auto quicServersOf = [](const Shard& s) -> const KeyedStats<TlsServerKey, QuicServerRecord>& {
  return s.modules().app.quic.servers();
};

// One QUIC TLS server. Counters: QuicServerRecord's four (connections whose ClientHello was read,
// ServerHellos, timed handshakes, their time sum in ns).
void writeQuicServer(JsonOut& j, const TlsServerKey& k, const QuicServerRecord& r, const TimeWindow& w) {
  j.beginObject();
  j.field("ip", k.ip.toString());
  j.field("port", uint32_t{k.port});
  writeServerNames(j, r.serverNames);
  query::writeTraffic(j, r, w);
  j.field("connections", r.counters.allTime()[0]);
  j.key("versions");
  j.beginArray();
  for (const auto& e : r.versions) {
    j.beginObject();
    j.field("version", tls::quicVersionText(e.value));
    j.field("count", e.count);
    j.endObject();
  }
  j.endArray();
  j.key("negotiatedCipherSuites");
  j.beginArray();
  for (const auto& e : r.negotiatedCiphers) {
    j.beginObject();
    j.field("cipherSuite", tls::cipherText(e.value));
    j.field("count", e.count);
    j.endObject();
  }
  j.endArray();
  writeResponseTimeObject(j, "handshakeResponseTime", r.handshakeTime);
  j.field("decryptFailures", r.decryptFailures);
  j.endObject();
}

}  // namespace

void registerQuicRoutes(api::Server& server, const query::QuerySource& source) {
  using api::Method;
  using api::Role;
  const std::string base = "/API/stats/modules/quic";
  server.route(Method::Get, base, Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    auto table = query::mergedSnapshot<TlsServerKey, QuicServerRecord>(ctx.engine(), quicServersOf);
    uint64_t connections = 0;
    table->forEach(
        [&](const TlsServerKey&, const QuicServerRecord& r) { connections += r.counters.allTime()[0]; });
    JsonOut j;
    j.beginObject();
    j.field("servers", uint64_t(table->size()));
    j.field("connections", connections);
    j.endObject();
    return api::Response::json(j.take());
  });
  server.route(Method::Get, base + "/servers", Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    const TimeWindow w = *window;
    auto table = query::mergedSnapshot<TlsServerKey, QuicServerRecord>(ctx.engine(), quicServersOf);
    query::RecordListSpec<TlsServerKey, QuicServerRecord> spec;
    spec.columns = {"connections", "handshakeResponseTime", "decryptFailures",
                    "ip",          "firstActivity",         "lastActivity"};
    spec.sortValue = [w](const TlsServerKey&, const QuicServerRecord& r, std::string_view column) -> double {
      if (column == "connections")
        return double(w.explicitInterval ? w.intervalSum(r.counters)[0]
                                         : r.counters.allTime()[0]);
      if (column == "handshakeresponsetime") return r.handshakeTime.mean();
      if (column == "decryptfailures") return double(r.decryptFailures);
      if (column == "firstactivity") return double(r.firstActivity);
      if (column == "lastactivity") return double(r.lastActivity);
      return 0;
    };
    spec.text = [](const TlsServerKey& k, const QuicServerRecord& r) {
      return serverSearchText(k, r.serverNames);
    };
    spec.writeRow = [w](JsonOut& j, const TlsServerKey& k, const QuicServerRecord& r) {
      writeQuicServer(j, k, r, w);
    };
    return query::recordList(req, w, table, std::move(spec));
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
                 auto r = query::mergedRecord<QuicServerRecord>(ctx.engine(), quicServersOf, key);
                 if (!r) return api::notFound("no QUIC server seen at this IP and port").toResponse();
                 JsonOut j;
                 writeQuicServer(j, key, *r, *window);
                 return api::Response::json(j.take());
               });
  server.route(
      Method::Get, "/API/stats/modules/ip/ips/:ip/quic", Role::ReadOnly,
      [&source](const api::Request& req) -> api::Response {
        const query::QueryContext ctx = source.open();
        auto ip = query::seenIpParam(req, ctx.engine());
        if (!ip) return ip.errorResponse();
        auto window = ctx.window(req, 100);
        if (!window) return window.errorResponse();
        std::map<TlsServerKey, QuicServerRecord> merged;
        MemoryAccount scratch;
        ctx.engine().forEachShard([&](const Shard& s) {
          s.modules().app.quic.servers().forEach([&](const TlsServerKey& k, const QuicServerRecord& r) {
            if (k.ip == *ip) merged[k].mergeFrom(r, scratch);
          });
        });
        JsonOut j;
        j.beginObject();
        j.field("ip", ip->toString());
        j.key("servers");
        j.beginArray();
        for (const auto& [k, r] : merged) writeQuicServer(j, k, r, *window);
        j.endArray();
        j.endObject();
        return api::Response::json(j.take());
      });
}

}  // namespace netmeter
