#pragma once

#include "flow/connection.h"
#include "modules/module_set.h"
#include "report/report_json.h"

namespace netmeter {

// The TLS and QUIC parts of the JSON report.

// "tls": {...} or "quic": {...} of a connection whose handshake was read (nothing otherwise).
void writeConnectionTls(ReportJson& w, const Connection& c);
// Top-level "tlsServers", "tlsClients", "quicServers".
void writeTlsModules(ReportJson& w, const ModuleSet& m);

}  // namespace netmeter
