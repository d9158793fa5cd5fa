#include "core/protocol_names.h"
#include "modules/mac_protocols/mac_protocol_module.h"
#include "modules/module_routes.h"
#include "query/table_list.h"

namespace netmeter {

// /API/stats/modules/mac_protocols/protocols: traffic per EtherType ([packets, bytes]).
void registerMacProtocolRoutes(api::Server& server, const query::QuerySource& source) {
  server.route(api::Method::Get, "/API/stats/modules/mac_protocols/protocols", api::Role::ReadOnly,
               [&source](const api::Request& req) {
                 const query::QueryContext ctx = source.open();
                 auto window = ctx.window(req, 0);
                 if (!window) return window.errorResponse();
                 const auto table = query::mergedTable<uint16_t, TrafficRecord<2>>(
                     ctx.engine(), [](const Shard& s) -> const auto& { return s.modules().macProtocols.table; });
                 return query::tableList(
                     req, *window, table, "etherType", "bytes", "mac_protocols.csv",
                     [](uint16_t, const auto&) { return true; },
                     [&](query::JsonOut& j, uint16_t type, const TrafficRecord<2>& r) {
                       j.beginObject();
                       j.field("etherType", uint32_t{type});
                       j.field("name", etherTypeName(type));
                       query::writeTraffic(j, r, *window);
                       j.endObject();
                     });
               });
}

}  // namespace netmeter
