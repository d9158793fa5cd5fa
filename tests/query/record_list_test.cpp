#include "query/record_list.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "modules/dpi/dpi_records.h"

namespace netmeter::query {
namespace {

using Table = KeyedStats<uint16_t, DpiProtocolRecord>;

std::shared_ptr<const Table> table() {
  auto t = std::make_shared<Table>();
  MemoryAccount account;
  const uint64_t connections[] = {5, 1, 9, 5};
  for (uint16_t k = 0; k < 4; ++k) t->findOrCreate(uint16_t(10 + k), account).connections = connections[k];
  return t;
}

RecordListSpec<uint16_t, DpiProtocolRecord> spec(bool csv = false) {
  RecordListSpec<uint16_t, DpiProtocolRecord> s;
  s.columns = {"connections", "key"};
  s.sortValue = [](const uint16_t&, const DpiProtocolRecord& r, std::string_view column) {
    return column == "connections" ? double(r.connections) : 0.0;
  };
  s.text = [](const uint16_t& k, const DpiProtocolRecord&) { return "proto" + std::to_string(k); };
  s.writeRow = [](JsonOut& j, const uint16_t& k, const DpiProtocolRecord& r) {
    j.beginObject();
    j.field("key", uint32_t{k});
    j.field("connections", r.connections);
    j.endObject();
  };
  if (csv) {
    s.csvHeader = "key,connections\r\n";
    s.csvRow = [](std::string& out, const uint16_t& k, const DpiProtocolRecord& r) {
      out += std::to_string(k) + "," + std::to_string(r.connections) + "\r\n";
    };
    s.csvName = "t.csv";
  }
  return s;
}

api::Request request(std::initializer_list<std::pair<std::string, std::string>> query) {
  api::Request r;
  for (const auto& q : query) r.query.push_back(q);
  return r;
}

std::vector<int> keys(const api::Response& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  std::vector<int> out;
  const auto doc = nlohmann::json::parse(r.body);
  for (const auto& row : doc["displayedItems"]) out.push_back(row["key"]);
  return out;
}

TEST(RecordList, SortsDescendingWithTiesByKeyAndPages) {
  TimeWindow w;
  auto r = recordList(request({{"sort", "connections"}, {"reverse", "true"}, {"count", "3"}}), w, table(), spec());
  EXPECT_EQ(keys(r), (std::vector<int>{12, 10, 13}));
  EXPECT_EQ(nlohmann::json::parse(r.body)["totalItems"], 4);
  auto page1 = recordList(request({{"sort", "connections"}, {"reverse", "true"}, {"count", "3"}, {"page", "1"}}), w,
                          table(), spec());
  EXPECT_EQ(keys(page1), (std::vector<int>{11}));
}

TEST(RecordList, SubstringFilterMatchesTheRowText) {
  TimeWindow w;
  auto r = recordList(request({{"filter", "PROTO12"}}), w, table(), spec());
  EXPECT_EQ(keys(r), (std::vector<int>{12}));
}

TEST(RecordList, RefusesExpressionsUnknownColumnsAndCsvWithoutACsvForm) {
  TimeWindow w;
  auto expression = recordList(request({{"filter", "(ip == 1.2.3.4)"}}), w, table(), spec());
  EXPECT_EQ(expression.status, 400);
  EXPECT_EQ(nlohmann::json::parse(expression.body)["parameter"], "filter");
  auto column = recordList(request({{"sort", "bytes"}}), w, table(), spec());
  EXPECT_EQ(nlohmann::json::parse(column.body)["parameter"], "sort");
  auto csv = recordList(request({{"csv", "true"}}), w, table(), spec());
  EXPECT_EQ(nlohmann::json::parse(csv.body)["parameter"], "csv");
}

TEST(RecordList, CsvStreamsEveryRowInOrder) {
  TimeWindow w;
  auto r = recordList(request({{"csv", "true"}, {"sort", "connections"}}), w, table(), spec(true));
  ASSERT_TRUE(r.stream);
  std::string body, chunk;
  for (;;) {
    chunk.clear();
    const auto step = r.stream->next(chunk, 1 << 16);
    body += chunk;
    if (step != api::StreamStep::More) break;
  }
  EXPECT_EQ(body, "key,connections\r\n11,1\r\n10,5\r\n13,5\r\n12,9\r\n");
}

}  // namespace
}  // namespace netmeter::query
