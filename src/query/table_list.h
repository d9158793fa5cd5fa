#pragma once

#include <string_view>
#include <vector>

#include "modules/common/keyed_stats.h"
#include "query/counters.h"
#include "query/json_rows_csv.h"
#include "query/list_query.h"

namespace netmeter::query {

// Merges one module table over every shard: for the small tables (VLANs, EtherTypes, QoS classes,
// interfaces, server ports) whose merge costs less than a query's parsing.
template <typename Key, typename Record, typename TableOf>
KeyedStats<Key, Record> mergedTable(const Engine& engine, TableOf table) {
  KeyedStats<Key, Record> out;
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) { out.mergeFrom(table(s), scratch); });
  return out;
}

// A paged list of a merged table. Sort columns: the traffic columns and `keyColumn` (by key).
// `include(key, record)` filters rows (the request's `filter` is refused: refuseFilter);
// `writeRow(j, key, record)` writes one row object. With csv=true the whole list as `csvName`
// (JsonRowsCsv).
template <typename Key, typename Record, typename Include, typename WriteRow>
api::Response tableList(const api::Request& req, const TimeWindow& w, const KeyedStats<Key, Record>& table,
                        std::string_view keyColumn, std::string_view defaultSort, std::string_view csvName,
                        Include include, WriteRow writeRow) {
  std::vector<std::string_view> columns = {"bytes", "rxbytes", "txbytes", "packets", "rxpackets", "txpackets",
                                           "bps",   "rxbps",   "txbps",   "pps",     "rxpps",     "txpps"};
  columns.push_back(keyColumn);
  auto params = parseListParams(req, columns, defaultSort);
  if (!params) return params.errorResponse();
  if (auto refused = refuseFilter(*params)) return refused->toResponse();
  const auto metric = trafficMetric(params->sort);
  std::vector<Ranked<Key>> rows;
  table.forEach([&](const Key& k, const Record& r) {
    if (!include(k, r)) return;
    rows.push_back({k, metric ? metricValue(r.counters, *metric, w) : 0.0});
  });
  return pageOrCsv(rows, *params, w, csvName,
                   [&](JsonOut& j, const Key& k) { writeRow(j, k, *table.find(k)); });
}

}  // namespace netmeter::query
