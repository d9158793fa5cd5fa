#include "modules/module_routes.h"
#include "modules/vlan/vlan_module.h"
#include "query/table_list.h"

namespace netmeter {

// /API/stats/modules/vlan/vlans: traffic per VLAN id ([packets, bytes]), outer and inner position.
void registerVlanRoutes(api::Server& server, const query::QuerySource& source) {
  server.route(api::Method::Get, "/API/stats/modules/vlan/vlans", api::Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 0);
    if (!window) return window.errorResponse();
    const auto table = query::mergedTable<uint16_t, VlanRecord>(
        ctx.engine(), [](const Shard& s) -> const auto& { return s.modules().vlan.table; });
    return query::tableList(
        req, *window, table, "vlan", "vlan", "vlans.csv", [](uint16_t, const VlanRecord&) { return true; },
        [&](query::JsonOut& j, uint16_t id, const VlanRecord& r) {
          j.beginObject();
          j.field("vlan", uint32_t{id});
          j.field("outer", r.seenOuter);
          j.field("inner", r.seenInner);
          query::writeTraffic(j, r, *window);
          j.endObject();
        });
  });
}

}  // namespace netmeter
