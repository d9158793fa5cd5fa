// The L7 response-time scores through the REST API (answered through the router, as the server
// would, without the network): nDPI's 1kxun.pcap, an HTTP server (161.117.13.29) answering several
// connections at different speeds; nDPI's alexa-app.pcapng, 88 TLS handshakes with 20 servers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>

#include "api/server.h"
#include "api/url.h"
#include "engine/analysis.h"
#include "engine/analysis_slot.h"
#include "io/capture_files.h"
#include "modules/module_routes.h"
#include "query/query_context.h"
#include "test_paths.h"

namespace netmeter {
namespace {

using nlohmann::json;

const std::string kHttpCapture = "ndpi/1kxun.pcap";
const std::string kTlsCapture = "ndpi/alexa-app.pcapng";
const std::string kConnections = "/API/stats/modules/ip/globalConnections";

// `netmeter serve` on a capture with `threads` workers, analysed to its end.
class ScoreApi {
 public:
  ScoreApi(const std::string& capture, unsigned threads) {
    const std::string path = test::sharedPcap(capture).string();
    OpenResult opened = openCaptureFiles({path});
    if (!opened.source) throw std::runtime_error("cannot open " + path);
    EngineOptions options;
    options.threads = threads;
    analysis_ = std::make_shared<Analysis>(std::move(opened.source), std::vector<std::string>{path}, options);
    analysis_->start();
    analysis_->wait();
    slot_ = std::make_unique<AnalysisSlot>(analysis_);
    source_ = std::make_unique<query::QuerySource>(query::QuerySource{*slot_, nullptr, 0});
    server_ = std::make_unique<api::Server>(api::ServerOptions{});
    registerModuleRoutes(*server_, *source_);
  }

  // The answer's status and body (a streamed body drained).
  std::pair<int, std::string> raw(std::string_view target) const {
    std::string_view path, query;
    api::splitTarget(target, path, query);
    auto match = server_->router().match(api::Method::Get, path);
    if (match.outcome != api::Router::Outcome::Found) return {404, ""};
    auto parsed = api::parseQuery(query);
    if (!parsed) return {parsed.error().status, parsed.error().message};
    api::Request req;
    req.method = api::Method::Get;
    req.path = std::string(path);
    req.query = std::move(*parsed);
    req.params = std::move(match.params);
    req.user = "test";
    req.role = api::Role::Admin;
    req.clientAddress = "127.0.0.1";
    api::Response r = match.route->handler(req);
    if (!r.stream) return {r.status, r.body};
    std::string body, chunk;
    for (;;) {
      chunk.clear();
      const api::StreamStep step = r.stream->next(chunk, 64 * 1024);
      body += chunk;
      if (step != api::StreamStep::More) break;
    }
    return {r.status, body};
  }
  json get(std::string_view target, int status = 200) const {
    auto [code, body] = raw(target);
    EXPECT_EQ(code, status) << target << ": " << body;
    return json::parse(body, nullptr, false);
  }
  // Every connection of the list (all pages), in the order of `query`.
  std::vector<json> connections(const std::string& query) const {
    std::vector<json> rows;
    for (int page = 0;; ++page) {
      const json doc = get(kConnections + "?count=100&page=" + std::to_string(page) + "&" + query);
      for (const json& r : doc["displayedItems"]) rows.push_back(r);
      if (doc["displayedItems"].empty() || rows.size() >= doc["totalItems"].get<size_t>()) break;
    }
    return rows;
  }

 private:
  std::shared_ptr<Analysis> analysis_;
  std::unique_ptr<AnalysisSlot> slot_;
  std::unique_ptr<query::QuerySource> source_;
  std::unique_ptr<api::Server> server_;
};

const ScoreApi& scoreApi(const std::string& capture, unsigned threads = 2) {
  static std::map<std::pair<std::string, unsigned>, std::unique_ptr<ScoreApi>> apis;
  auto& api = apis[{capture, threads}];
  if (!api) api = std::make_unique<ScoreApi>(capture, threads);
  return *api;
}

// The cells of one CSV line (RFC 4180 quoting).
std::vector<std::string> csvCells(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted && ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      cells.back() += '"';
      ++i;
    } else if (ch == '"') {
      quoted = !quoted;
    } else if (ch == ',' && !quoted) {
      cells.emplace_back();
    } else {
      cells.back() += ch;
    }
  }
  return cells;
}

// The formula of docs/api.md from the figures the HTTP and SSL APIs show.
json expectedScore(double reference, double measured) {
  if (measured == 0) return 100;
  return std::min<int64_t>(100, std::llround(100 * reference / measured));
}

TEST(L7ResponseScoreApi, HttpConnectionsAgainstTheirServer) {
  const ScoreApi& api = scoreApi(kHttpCapture);
  const std::string server = "161.117.13.29";
  const double serverAvg =
      api.get("/API/stats/modules/http/servers/" + server)["responseTime"]["avg"].get<double>();
  const double globalAvg = api.get("/API/stats/modules/http")["responseTime"]["avg"].get<double>();
  ASSERT_GT(serverAvg, 0);
  const json serverScore = expectedScore(globalAvg, serverAvg);
  std::map<int, json> byPort;
  size_t timed = 0;
  for (const json& c : api.connections("sort=start")) {
    if (c["serverIp"] != server || !c.contains("http")) continue;
    byPort[c["clientPort"].get<int>()] = c;
    EXPECT_EQ(c["l7ServerScore"], serverScore) << c["id"];
    if (c["l7ResponseTime"].is_null()) {
      EXPECT_TRUE(c["l7ResponseScore"].is_null()) << c["id"];
      continue;
    }
    ++timed;
    EXPECT_EQ(c["l7ResponseScore"], expectedScore(serverAvg, c["l7ResponseTime"].get<double>())) << c["id"];
  }
  EXPECT_GE(timed, 3u);
  // 45380's longest response took 380 ms, 45422's 184 ms (serve_l7_api_test.py): the slower scores lower.
  ASSERT_TRUE(byPort.count(45380) && byPort.count(45422));
  EXPECT_LT(byPort[45380]["l7ResponseScore"].get<int>(), byPort[45422]["l7ResponseScore"].get<int>());
  // The same in the connection's detail and in the server IP's connection list.
  const json& slow = byPort[45380];
  const json detail = api.get("/API/stats/modules/ip/connections/" + slow["id"].get<std::string>());
  EXPECT_EQ(detail["l7ResponseScore"], slow["l7ResponseScore"]);
  EXPECT_EQ(detail["l7ServerScore"], slow["l7ServerScore"]);
  const json own =
      api.get("/API/stats/modules/ip/ips/" + server + "/connections?count=100&filter=(port%20==%2045380)");
  bool found = false;
  for (const json& c : own["displayedItems"]) {
    if (c["id"] != slow["id"]) continue;
    found = true;
    EXPECT_EQ(c["l7ResponseScore"], slow["l7ResponseScore"]);
    EXPECT_EQ(c["l7ServerScore"], slow["l7ServerScore"]);
  }
  EXPECT_TRUE(found);
}

TEST(L7ResponseScoreApi, TlsHandshakesAgainstTheirServerIp) {
  const ScoreApi& api = scoreApi(kTlsCapture);
  const double globalAvg = api.get("/API/stats/modules/ssl")["handshakeResponseTime"]["avg"].get<double>();
  size_t checked = 0;
  std::set<int> serverScores;
  for (const json& c : api.connections("sort=start")) {
    if (!c.contains("tls") || c.contains("http")) continue;
    const json& handshake = c["tls"]["handshakeResponseTime"];
    // The server IP's handshakes over all its ports.
    const json servers = api.get("/API/stats/modules/ssl/servers/" + c["serverIp"].get<std::string>());
    double count = 0, sum = 0;
    for (const json& s : servers["servers"]) {
      count += s["handshakeResponseTime"]["count"].get<double>();
      sum +=
          s["handshakeResponseTime"]["count"].get<double>() * s["handshakeResponseTime"]["avg"].get<double>();
    }
    if (count == 0) {
      EXPECT_TRUE(c["l7ServerScore"].is_null()) << c["id"];
      EXPECT_TRUE(c["l7ResponseScore"].is_null()) << c["id"];
      continue;
    }
    EXPECT_EQ(c["l7ServerScore"], expectedScore(globalAvg, sum / count)) << c["id"];
    serverScores.insert(c["l7ServerScore"].get<int>());
    if (handshake.is_null()) {
      EXPECT_TRUE(c["l7ResponseScore"].is_null()) << c["id"];
    } else {
      EXPECT_EQ(c["l7ResponseScore"], expectedScore(sum / count, handshake.get<double>())) << c["id"];
      ++checked;
    }
    if (checked % 10 == 1) {  // the detail (its server's averages alone) says the same
      const json detail = api.get("/API/stats/modules/ip/connections/" + c["id"].get<std::string>());
      EXPECT_EQ(detail["l7ResponseScore"], c["l7ResponseScore"]) << c["id"];
      EXPECT_EQ(detail["l7ServerScore"], c["l7ServerScore"]) << c["id"];
    }
  }
  EXPECT_GE(checked, 50u);
  EXPECT_GT(serverScores.size(), 3u);  // servers slower than the average and faster
}

TEST(L7ResponseScoreApi, NoScoreWithoutAnHttpOrTlsMeasure) {
  for (const json& c : scoreApi(kHttpCapture).connections("sort=start")) {
    if (c.contains("http") || c.contains("tls")) continue;
    EXPECT_TRUE(c["l7ResponseScore"].is_null()) << c["id"];
    EXPECT_TRUE(c["l7ServerScore"].is_null()) << c["id"];
  }
}

// A connection's identity across worker counts (its id names its worker).
using ScoreKey = std::tuple<std::string, int, std::string, int, int64_t>;
std::map<ScoreKey, json> connectionsByEndpoints(const ScoreApi& api) {
  std::map<ScoreKey, json> out;
  for (json c : api.connections("sort=start")) {
    c.erase("id");
    const ScoreKey key{c["clientIp"], c["clientPort"], c["serverIp"], c["serverPort"], c["start"]};
    EXPECT_FALSE(out.count(key)) << c.dump();
    out[key] = std::move(c);
  }
  return out;
}

TEST(L7ResponseScoreApi, SameJsonForAnyWorkerCount) {
  for (const std::string& capture : {kHttpCapture, kTlsCapture}) {
    const auto one = connectionsByEndpoints(scoreApi(capture, 1));
    const auto three = connectionsByEndpoints(scoreApi(capture, 3));
    ASSERT_EQ(one.size(), three.size()) << capture;
    size_t scored = 0;
    for (const auto& [key, c] : one) {
      ASSERT_TRUE(three.count(key)) << capture << ": " << c.dump();
      EXPECT_EQ(c, three.at(key)) << capture;
      scored += !c["l7ResponseScore"].is_null();
    }
    EXPECT_GT(scored, 10u) << capture;
  }
}

TEST(L7ResponseScoreApi, SortsByEitherScore) {
  const ScoreApi& api = scoreApi(kTlsCapture);
  for (const std::string column : {"l7ResponseScore", "l7ServerScore"}) {
    for (const bool reverse : {false, true}) {
      const auto rows = api.connections("sort=" + column + "&reverse=" + (reverse ? "true" : "false"));
      ASSERT_FALSE(rows.empty());
      std::vector<int> values;  // null sorts as -1
      for (const json& c : rows) values.push_back(c[column].is_null() ? -1 : c[column].get<int>());
      if (reverse) std::reverse(values.begin(), values.end());
      EXPECT_TRUE(std::is_sorted(values.begin(), values.end())) << column << " reverse=" << reverse;
      EXPECT_NE(values.front(), values.back()) << column;  // nulls and scores both present
    }
  }
  // The CSV: the two columns after l7ResponseTime_ns, in the list's order, as in the JSON rows.
  auto [status, csv] = api.raw(kConnections + "/csv?csv=true&sort=l7ResponseScore&reverse=true");
  ASSERT_EQ(status, 200);
  std::map<std::string, std::string> expected;  // id -> "time,score,serverScore"
  const auto cell = [](const json& v) {
    return v.is_null() ? std::string() : std::to_string(v.get<int64_t>());
  };
  for (const json& c : api.connections("sort=start"))
    expected[c["id"]] =
        cell(c["l7ResponseTime"]) + "," + cell(c["l7ResponseScore"]) + "," + cell(c["l7ServerScore"]);
  std::vector<std::string> header;
  std::vector<int> order;
  size_t lines = 0;
  for (size_t at = 0; at < csv.size();) {
    const size_t end = csv.find("\r\n", at);
    const std::vector<std::string> fields = csvCells(csv.substr(at, end - at));
    at = end == std::string::npos ? csv.size() : end + 2;
    if (header.empty()) {
      header = fields;
      continue;
    }
    ASSERT_EQ(fields.size(), header.size());
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < fields.size(); ++i) row[header[i]] = fields[i];
    EXPECT_EQ(row["l7ResponseTime_ns"] + "," + row["l7ResponseScore"] + "," + row["l7ServerScore"],
              expected[row["id"]])
        << row["id"];
    order.push_back(row["l7ResponseScore"].empty() ? -1 : std::stoi(row["l7ResponseScore"]));
    ++lines;
  }
  const auto column = std::find(header.begin(), header.end(), "l7ResponseTime_ns");
  ASSERT_TRUE(column != header.end() && column + 2 < header.end());
  EXPECT_EQ(column[1], "l7ResponseScore");
  EXPECT_EQ(column[2], "l7ServerScore");
  EXPECT_EQ(lines, expected.size());
  EXPECT_TRUE(std::is_sorted(order.rbegin(), order.rend()));
}

TEST(L7ResponseScoreApi, UnknownSortColumnIsNamed) {
  const json error = scoreApi(kHttpCapture).get(kConnections + "?sort=l7Score", 400);
  EXPECT_EQ(error["parameter"], "sort");
  const std::string message = error["error"];
  EXPECT_NE(message.find("'l7score'"), std::string::npos) << message;
  EXPECT_NE(message.find("l7ResponseScore"), std::string::npos) << message;
  EXPECT_NE(message.find("l7ServerScore"), std::string::npos) << message;
}

}  // namespace
}  // namespace netmeter
