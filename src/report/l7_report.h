#pragma once

#include "flow/connection.h"
#include "modules/module_set.h"
#include "report/report_json.h"

namespace netmeter {

// The L7 parts of the JSON report (DPI, DNS, HTTP, alternative names).

// Fields of a connection object: "l7ResponseTime" (ns or null), "l7Protocol", "dns", "http",
// "starttls".
void writeConnectionL7(ReportJson& w, const Connection& c);
// "alternativeNames": [...] of an IP object.
void writeAlternativeNames(ReportJson& w, const HostNameTable& names, const IpAddress& ip);
// Top-level "l7Protocols", "l7Ips", "dnsServers", "hostNames".
void writeL7Modules(ReportJson& w, const ModuleSet& m);

}  // namespace netmeter
