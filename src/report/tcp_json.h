#pragma once

#include <optional>

#include "flow/connection.h"
#include "modules/tcp/tcp_module.h"
#include "report/report_json.h"

namespace netmeter {

// The "tcp" object of a TCP connection (its TCP health; see README "TCP health").
void writeTcpConnectionJson(ReportJson& w, const Connection& c);
// The top-level "tcp" object: counter names, global statistics, per-IP statistics and open TCP
// server ports, in the shapes the REST API serves them.
void writeTcpModuleJson(ReportJson& w, const TcpModule& m);
// The statistics object of one IP (or the global one), without the surrounding braces.
void writeTcpStatsFields(ReportJson& w, const TcpIpRecord& r);

}  // namespace netmeter
