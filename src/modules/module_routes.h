#pragma once

#include "api/server.h"
#include "query/query_context.h"

namespace netmeter {

// THE place where the analysis modules' REST subtrees are registered (as module_set.h is for their
// packet hooks): registerModuleRoutes() calls each module's register function, in the order
// `OPTIONS /API/stats/modules` lists them. Each module's routes live in its folder, <name>_api.cpp.
// `source` must outlive the server.
void registerModuleRoutes(api::Server& server, const query::QuerySource& source);

// Each module's subtree under /API/stats/modules/<name> (see docs/api.md).
void registerIpRoutes(api::Server& server, const query::QuerySource& source);
void registerTcpRoutes(api::Server& server, const query::QuerySource& source);
void registerMacRoutes(api::Server& server, const query::QuerySource& source);
void registerMacProtocolRoutes(api::Server& server, const query::QuerySource& source);
void registerVlanRoutes(api::Server& server, const query::QuerySource& source);
void registerL4PortRoutes(api::Server& server, const query::QuerySource& source);
void registerPacketSizeRoutes(api::Server& server, const query::QuerySource& source);
void registerQosRoutes(api::Server& server, const query::QuerySource& source);
// L7: dpi (L7 protocols), dns, http, ssl (TLS servers and clients), quic (the QUIC TLS server table).
void registerDpiRoutes(api::Server& server, const query::QuerySource& source);
void registerDnsRoutes(api::Server& server, const query::QuerySource& source);
void registerHttpRoutes(api::Server& server, const query::QuerySource& source);
void registerSslRoutes(api::Server& server, const query::QuerySource& source);
void registerQuicRoutes(api::Server& server, const query::QuerySource& source);
void registerGlobalRoutes(api::Server& server, const query::QuerySource& source);
// /API/stats/interfaces (not a module path in the reference, but the interface module's data).
void registerInterfaceRoutes(api::Server& server, const query::QuerySource& source);

}  // namespace netmeter
