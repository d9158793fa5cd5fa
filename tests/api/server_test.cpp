// The server over real loopback connections: routing, parameters, OPTIONS, errors, limits.

#include <gtest/gtest.h>

#include <atomic>

#include "api/errors.h"
#include "test_client.h"

namespace netmeter::api::testing {
namespace {

class ServerTest : public ServerFixture {
 protected:
  void SetUp() override {
    auto options = baseOptions();
    options.maxBodyBytes = 1024;
    makeServer(options);
    auto echo = [](const Request& req) {
      nlohmann::json j;
      j["method"] = std::string(methodName(req.method));
      j["path"] = req.path;
      j["user"] = req.user;
      j["role"] = std::string(roleName(req.role));
      j["client"] = req.clientAddress;
      j["bodySize"] = req.body.size();
      for (const auto& [k, v] : req.params) j["params"][k] = v;
      for (const auto& [k, v] : req.query) j["query"][k] = v;
      return Response::json(j.dump());
    };
    for (const char* module : {"modules", "reports", "time"}) {
      server_->route(Method::Get, std::string("/API/stats/") + module, Role::ReadOnly, echo);
    }
    server_->route(Method::Get, "/API/stats/modules/ip/ips/protocol", Role::ReadOnly, echo);
    server_->route(Method::Get, "/API/stats/modules/ip/ips/:ip", Role::ReadOnly, echo);
    for (const char* sub : {"connections", "peers", "macs"}) {
      server_->route(Method::Get, std::string("/API/stats/modules/ip/ips/:ip/") + sub, Role::ReadOnly, echo);
    }
    server_->route(Method::Get, "/API/stats/modules/ip/top", Role::ReadOnly, [](const Request& req) {
      auto count = intParam(req, "count", 1, 100, 10);
      if (!count) return count.errorResponse();
      return Response::json("{\"count\":" + std::to_string(*count) + "}");
    });
    server_->route(Method::Post, "/API/upload", Role::Admin, echo);
    server_->route(Method::Post, "/API/upload/big", Role::Admin, echo, RouteOptions::withMaxBody(64 * 1024));
    server_->route(Method::Get, "/API/throws", Role::ReadOnly,
                   [](const Request&) -> Response { throw std::runtime_error("secret detail"); });
    server_->route(Method::Get, "/API/text", Role::ReadOnly, [](const Request&) {
      return Response::text("a,b\n1,2\n", "text/csv").withHeader("Content-Disposition", "attachment");
    });
    startServer();
  }
};

TEST_F(ServerTest, RoutesWithPathAndQueryParameters) {
  HttpClient c(port());
  auto r = c.get("/API/stats/modules/ip/ips/10.0.54.254/peers?sort=bytes&filter=a%20b+c", reader());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto j = r.json();
  EXPECT_EQ(j["params"]["ip"], "10.0.54.254");
  EXPECT_EQ(j["query"]["sort"], "bytes");
  EXPECT_EQ(j["query"]["filter"], "a b c");
  EXPECT_EQ(j["user"], "reader");
  EXPECT_EQ(j["role"], "read-only");
  EXPECT_EQ(j["client"], "127.0.0.1");
  EXPECT_EQ(j["path"], "/API/stats/modules/ip/ips/10.0.54.254/peers");

  r = c.get("/API/stats/modules/ip/ips/fe80%3A%3A1", reader());  // same keep-alive connection
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["params"]["ip"], "fe80::1");
  r = c.get("/API/stats/modules/ip/ips/protocol", reader());
  EXPECT_FALSE(r.json().contains("params"));

  r = c.get("/API/text", reader());
  EXPECT_EQ(r.body, "a,b\n1,2\n");
  EXPECT_EQ(r.header("content-type"), "text/csv");
  EXPECT_EQ(r.header("content-disposition"), "attachment");
}

TEST_F(ServerTest, OptionsListsSubResources) {
  HttpClient c(port());
  auto r = c.request(http::verb::options, "/API/stats", reader());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json(), nlohmann::json::parse(R"({"subResources": ["modules", "reports", "time"]})"));
  r = c.request(http::verb::options, "/API/stats/modules/ip/ips", reader());
  EXPECT_EQ(r.json(), nlohmann::json::parse(R"({"subResources": ["protocol", ":ip"]})"));
  r = c.request(http::verb::options, "/API/stats/modules/ip/ips/10.0.54.254", reader());
  EXPECT_EQ(r.json(), nlohmann::json::parse(R"({"subResources": ["connections", "peers", "macs"]})"));
  EXPECT_EQ(r.header("allow"), "GET, OPTIONS");
  r = c.request(http::verb::options, "/API", reader());
  EXPECT_EQ(r.json(), nlohmann::json::parse(
                          R"({"subResources": ["stats", "upload", "throws", "text", "auth", "system"]})"));
  r = c.request(http::verb::options, "/API/nothing", reader());
  EXPECT_EQ(r.status, 404);
  r = c.request(http::verb::options, "/API/stats");  // no credentials: the tree is not public
  EXPECT_EQ(r.status, 401);
}

TEST_F(ServerTest, ErrorsAreJson) {
  HttpClient c(port());
  auto r = c.get("/API/stats/nothing/here", reader());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_TRUE(r.json()["error"].is_string());
  EXPECT_FALSE(r.json().contains("parameter"));

  r = c.request(http::verb::delete_, "/API/stats/time", admin());
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET, OPTIONS");
  EXPECT_TRUE(r.json()["error"].is_string());

  r = c.get("/API/stats/modules/ip/top?count=500", reader());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json(),
            nlohmann::json::parse(
                R"({"error":"parameter 'count' must be a number from 1 to 100","parameter":"count"})"));
  EXPECT_EQ(c.get("/API/stats/modules/ip/top?count=5", reader()).json()["count"], 5);

  r = c.get("/API/stats/time?page=1&page=2", reader());  // repeated keys are rejected
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["parameter"], "page");

  r = c.get("/API/stats/modules/ip/ips/%zz", reader());
  EXPECT_EQ(r.status, 400);

  r = c.get("/API/throws", reader());
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.json(), nlohmann::json::parse(R"({"error":"internal error"})"));
  bool logged = false;
  for (const auto& line : logLines()) logged |= line.find("secret detail") != std::string::npos;
  EXPECT_TRUE(logged);

  // The connection survived all of that.
  EXPECT_EQ(c.get("/API/stats/time", reader()).status, 200);
}

TEST_F(ServerTest, BodyLimitsPerRoute) {
  HttpClient c(port());
  auto r = c.request(http::verb::post, "/API/upload", admin(), std::string(1000, 'x'));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["bodySize"], 1000);

  r = c.request(http::verb::post, "/API/upload", admin(), std::string(2000, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(r.json()["error"].is_string());
  EXPECT_FALSE(r.keepAlive);

  HttpClient c2(port());
  r = c2.request(http::verb::post, "/API/upload/big", admin(), std::string(60000, 'y'));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["bodySize"], 60000);

  // A chunked body over the limit is cut off while it is read.
  HttpClient c3(port());
  http::request<http::string_body> req(http::verb::post, "/API/upload", 11);
  req.set(http::field::authorization, basicAuth("admin", kAdminPassword));
  req.chunked(true);
  req.body() = std::string(5000, 'z');
  http::write(c3.socket(), req);
  http::response<http::string_body> res;
  http::read(c3.socket(), c3.buffer(), res);
  EXPECT_EQ(res.result_int(), 413u);
}

TEST_F(ServerTest, OversizedHeaderIs431) {
  HttpClient c(port());
  Headers h = reader();
  h.emplace_back("X-Padding", std::string(9000, 'p'));
  auto r = c.get("/API/stats/time", h);
  EXPECT_EQ(r.status, 431);
  EXPECT_TRUE(r.json()["error"].is_string());
}

TEST_F(ServerTest, MalformedRequestIs400) {
  HttpClient c(port());
  std::string junk = "GARBAGE\r\n\r\n";
  net::write(c.socket(), net::buffer(junk));
  http::response<http::string_body> res;
  http::read(c.socket(), c.buffer(), res);
  EXPECT_EQ(res.result_int(), 400u);
}

}  // namespace
}  // namespace netmeter::api::testing
