#include "modules/module_routes.h"

#include <string>
#include <vector>

#include "query/json_out.h"

namespace netmeter {

namespace {
// Module names in the order of `OPTIONS /API/stats/modules` (and of GET's "modules" list).
const std::vector<std::string> kModules = {"global", "mac", "mac_protocols", "vlan",
                                           "ip",     "l4_ports",   "packet_size", "qos", "tcp"};
}  // namespace

void registerModuleRoutes(api::Server& server, const query::QueryContext& ctx) {
  server.route(api::Method::Get, "/API/stats/modules", api::Role::ReadOnly, [](const api::Request&) {
    query::JsonOut j;
    j.beginObject();
    j.key("modules");
    j.beginArray();
    for (const auto& m : kModules) j.value(m);
    j.endArray();
    j.endObject();
    return api::Response::json(j.take());
  });
  registerGlobalRoutes(server, ctx);
  registerInterfaceRoutes(server, ctx);
  registerMacRoutes(server, ctx);
  registerMacProtocolRoutes(server, ctx);
  registerVlanRoutes(server, ctx);
  registerIpRoutes(server, ctx);
  registerL4PortRoutes(server, ctx);
  registerPacketSizeRoutes(server, ctx);
  registerQosRoutes(server, ctx);
  registerTcpRoutes(server, ctx);
}

}  // namespace netmeter
