#pragma once

#include <string>

#include "api/errors.h"
#include "api/http_types.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "query/path_params.h"

namespace netmeter::query {

// The address of an /ips/:ip/... route: 400 naming `ip` when it is not an address, 404 when the IP
// table has never seen it (or no longer keeps it), as /ips/:ip itself answers; the tabs of an IP that
// is known answer with empty lists or zero counters for what it did not do.
inline bool ipSeen(const Engine& engine, const IpAddress& ip) {
  bool seen = false;
  engine.forEachShard([&](const Shard& s) { seen = seen || s.modules().ip.ips().find(ip) != nullptr; });
  return seen;
}

inline api::Expected<IpAddress> seenIpParam(const api::Request& req, const Engine& engine) {
  auto ip = ipParam(req);
  if (!ip) return ip;
  if (!ipSeen(engine, *ip)) return api::notFound("IP " + ip->toString() + " has not been seen");
  return ip;
}

}  // namespace netmeter::query
