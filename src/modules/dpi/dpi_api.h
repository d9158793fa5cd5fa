#pragma once

#include "api/http_types.h"
#include "core/ip_address.h"
#include "query/query_context.h"

namespace netmeter {

// `GET /API/stats/modules/ip/ips/:ip/protocols` (layer=l7, the default): the IP's L7 protocols
// (nDPI) with traffic from the IP's view, merged over shards; paged.
api::Response ipL7ProtocolList(const query::QueryContext& ctx, const api::Request& req, const IpAddress& ip);

}  // namespace netmeter
