#include "api/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/url.h"

namespace netmeter::api {
namespace {

Handler ok() {
  return [](const Request&) { return Response::json("{}"); };
}

TEST(Router, MatchesLiteralsAndParameters) {
  Router r;
  r.add(Method::Get, "/API/stats/modules/ip/ips/:ip", Role::ReadOnly, ok());
  r.add(Method::Get, "/API/stats/modules/ip/ips/protocol", Role::ReadOnly, ok());
  r.add(Method::Get, "/API/stats/modules/ip/ips/:ip/peers", Role::ReadOnly, ok());

  auto m = r.match(Method::Get, "/API/stats/modules/ip/ips/10.0.54.254");
  ASSERT_EQ(m.outcome, Router::Outcome::Found);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "ip");
  EXPECT_EQ(m.params[0].second, "10.0.54.254");

  m = r.match(Method::Get, "/API/stats/modules/ip/ips/protocol");  // the literal wins
  ASSERT_EQ(m.outcome, Router::Outcome::Found);
  EXPECT_TRUE(m.params.empty());

  m = r.match(Method::Get, "/API/stats/modules/ip/ips/fe80%3A%3A1/peers/");  // decoded, trailing slash
  ASSERT_EQ(m.outcome, Router::Outcome::Found);
  EXPECT_EQ(m.params[0].second, "fe80::1");
  EXPECT_EQ(m.route->pattern, "/API/stats/modules/ip/ips/:ip/peers");

  m = r.match(Method::Get, "/API/stats/modules/ip/ips/a%2Fb");  // %2F stays inside one segment
  ASSERT_EQ(m.outcome, Router::Outcome::Found);
  EXPECT_EQ(m.params[0].second, "a/b");

  EXPECT_EQ(r.match(Method::Get, "/API/stats/modules/ip/ips/1/nope").outcome, Router::Outcome::NotFound);
  EXPECT_EQ(r.match(Method::Get, "/API//stats").outcome, Router::Outcome::NotFound);
  EXPECT_EQ(r.match(Method::Get, "relative").outcome, Router::Outcome::NotFound);
  EXPECT_EQ(r.match(Method::Get, "/API/stats/modules/ip/ips/%zz").outcome, Router::Outcome::BadPath);
  EXPECT_EQ(r.match(Method::Delete, "/API/stats/modules/ip/ips/1").outcome,
            Router::Outcome::MethodNotAllowed);
  EXPECT_EQ(r.match(Method::Get, "/API/stats").outcome, Router::Outcome::MethodNotAllowed);
  EXPECT_EQ(r.match(Method::Options, "/API/stats").outcome, Router::Outcome::Options);
}

TEST(Router, OptionsListChildrenInRegistrationOrder) {
  Router r;
  r.add(Method::Get, "/API/stats/modules/ip/ips/protocol", Role::ReadOnly, ok());
  r.add(Method::Get, "/API/stats/modules/ip/ips/:ip", Role::ReadOnly, ok());
  r.add(Method::Get, "/API/stats/modules/mac", Role::ReadOnly, ok());
  r.add(Method::Post, "/API/stats/modules/mac", Role::Admin, ok());
  r.add(Method::Get, "/API/stats/time", Role::ReadOnly, ok());

  auto m = r.match(Method::Options, "/API/stats/modules/ip/ips");
  ASSERT_EQ(m.outcome, Router::Outcome::Options);
  EXPECT_EQ(nlohmann::json::parse(Router::subResourcesJson(*m.node)),
            nlohmann::json::parse(R"({"subResources": ["protocol", ":ip"]})"));
  m = r.match(Method::Options, "/API/stats/modules");
  EXPECT_EQ(Router::subResourcesJson(*m.node), R"({"subResources":["ip","mac"]})");
  m = r.match(Method::Options, "/API/stats/modules/mac");
  EXPECT_EQ(Router::subResourcesJson(*m.node), R"({"subResources":[]})");
  EXPECT_EQ(Router::allowHeader(*m.node), "GET, POST, OPTIONS");
  m = r.match(Method::Options, "/");
  EXPECT_EQ(Router::subResourcesJson(*m.node), R"({"subResources":["API"]})");
}

TEST(Router, RejectsBadRegistrations) {
  Router r;
  r.add(Method::Get, "/a/:x", Role::ReadOnly, ok());
  EXPECT_THROW(r.add(Method::Get, "/a/:x", Role::ReadOnly, ok()), std::invalid_argument);
  EXPECT_THROW(r.add(Method::Get, "/a/:y/z", Role::ReadOnly, ok()), std::invalid_argument);
  EXPECT_THROW(r.add(Method::Get, "a", Role::ReadOnly, ok()), std::invalid_argument);
  EXPECT_THROW(r.add(Method::Get, "/a//b", Role::ReadOnly, ok()), std::invalid_argument);
  EXPECT_THROW(r.add(Method::Get, "/a/:", Role::ReadOnly, ok()), std::invalid_argument);
  EXPECT_THROW(r.add(Method::Options, "/b", Role::ReadOnly, ok()), std::invalid_argument);
  r.add(Method::Post, "/a/:x", Role::Admin, ok());
}

TEST(Url, DecodesAndParsesQueries) {
  EXPECT_EQ(*percentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(*percentDecode("a%20b+c", true), "a b c");
  EXPECT_FALSE(percentDecode("%2", false));
  EXPECT_FALSE(percentDecode("%g0", false));
  EXPECT_FALSE(percentDecode("a%00", false));

  auto q = parseQuery("sort=bytes&filter=10.0.%2A+x&&reverse&count=");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[1], (std::pair<std::string, std::string>("filter", "10.0.* x")));
  EXPECT_EQ((*q)[2].second, "");

  auto twice = parseQuery("page=1&page=2");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().parameter, "page");
  EXPECT_EQ(twice.error().status, 400);
  EXPECT_FALSE(parseQuery("a=%zz").ok());

  std::string_view path, query;
  splitTarget("/a/b?x=1#frag", path, query);
  EXPECT_EQ(path, "/a/b");
  EXPECT_EQ(query, "x=1");
}

TEST(Errors, ParameterHelpers) {
  Request req;
  req.query = {{"count", "500"}, {"page", "3"}, {"csv", "true"}, {"sort", "bogus"}, {"bad", "12x"}};
  auto count = intParam(req, "count", 1, 100, 10);
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error().message, "parameter 'count' must be a number from 1 to 100");
  EXPECT_EQ(count.error().parameter, "count");
  EXPECT_EQ(nlohmann::json::parse(count.errorResponse().body),
            nlohmann::json::parse(
                R"({"error":"parameter 'count' must be a number from 1 to 100","parameter":"count"})"));
  EXPECT_EQ(count.errorResponse().status, 400);
  EXPECT_EQ(*intParam(req, "page", 0, 1000), 3);
  EXPECT_EQ(*intParam(req, "missing", 0, 10, 7), 7);
  EXPECT_FALSE(intParam(req, "missing", 0, 10).ok());
  EXPECT_FALSE(intParam(req, "bad", 0, 100).ok());
  EXPECT_TRUE(*boolParam(req, "csv"));
  EXPECT_FALSE(*boolParam(req, "nothing"));
  auto sort = choiceParam(req, "sort", {"bytes", "rxbytes"});
  ASSERT_FALSE(sort.ok());
  EXPECT_EQ(sort.error().message, "parameter 'sort' must be one of bytes, rxbytes");
  EXPECT_EQ(errorResponse(404, "no such thing").body, R"({"error":"no such thing"})");
}

}  // namespace
}  // namespace netmeter::api

#include "api/server_flags.h"

namespace netmeter::api {
namespace {

TEST(ServerFlags, ListenTlsAndLimits) {
  ServerOptions o;
  std::string error;
  EXPECT_TRUE(applyServerFlag("--listen", "0.0.0.0:8443", o, error));
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(o.bindAddress, "0.0.0.0");
  EXPECT_EQ(o.port, 8443);
  EXPECT_TRUE(applyServerFlag("--listen", "[::1]:9000", o, error));
  EXPECT_EQ(o.bindAddress, "::1");
  EXPECT_EQ(o.port, 9000);
  EXPECT_TRUE(applyServerFlag("--listen", "8081", o, error));
  EXPECT_EQ(o.bindAddress, "127.0.0.1");
  EXPECT_EQ(o.port, 8081);
  EXPECT_TRUE(applyServerFlag("--listen", "::1:80", o, error));
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_TRUE(applyServerFlag("--tls", "off", o, error));
  EXPECT_EQ(o.tls, TlsMode::Off);
  EXPECT_TRUE(applyServerFlag("--tls", "maybe", o, error));
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_TRUE(applyServerFlag("--io-threads", "3", o, error));
  EXPECT_EQ(o.ioThreads, 3u);
  EXPECT_TRUE(applyServerFlag("--max-connections", "0", o, error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(applyServerFlag("--pcap", "x.pcap", o, error));
}

}  // namespace
}  // namespace netmeter::api
