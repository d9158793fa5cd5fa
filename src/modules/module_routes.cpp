#include "modules/module_routes.h"

#include <string>
#include <vector>

#include "query/json_out.h"

namespace netmeter {

namespace {
// Module names in the order of `OPTIONS /API/stats/modules` (and of GET's "modules" list).
const std::vector<std::string> kModules = {"global", "mac",  "mac_protocols", "vlan", "ip",  "l4_ports", "packet_size",
                                           "qos",    "tcp",  "dpi",           "dns",  "http", "ssl",     "quic"};
}  // namespace

void registerModuleRoutes(api::Server& server, const query::QuerySource& source) {
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
  registerGlobalRoutes(server, source);
  registerInterfaceRoutes(server, source);
  registerMacRoutes(server, source);
  registerMacProtocolRoutes(server, source);
  registerVlanRoutes(server, source);
  registerIpRoutes(server, source);
  registerL4PortRoutes(server, source);
  registerPacketSizeRoutes(server, source);
  registerQosRoutes(server, source);
  registerTcpRoutes(server, source);
  registerDpiRoutes(server, source);
  registerDnsRoutes(server, source);
  registerHttpRoutes(server, source);
  registerSslRoutes(server, source);
  registerQuicRoutes(server, source);
}

}  // namespace netmeter
