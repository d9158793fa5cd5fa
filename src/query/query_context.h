#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "api/errors.h"
#include "api/http_types.h"
#include "engine/analysis.h"
#include "engine/analysis_slot.h"
#include "query/time_window.h"

namespace netmeter {
class OuiDatabase;
}

namespace netmeter::query {

// What one request reads: the analysis that was current when it started (kept alive by `hold` for as
// long as the request, or its streamed response, needs it) and shared lookup tables.
struct QueryContext {
  std::shared_ptr<const Analysis> hold;
  const Analysis& analysis;
  const OuiDatabase* vendors = nullptr;

  QueryContext(std::shared_ptr<const Analysis> a, const OuiDatabase* v)
      : hold(std::move(a)), analysis(*hold), vendors(v) {}

  const Engine& engine() const { return analysis.engine(); }
  // The request's time selection (see time_window.h).
  api::Expected<TimeWindow> window(const api::Request& req, size_t defaultValues) const {
    return parseTimeWindow(req, traceClock(analysis), defaultValues);
  }
};

// What routes are registered with (it outlives the server): every handler starts with
// `const QueryContext ctx = source.open();` and reads only through that context.
struct QuerySource {
  const AnalysisSlot& slot;
  const OuiDatabase* vendors = nullptr;
  // Memory the lists' ranking indexes may take (query/traffic_ranking.h); 0: none are kept.
  int64_t rankingBytes = 0;

  QueryContext open() const { return QueryContext(slot.current(), vendors); }
};

// A record of `key` merged over every shard (nullopt when no shard has it). `table(shard)` returns
// the KeyedStats to look in. The copy's history memory is freed with it.
template <typename Record, typename TableOf, typename Key>
std::optional<Record> mergedRecord(const Engine& engine, TableOf table, const Key& key) {
  std::optional<Record> out;
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) {
    if (const Record* r = table(s).find(key)) {
      if (!out) out.emplace();
      out->mergeFrom(*r, scratch);
    }
  });
  return out;
}

// The records of `keys` merged over every shard, in the order of `keys` (nullopt where no shard has
// one), with one lock round over the shards: a page of rows looked up one by one would wait for each
// busy worker once per row.
template <typename Record, typename TableOf, typename Key>
std::vector<std::optional<Record>> mergedRecords(const Engine& engine, TableOf table, const std::vector<Key>& keys,
                                                 size_t begin = 0, size_t end = SIZE_MAX) {
  end = std::min(end, keys.size());
  std::vector<std::optional<Record>> out(end > begin ? end - begin : 0);
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) {
    for (size_t i = begin; i < end; ++i) {
      if (const Record* r = table(s).find(keys[i])) {
        auto& merged = out[i - begin];
        if (!merged) merged.emplace();
        merged->mergeFrom(*r, scratch);
      }
    }
  });
  return out;
}

}  // namespace netmeter::query
