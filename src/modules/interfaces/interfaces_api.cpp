#include "engine/analysis.h"
#include "modules/interfaces/interface_module.h"
#include "modules/module_routes.h"
#include "query/counters.h"
#include "query/table_list.h"

namespace netmeter {

// /API/stats/interfaces: every capture interface of the source with its traffic (rx = packets
// captured on it).
void registerInterfaceRoutes(api::Server& server, const query::QuerySource& source) {
  server.route(api::Method::Get, "/API/stats/interfaces", api::Role::ReadOnly, [&source](const api::Request& req) {
    const query::QueryContext ctx = source.open();
    auto window = ctx.window(req, 100);
    if (!window) return window.errorResponse();
    const auto table = query::mergedTable<uint16_t, TrafficRecord<4>>(
        ctx.engine(), [](const Shard& s) -> const auto& { return s.modules().interfaces.table; });
    const auto infos = ctx.analysis.interfaces();
    query::JsonOut j;
    j.beginObject();
    j.key("displayedItems");
    j.beginArray();
    for (size_t id = 0; id < std::max<size_t>(infos.size(), 1); ++id) {
      j.beginObject();
      j.field("id", uint64_t(id));
      if (id < infos.size()) {
        j.field("name", infos[id].name);
        j.field("description", infos[id].description);
        j.field("linkType", uint32_t{infos[id].linkType});
        j.field("snapLength", infos[id].snapLength);
      }
      if (const auto* r = table.find(uint16_t(id))) {
        query::writeTraffic(j, *r, *window);
      } else {
        TrafficRecord<4> empty;
        query::writeTraffic(j, empty, *window);
      }
      j.endObject();
    }
    j.endArray();
    j.field("totalItems", uint64_t(std::max<size_t>(infos.size(), 1)));
    j.endObject();
    return api::Response::json(j.take());
  });
}

}  // namespace netmeter
