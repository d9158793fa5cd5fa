#include "core/protocol_names.h"
#include "core/service_names.h"
#include "modules/l4_ports/l4_port_module.h"
#include "modules/module_routes.h"
#include "query/table_list.h"

namespace netmeter {

namespace {

constexpr uint8_t kTcp = 6, kUdp = 17, kSctp = 132;

void writePort(query::JsonOut& j, const L4PortKey& k, const L4PortRecord& r, const query::TimeWindow& w) {
  j.beginObject();
  j.field("serverPort", uint32_t{k.port});
  j.field("l4Protocol", uint32_t{k.l4Protocol});
  j.field("l4ProtocolName", ipProtocolName(k.l4Protocol));
  j.field("service", usualServiceName(k.l4Protocol, k.port));
  j.field("connections", r.connections);
  query::writeTraffic(j, r, w);
  j.endObject();
}

KeyedStats<L4PortKey, L4PortRecord> mergedPorts(const query::QueryContext& ctx) {
  return query::mergedTable<L4PortKey, L4PortRecord>(
      ctx.engine(), [](const Shard& s) -> const auto& { return s.modules().l4Ports.table; });
}

}  // namespace

// /API/stats/modules/l4_ports: {tcp,udp,sctp}_ports_paged (sort by traffic or serverPort) and
// {tcp,udp,sctp}_port/:port. Counters are from the server's view (rx = client to server).
void registerL4PortRoutes(api::Server& server, const query::QuerySource& source) {
  const std::string base = "/API/stats/modules/l4_ports";
  for (const auto& [name, proto] : {std::pair{"tcp", kTcp}, std::pair{"udp", kUdp}, std::pair{"sctp", kSctp}}) {
    const uint8_t protocol = proto;
    const std::string csvName = std::string(name) + "_ports.csv";
    server.route(api::Method::Get, base + "/" + name + "_ports_paged", api::Role::ReadOnly,
                 [&source, protocol, csvName](const api::Request& req) {
                   const query::QueryContext ctx = source.open();
                   auto window = ctx.window(req, 0);
                   if (!window) return window.errorResponse();
                   const auto table = mergedPorts(ctx);
                   return query::tableList(
                       req, *window, table, "serverPort", "bytes", csvName,
                       [protocol](const L4PortKey& k, const auto&) { return k.l4Protocol == protocol; },
                       [&](query::JsonOut& j, const L4PortKey& k, const L4PortRecord& r) {
                         writePort(j, k, r, *window);
                       });
                 });
    server.route(api::Method::Get, base + "/" + name + "_port/:port", api::Role::ReadOnly,
                 [&source, protocol](const api::Request& req) {
                   const query::QueryContext ctx = source.open();
                   const std::string_view text = req.param("port");
                   char* end = nullptr;
                   const std::string copy(text);
                   const long value = std::strtol(copy.c_str(), &end, 10);
                   if (copy.empty() || *end != '\0' || value < 0 || value > 65535)
                     return api::badParameter("port", "'" + copy + "' is not a port number from 0 to 65535").toResponse();
                   auto window = ctx.window(req, 100);
                   if (!window) return window.errorResponse();
                   const L4PortKey key{protocol, uint16_t(value)};
                   auto r = query::mergedRecord<L4PortRecord>(
                       ctx.engine(), [](const Shard& s) -> const auto& { return s.modules().l4Ports.table; }, key);
                   if (!r) return api::notFound("no connection to server port " + copy + " has been seen").toResponse();
                   query::JsonOut j;
                   writePort(j, key, *r, *window);
                   return api::Response::json(j.take());
                 });
  }
}

}  // namespace netmeter
