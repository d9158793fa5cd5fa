// Template part of connection_api.h: the connection list shared by globalConnections and an IP's
// connections.
#pragma once

#include <memory>

#include "modules/app/connection_app_json.h"
#include "query/list_query.h"

namespace netmeter {

template <typename Include>
api::Response connectionList(const query::QueryContext& ctx, const api::Request& req, Include include,
                             const std::string& csvName) {
  auto window = ctx.window(req, 0);
  if (!window) return window.errorResponse();
  auto params = query::parseListParams(req, connectionSortColumns(), "bytes");
  if (!params) return params.errorResponse();
  auto rowFilter = query::RowFilter::parse(params->filter);
  if (!rowFilter) return rowFilter.errorResponse();
  const query::TimeWindow& w = *window;
  query::RowFilter& filter = **rowFilter;
  const Engine& engine = ctx.engine();
  // The servers' averages for the score fields and columns, merged over the shards once per request
  // (no shard lock is held meanwhile): before the rows when they are sorted by a score, else once
  // there is a row to write.
  const bool sortByScore = params->sort == "l7responsescore" || params->sort == "l7serverscore";
  auto scores = std::make_shared<L7ResponseScores>();
  if (sortByScore) *scores = L7ResponseScores::build(engine);

  std::vector<query::Ranked<ConnectionRef>> rows;
  uint32_t shardIndex = 0;
  std::string scratch;
  ctx.engine().forEachShard([&](const Shard& s) {
    s.flows().forEachWithSlot([&](uint32_t slot, const Connection& c) {
      if (!include(c)) return;
      if (filter.isExpression()) {
        if (!filter.matches(filter::ConnectionView{c, nullptr})) return;
      } else if (!filter.empty()) {
        scratch = c.clientIp.toString() + " " + c.serverIp.toString() + " " + l7DisplayName(c.app.l7) + " ";
        scratch += connectionServerName(c);
        if (!filter.containsText(scratch)) return;
      }
      rows.push_back(
          {ConnectionRef{shardIndex, slot, c.id}, connectionSortValue(c, params->sort, w, scores.get())});
    });
    ++shardIndex;
  });
  if (!sortByScore && !rows.empty()) *scores = L7ResponseScores::build(engine);

  if (params->csv) {
    query::orderRows(rows, params->reverse, rows.size());
    std::vector<ConnectionRef> keys;
    keys.reserve(rows.size());
    for (const auto& r : rows) keys.push_back(r.key);
    return query::csvResponse<ConnectionRef>(
        connectionCsvHeader(), std::move(keys), csvName, ctx.hold,
        [&engine, w, scores](const std::vector<ConnectionRef>& order, size_t begin, size_t end, std::string& out) {
          for (size_t i = begin; i < end; ++i) {
            withConnection(engine, order[i],
                           [&](const Connection& c) { appendConnectionCsv(out, order[i], c, w, *scores); });
          }
        });
  }
  const size_t total = rows.size();
  const std::vector<ConnectionRef> page = query::pageKeys(rows, *params);
  query::JsonOut j;
  query::beginPagedList(j, *params, total, w);
  for (const ConnectionRef& ref : page) {
    withConnection(engine, ref, [&](const Connection& c) { writeConnection(j, ref, c, w, *scores); });
  }
  query::endPagedList(j);
  return api::Response::json(j.take());
}

}  // namespace netmeter
