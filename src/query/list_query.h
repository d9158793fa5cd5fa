#pragma once

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.h"
#include "api/http_types.h"
#include "filter/filter.h"
#include "query/json_out.h"
#include "query/time_window.h"

namespace netmeter::query {

// The list parameters of the reference API:
//   sort      a column of the list (traffic columns of counters.h and the list's own ones)
//   reverse   false: ascending (default), true: descending
//   page      page number from 0, `count` rows per page (default 10; more than kMaxPageRows give
//             kMaxPageRows, as the reference answers its own count=9999 example)
//   filter    substring of the row's addresses and names, or, when it starts with '(', an
//             expression of the filter language (docs/filter-language.md) on the row
//   csv       true: the whole list (every page, same sort and filter) as CSV, streamed
constexpr int64_t kMaxPageRows = 100;

struct ListParams {
  std::string sort;
  bool reverse = false;
  size_t page = 0;
  size_t count = 10;
  std::string filter;
  bool csv = false;
};
api::Expected<ListParams> parseListParams(const api::Request& req,
                                          const std::vector<std::string_view>& columns,
                                          std::string_view defaultSort);

// The row filter of a list request: empty (everything), a substring, or a compiled expression.
class RowFilter {
 public:
  // Errors (a bad expression) name the "filter" parameter with the position and what was expected.
  static api::Expected<std::shared_ptr<RowFilter>> parse(std::string_view text);
  bool empty() const { return substring_.empty() && !expression_; }
  bool isExpression() const { return expression_.has_value(); }
  // Substring test, case-insensitive.
  bool containsText(std::string_view haystack) const;
  // Expression test (false when the filter is a substring filter).
  template <typename Row>
  bool matches(const Row& row) {
    return expression_ && expression_->match(row) == filter::Match::kYes;
  }
  const std::string& substring() const { return substring_; }

 private:
  std::string substring_;  // lower-case
  std::optional<filter::Filter> expression_;
};

// For the lists that take no filter (small tables, an IP's aggregates): a filter that is not empty
// is refused (400 naming `filter`; a bad expression with its position), never ignored: a script
// would otherwise take every row for the rows it asked for.
std::optional<api::ApiError> refuseFilter(const ListParams& p);

// A row key and its sort value.
template <typename Key>
struct Ranked {
  Key key;
  double value = 0;
};

enum class Combine : uint8_t { kSum, kMin, kMax };

// Collects sort values per key from every shard and merges the parts of keys that several shards
// hold (an IP's traffic is spread over the workers that own its IP pairs).
template <typename Key>
class RankCollector {
 public:
  // `expectedRows`: the sum of the shards' table sizes (an upper bound), reserved up front so that
  // collecting a million rows does not spend its time growing the vector and the index.
  RankCollector(size_t shards, Combine combine, size_t expectedRows = 0)
      : merge_(shards > 1), combine_(combine) {
    rows_.reserve(expectedRows);
    if (merge_) index_.reserve(expectedRows);
  }
  void add(const Key& key, double value) {
    if (!merge_) {
      rows_.push_back({key, value});
      return;
    }
    auto [it, inserted] = index_.try_emplace(key, rows_.size());
    if (inserted) {
      rows_.push_back({key, value});
      return;
    }
    double& v = rows_[it->second].value;
    switch (combine_) {
      case Combine::kSum:
        v += value;
        break;
      case Combine::kMin:
        v = std::min(v, value);
        break;
      case Combine::kMax:
        v = std::max(v, value);
        break;
    }
  }
  std::vector<Ranked<Key>> take() { return std::move(rows_); }

 private:
  bool merge_;
  Combine combine_;
  std::vector<Ranked<Key>> rows_;
  absl::flat_hash_map<Key, size_t> index_;
};

// Orders rows by value (ascending, or descending with reverse), ties by key ascending, so pages are
// stable. Only the first `limit` rows are guaranteed ordered (all of them with limit >= size).
template <typename Key>
void orderRows(std::vector<Ranked<Key>>& rows, bool reverse, size_t limit) {
  auto less = [reverse](const Ranked<Key>& a, const Ranked<Key>& b) {
    if (a.value != b.value) return reverse ? a.value > b.value : a.value < b.value;
    return a.key < b.key;
  };
  if (limit >= rows.size()) {
    std::sort(rows.begin(), rows.end(), less);
  } else {
    std::partial_sort(rows.begin(), rows.begin() + long(limit), rows.end(), less);
  }
}

// The keys of the requested page after orderRows.
template <typename Key>
std::vector<Key> pageKeys(std::vector<Ranked<Key>>& rows, const ListParams& p) {
  const size_t begin = std::min(rows.size(), p.page * p.count);
  const size_t end = std::min(rows.size(), begin + p.count);
  orderRows(rows, p.reverse, end);
  std::vector<Key> keys;
  keys.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) keys.push_back(rows[i].key);
  return keys;
}

// Starts a paged list response: {"sort", "reverse", "page", "count", "totalItems", "starttime",
// "endtime", "displayedItems": [ — the caller writes the rows, then calls endPagedList.
void beginPagedList(JsonOut& j, const ListParams& p, size_t total, const TimeWindow& w);
void endPagedList(JsonOut& j);

// Quotes a CSV field when needed (RFC 4180).
void appendCsvField(std::string& out, std::string_view field);

// Streams a CSV document: `header` first, then `writeRow(key, out)` for every key in order, in
// chunks of about `maxBytes` (the server's back-pressure bounds memory to one chunk). `hold` keeps
// what writeRows reads (the request's analysis, QueryContext::hold) alive until the last chunk.
template <typename Key>
api::Response csvResponse(
    std::string header, std::vector<Key> keys, std::string fileName, std::shared_ptr<const void> hold,
    std::function<void(const std::vector<Key>& keys, size_t begin, size_t end, std::string& out)> writeRows) {
  struct State {
    std::shared_ptr<const void> hold;
    std::string header;
    std::vector<Key> keys;
    size_t next = 0;
    bool headerSent = false;
  };
  auto state = std::make_shared<State>(State{std::move(hold), std::move(header), std::move(keys)});
  auto producer = api::makeProducer([state, writeRows](std::string& out, size_t maxBytes) {
    if (!state->headerSent) {
      out += state->header;
      state->headerSent = true;
    }
    // Rows are rendered in batches (one lock round over the shards per batch).
    while (state->next < state->keys.size() && out.size() < maxBytes) {
      const size_t end = std::min(state->keys.size(), state->next + 256);
      writeRows(state->keys, state->next, end, out);
      state->next = end;
    }
    return state->next < state->keys.size() ? api::StreamStep::More : api::StreamStep::Done;
  });
  return std::move(api::Response::streamed(std::move(producer), "text/csv; charset=utf-8")
                       .withHeader("Content-Disposition", "attachment; filename=\"" + fileName + "\""));
}

}  // namespace netmeter::query
