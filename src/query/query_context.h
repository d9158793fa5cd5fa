#pragma once

#include "api/errors.h"
#include "api/http_types.h"
#include "engine/analysis.h"
#include "query/time_window.h"

namespace netmeter {
class OuiDatabase;
}

namespace netmeter::query {

// What every statistics route reads: the running (or finished) analysis and shared lookup tables.
struct QueryContext {
  const Analysis& analysis;
  const OuiDatabase* vendors = nullptr;

  const Engine& engine() const { return analysis.engine(); }
  // The request's time selection (see time_window.h).
  api::Expected<TimeWindow> window(const api::Request& req, size_t defaultValues) const {
    return parseTimeWindow(req, traceClock(analysis), defaultValues);
  }
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

}  // namespace netmeter::query
