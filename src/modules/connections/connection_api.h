#pragma once

#include <compare>
#include <optional>
#include <string_view>
#include <cstdint>
#include <string>
#include <vector>

#include "api/server.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "flow/connection.h"
#include "modules/connections/l7_response_score.h"
#include "query/json_out.h"
#include "query/query_context.h"
#include "query/time_window.h"

namespace netmeter {

// A connection as a list row: the worker that owns it, its slot there and its id (a slot reused by a
// later connection after eviction no longer matches, so a stale reference finds nothing).
struct ConnectionRef {
  uint32_t shard = 0;
  uint32_t slot = 0;
  uint64_t id = 0;
  friend auto operator<=>(const ConnectionRef&, const ConnectionRef&) = default;
  friend bool operator==(const ConnectionRef&, const ConnectionRef&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const ConnectionRef& r) {
    return H::combine(std::move(h), r.shard, r.slot, r.id);
  }
};

// The id of a connection in the API: "<worker>-<slot>-<serial>" (the lists' "id", the path of
// /API/stats/modules/ip/connections/:id). Stable while the connection is kept; a stale id finds nothing.
std::string connectionIdText(const ConnectionRef& ref);
std::optional<ConnectionRef> parseConnectionId(std::string_view text);
// The route's `:id` parameter as a connection, or the 400 that names it.
api::Expected<ConnectionRef> connectionIdParam(const api::Request& req);
// The 404 for a reference that names no connection (any more: evicted).
api::ApiError connectionNotKnown(const ConnectionRef& ref);

// Calls f(connection) under its shard's lock when `ref` still names a connection; false otherwise.
template <typename F>
bool withConnection(const Engine& engine, const ConnectionRef& ref, F&& f) {
  if (ref.shard >= engine.workerCount()) return false;
  bool found = false;
  engine.withShard(ref.shard, [&](const Shard& s) {
    const Connection* c = s.flows().connectionAt(ref.slot);
    if (c == nullptr || c->id != ref.id) return;
    found = true;
    f(*c);
  });
  return found;
}

// Sort columns of connection lists: the traffic columns plus these.
const std::vector<std::string_view>& connectionSortColumns();
// The sort value of `column` for a connection (traffic columns from the client's view:
// rx = received by the client; missing figures sort as -1). The score columns need `scores`
// (without them, as for lists that do not offer these columns, they are -1).
double connectionSortValue(const Connection& c, std::string_view column, const query::TimeWindow& w,
                           const L7ResponseScores* scores);

// One connection object: id, endpoints, protocol, counters, times, termination, VLAN/MPLS/QoS per
// side, L7 protocol and metadata (DNS query, HTTP transactions, TLS/QUIC handshake), server name, L7
// response time and its scores (against `scores`), TCP health ("tcp", null for other protocols); with
// `names` the endpoints' alternative names (detail).
struct ConnectionNames {
  std::vector<std::string> client, server;
};
void writeConnection(query::JsonOut& j, const ConnectionRef& ref, const Connection& c, const query::TimeWindow& w,
                     const L7ResponseScores& scores, const ConnectionNames* names = nullptr);
// CSV header and row (the same columns as the JSON object's scalar fields).
std::string connectionCsvHeader();
void appendConnectionCsv(std::string& out, const ConnectionRef& ref, const Connection& c, const query::TimeWindow& w,
                         const L7ResponseScores& scores);

// A paged (or CSV) list of the connections for which `include(c)` holds.
template <typename Include>
api::Response connectionList(const query::QueryContext& ctx, const api::Request& req, Include include,
                             const std::string& csvName);

// /API/stats/modules/ip/globalConnections (and .../globalConnections/csv).
void registerConnectionRoutes(api::Server& server, const query::QuerySource& source);

}  // namespace netmeter

#include "modules/connections/connection_list.inl"
