#pragma once

#include "api/server.h"
#include "query/query_context.h"

namespace netmeter {

// /API/stats/time, /API/stats/load and /API/stats/processing: where packet time stands, what the
// process costs, and how far the analysis of the source has come.
void registerSystemStatsRoutes(api::Server& server, const query::QuerySource& source);

}  // namespace netmeter
