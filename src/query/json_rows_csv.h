#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"
#include "query/json_out.h"
#include "query/list_query.h"

namespace netmeter::query {

// The CSV form of a list whose rows have no CSV writer of their own (MACs, EtherTypes, VLANs, QoS
// classes, server ports, an IP's peers and aggregates, a protocol's IPs): each row object the list's
// JSON writer produces becomes a line. The first row names the columns, in its order:
// - a scalar field is a column of its name (null: an empty cell);
// - a counter array (allTime, interval, lastSecond, intervalPerSecond: docs/api.md "Counters") is one
//   column per counter: `allTime_packets`, `allTime_bytes` for two, `allTime_rxPackets`,
//   `allTime_rxBytes`, `allTime_txPackets`, `allTime_txBytes` for four or more (then `allTime_4`...);
// - another array of scalars is one cell, its values separated by spaces (a MAC's IPs);
// - objects and arrays of objects (history datasets) are left out.
// A later row's field of another shape, or missing, is an empty cell. An empty list is an empty
// document (there is no row to name the columns).
class JsonRowsCsv {
 public:
  // Adds one row, the JSON text of an object; throws nothing: a row that is not an object is skipped.
  void add(std::string_view rowJson);
  // The document: the header and every row, CRLF-terminated (RFC 4180).
  std::string take();

 private:
  struct Column {
    std::string field;  // the row object's member
    int index = -1;     // the counter's position in the array; -1: the member itself
  };
  void addHeader(std::string_view name);

  std::vector<Column> columns_;
  std::string header_;
  std::string rows_;
  bool haveColumns_ = false;
};

// A CSV body as a download named `fileName`.
api::Response csvDocument(std::string body, std::string_view fileName);

// The whole list (all of `rows`, ordered as the page would be) as a CSV response named `fileName`;
// `writeRow(j, key)` writes the row object the JSON page shows for `key`.
template <typename Key, typename WriteRow>
api::Response rowsAsCsv(std::vector<Ranked<Key>>& rows, bool reverse, std::string_view fileName,
                        WriteRow writeRow) {
  orderRows(rows, reverse, rows.size());
  JsonRowsCsv csv;
  for (const Ranked<Key>& r : rows) {
    JsonOut j;
    writeRow(j, r.key);
    csv.add(j.take());
  }
  return csvDocument(csv.take(), fileName);
}

// A list's answer from its ranked rows: the requested page as JSON, or with csv=true every row as
// the CSV document `csvName` (rowsAsCsv); `writeRow(j, key)` writes one row object.
template <typename Key, typename WriteRow>
api::Response pageOrCsv(std::vector<Ranked<Key>>& rows, const ListParams& p, const TimeWindow& w,
                        std::string_view csvName, WriteRow writeRow) {
  if (p.csv) return rowsAsCsv(rows, p.reverse, csvName, writeRow);
  const size_t total = rows.size();
  const auto page = pageKeys(rows, p);
  JsonOut j;
  beginPagedList(j, p, total, w);
  for (const Key& key : page) writeRow(j, key);
  endPagedList(j);
  return api::Response::json(j.take());
}

}  // namespace netmeter::query
