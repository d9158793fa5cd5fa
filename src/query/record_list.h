#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "api/http_types.h"
#include "modules/common/keyed_stats.h"
#include "query/json_out.h"
#include "query/list_query.h"
#include "query/time_window.h"

namespace netmeter::query {

// A snapshot of a module table merged over every shard, shared with a CSV stream that outlives the
// request handler.
template <typename Key, typename Record, typename TableOf>
std::shared_ptr<const KeyedStats<Key, Record>> mergedSnapshot(const Engine& engine, TableOf tableOf) {
  auto out = std::make_shared<KeyedStats<Key, Record>>();
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) { out->mergeFrom(tableOf(s), scratch); });
  return out;
}

// A paged (or CSV) list over a snapshot of a table merged over the shards (modules' small per-server
// tables: DNS, HTTP, TLS, QUIC servers, L7 protocols). The list's own columns, its filter text and
// row writers come from the spec. Substring filters match `text(key, record)`; filter expressions
// are refused (400 naming `filter`) since these rows are not packets, connections or IPs.
template <typename Key, typename Record>
struct RecordListSpec {
  std::vector<std::string_view> columns;  // sort columns, the first is the default
  std::function<double(const Key&, const Record&, std::string_view column)> sortValue;
  std::function<bool(const Key&, const Record&)> include;  // optional
  std::function<std::string(const Key&, const Record&)> text;
  std::function<void(JsonOut&, const Key&, const Record&)> writeRow;
  std::string csvHeader;  // empty: csv=true is refused
  std::function<void(std::string&, const Key&, const Record&)> csvRow;
  std::string csvName;
};

template <typename Key, typename Record>
api::Response recordList(const api::Request& req, const TimeWindow& w,
                         std::shared_ptr<const KeyedStats<Key, Record>> table, RecordListSpec<Key, Record> spec) {
  auto params = parseListParams(req, spec.columns, spec.columns.front());
  if (!params) return params.errorResponse();
  if (params->csv && spec.csvHeader.empty())
    return api::badParameter("csv", "this list has no CSV form").toResponse();
  auto rowFilter = RowFilter::parse(params->filter);
  if (!rowFilter) return rowFilter.errorResponse();
  const RowFilter& filter = **rowFilter;
  if (filter.isExpression())
    return api::badParameter("filter", "this list takes a substring filter, not an expression").toResponse();
  std::vector<Ranked<Key>> rows;
  rows.reserve(table->size());
  table->forEach([&](const Key& k, const Record& r) {
    if (spec.include && !spec.include(k, r)) return;
    if (!filter.empty() && !filter.containsText(spec.text(k, r))) return;
    rows.push_back({k, spec.sortValue(k, r, params->sort)});
  });
  if (params->csv) {
    orderRows(rows, params->reverse, rows.size());
    std::vector<Key> keys;
    keys.reserve(rows.size());
    for (const auto& r : rows) keys.push_back(r.key);
    auto csvRow = spec.csvRow;
    return csvResponse<Key>(spec.csvHeader, std::move(keys), spec.csvName, table,
                            [table, csvRow](const std::vector<Key>& order, size_t begin, size_t end, std::string& out) {
                              for (size_t i = begin; i < end; ++i)
                                if (const Record* r = table->find(order[i])) csvRow(out, order[i], *r);
                            });
  }
  const size_t total = rows.size();
  const auto page = pageKeys(rows, *params);
  JsonOut j;
  beginPagedList(j, *params, total, w);
  for (const Key& k : page) spec.writeRow(j, k, *table->find(k));
  endPagedList(j);
  return api::Response::json(j.take());
}

}  // namespace netmeter::query
