#include "query/json_rows_csv.h"

#include <gtest/gtest.h>

namespace netmeter::query {
namespace {

// Columns come from the first row: scalars by name, counter arrays one column per counter with the
// names docs/api.md gives them ([packets, bytes]; [rx p, rx B, tx p, tx B, ...]), other arrays of
// scalars as one space-separated cell; objects (history) are left out; RFC 4180 quoting.
TEST(JsonRowsCsv, FlattensRowsByTheFirstRowsShape) {
  JsonRowsCsv csv;
  csv.add(R"({"mac":"00:11:22:33:44:55","vendor":"Acme, Inc.","allTime":[1,2,3,4,5,6],)"
          R"("intervalPerSecond":[0.5,1.25],"history":{"starttime":1,"values":[[1,2]]},)"
          R"("ips":["10.0.0.1","10.0.0.2"],"note":null,"on":true})");
  csv.add(R"({"mac":"02:00:00:00:00:01","ips":["a,b","c"]})");  // a joined cell is quoted once
  csv.add(R"({"mac":"aa:bb:cc:dd:ee:ff","vendor":"say \"hi\"","allTime":[7,8,9,10,11,12],)"
          R"("intervalPerSecond":[2,3],"ips":[],"on":false,"extra":1})");
  csv.add(R"({"mac":"01:02:03:04:05:06"})");  // fields missing: empty cells
  csv.add("not json");                        // skipped
  EXPECT_EQ(csv.take(),
            "mac,vendor,allTime_rxPackets,allTime_rxBytes,allTime_txPackets,allTime_txBytes,allTime_4,"
            "allTime_5,intervalPerSecond_packets,intervalPerSecond_bytes,ips,note,on\r\n"
            "00:11:22:33:44:55,\"Acme, Inc.\",1,2,3,4,5,6,0.5,1.25,10.0.0.1 10.0.0.2,,true\r\n"
            "02:00:00:00:00:01,,,,,,,,,,\"a,b c\",,\r\n"
            "aa:bb:cc:dd:ee:ff,\"say \"\"hi\"\"\",7,8,9,10,11,12,2,3,,,false\r\n"
            "01:02:03:04:05:06,,,,,,,,,,,,\r\n");
}

TEST(JsonRowsCsv, AnEmptyListIsAnEmptyDocument) {
  JsonRowsCsv csv;
  EXPECT_EQ(csv.take(), "");
}

TEST(JsonRowsCsv, RowsAsCsvOrdersEveryRowLikeThePage) {
  std::vector<Ranked<int>> rows = {{1, 5.0}, {2, 9.0}, {3, 5.0}, {4, 1.0}};
  const api::Response r = rowsAsCsv(rows, /*reverse=*/true, "x.csv", [](JsonOut& j, int k) {
    j.beginObject();
    j.field("key", k);
    j.endObject();
  });
  EXPECT_EQ(r.body, "key\r\n2\r\n1\r\n3\r\n4\r\n");
  EXPECT_EQ(r.contentType, "text/csv; charset=utf-8");
}

}  // namespace
}  // namespace netmeter::query
