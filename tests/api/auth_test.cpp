// Users, roles, Basic auth, sessions, the users API, first start and the user command.

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "api/state_dir.h"
#include "api/user_command.h"
#include "api/user_store.h"
#include "test_client.h"

namespace netmeter::api::testing {
namespace {

using namespace std::chrono_literals;

class AuthTest : public ServerFixture {
 protected:
  void SetUp() override {
    auto options = baseOptions();
    options.sessionIdleTimeout = 1000ms;
    makeServer(options);
    auto who = [](const Request& req) {
      return Response::json(
          nlohmann::json{{"user", req.user}, {"role", std::string(roleName(req.role))}}.dump());
    };
    server_->route(Method::Get, "/API/stats/time", Role::ReadOnly, who);
    server_->route(Method::Get, "/API/stats/pcap", Role::Pcap, who);
    server_->route(Method::Post, "/API/stats/reset", Role::Admin, who);
    server_->route(Method::Get, "/API/public", Role::Public, who);
    startServer();
  }

  std::string loginCookie(HttpClient& c, const std::string& user, const std::string& password) {
    auto r = c.request(http::verb::post, "/API/auth/login", {{"Content-Type", "application/json"}},
                       nlohmann::json{{"user", user}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    std::string setCookie = r.header("set-cookie");
    return setCookie.substr(0, setCookie.find(';'));
  }
};

TEST_F(AuthTest, BasicAuthAndRoles) {
  HttpClient c(port());
  auto r = c.get("/API/stats/time");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("www-authenticate").rfind("Basic realm=\"netmeter\"", 0), 0u);
  EXPECT_TRUE(r.json()["error"].is_string());
  EXPECT_EQ(c.get("/API/stats/time", {{"Authorization", basicAuth("reader", "wrong-password")}}).status, 401);
  EXPECT_EQ(c.get("/API/stats/time", {{"Authorization", basicAuth("nobody", "wrong-password")}}).status, 401);
  EXPECT_EQ(c.get("/API/stats/time", {{"Authorization", "Basic !!!"}}).status, 401);
  EXPECT_EQ(c.get("/API/stats/nothing").status, 401);  // unknown paths too: the tree is not public
  EXPECT_EQ(c.get("/API/public").status, 200);

  EXPECT_EQ(c.get("/API/stats/time", reader()).json()["role"], "read-only");
  EXPECT_EQ(c.get("/API/stats/time", capture()).json()["role"], "pcap");
  EXPECT_EQ(c.get("/API/stats/time", admin()).json()["role"], "admin");

  r = c.get("/API/stats/pcap", reader());
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(r.json()["error"].is_string());
  EXPECT_EQ(c.get("/API/stats/pcap", capture()).status, 200);
  EXPECT_EQ(c.get("/API/stats/pcap", admin()).status, 200);

  EXPECT_EQ(c.request(http::verb::post, "/API/stats/reset", reader()).status, 403);
  EXPECT_EQ(c.request(http::verb::post, "/API/stats/reset", capture()).status, 403);
  EXPECT_EQ(c.request(http::verb::post, "/API/stats/reset", admin()).status, 200);
  EXPECT_EQ(c.get("/API/system/users", reader()).status, 403);
}

TEST_F(AuthTest, SessionCookieLoginLogoutAndExpiry) {
  HttpClient c(port());
  auto r = c.request(http::verb::post, "/API/auth/login", {}, R"({"user":"reader","password":"nope-nope"})");
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(r.header("set-cookie").empty());
  EXPECT_EQ(c.request(http::verb::post, "/API/auth/login", {}, "not json").status, 400);
  r = c.request(http::verb::post, "/API/auth/login", {}, R"({"user":"reader"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["parameter"], "password");

  r = c.request(http::verb::post, "/API/auth/login", {},
                nlohmann::json{{"user", "reader"}, {"password", kReaderPassword}}.dump());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["role"], "read-only");
  std::string setCookie = r.header("set-cookie");
  EXPECT_NE(setCookie.find("netmeter_session="), std::string::npos);
  EXPECT_NE(setCookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(setCookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(setCookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(setCookie.find("Secure"), std::string::npos);  // plain HTTP on loopback
  std::string cookie = setCookie.substr(0, setCookie.find(';'));

  r = c.get("/API/auth/me", {{"Cookie", "other=1; " + cookie}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["user"], "reader");
  EXPECT_EQ(c.get("/API/stats/pcap", {{"Cookie", cookie}}).status, 403);

  // Used within the idle time, the session lives on; idle for longer, it is gone.
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(c.get("/API/stats/time", {{"Cookie", cookie}}).status, 200);
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(c.get("/API/stats/time", {{"Cookie", cookie}}).status, 200);
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(c.get("/API/stats/time", {{"Cookie", cookie}}).status, 401);

  cookie = loginCookie(c, "admin", kAdminPassword);
  EXPECT_EQ(c.get("/API/stats/time", {{"Cookie", cookie}}).status, 200);
  r = c.request(http::verb::post, "/API/auth/logout", {{"Cookie", cookie}});
  EXPECT_EQ(r.status, 204);
  EXPECT_NE(r.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(c.get("/API/stats/time", {{"Cookie", cookie}}).status, 401);
  EXPECT_EQ(c.get("/API/stats/time", {{"Cookie", "netmeter_session=" + std::string(64, 'a')}}).status, 401);
}

TEST_F(AuthTest, UsersApiAndPersistence) {
  HttpClient c(port());
  auto r = c.get("/API/system/users", admin());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["users"].size(), 3u);
  EXPECT_EQ(r.json()["users"][0], (nlohmann::json{{"name", "admin"}, {"role", "admin"}}));

  r = c.request(http::verb::post, "/API/system/users", admin(),
                R"({"name":"script","password":"script-pass-1","role":"read-only"})");
  ASSERT_EQ(r.status, 201) << r.body;
  r = c.request(http::verb::post, "/API/system/users", admin(),
                R"({"name":"script","password":"script-pass-1","role":"read-only"})");
  EXPECT_EQ(r.status, 409);
  r = c.request(http::verb::post, "/API/system/users", admin(),
                R"({"name":"x y","password":"12345678","role":"pcap"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["parameter"], "name");
  r = c.request(http::verb::post, "/API/system/users", admin(),
                R"({"name":"short","password":"123","role":"pcap"})");
  EXPECT_EQ(r.json()["parameter"], "password");
  r = c.request(http::verb::post, "/API/system/users", admin(),
                R"({"name":"r","password":"12345678","role":"root"})");
  EXPECT_EQ(r.json()["parameter"], "role");
  EXPECT_EQ(c.request(http::verb::post, "/API/system/users", reader(), R"({})").status, 403);

  const Headers script = {{"Authorization", basicAuth("script", "script-pass-1")}};
  EXPECT_EQ(c.get("/API/stats/time", script).status, 200);

  // A user changes their own password, but not their role nor anybody else.
  r = c.request(http::verb::put, "/API/system/users/script", script, R"({"password":"script-pass-2"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(c.get("/API/stats/time", script).status, 401);  // the cached credential is gone
  const Headers script2 = {{"Authorization", basicAuth("script", "script-pass-2")}};
  EXPECT_EQ(c.get("/API/stats/time", script2).status, 200);
  EXPECT_EQ(c.request(http::verb::put, "/API/system/users/script", script2, R"({"role":"admin"})").status,
            403);
  EXPECT_EQ(
      c.request(http::verb::put, "/API/system/users/reader", script2, R"({"password":"hijacked1"})").status,
      403);
  EXPECT_EQ(c.get("/API/system/users/script", script2).json()["role"], "read-only");
  EXPECT_EQ(c.get("/API/system/users/reader", script2).status, 403);

  // The admin changes the role; it applies at once.
  r = c.request(http::verb::put, "/API/system/users/script", admin(), R"({"role":"pcap"})");
  EXPECT_EQ(r.json()["role"], "pcap");
  EXPECT_EQ(c.get("/API/stats/pcap", script2).status, 200);
  EXPECT_EQ(c.request(http::verb::put, "/API/system/users/admin", admin(), R"({"role":"pcap"})").status, 409);
  EXPECT_EQ(c.request(http::verb::delete_, "/API/system/users/admin", admin()).status, 409);
  EXPECT_EQ(c.request(http::verb::delete_, "/API/system/users/ghost", admin()).status, 404);
  EXPECT_EQ(c.request(http::verb::delete_, "/API/system/users/capture", admin()).status, 204);
  EXPECT_EQ(c.get("/API/stats/time", capture()).status, 401);

  // What is on disk: mode 0600, argon2id hashes, no passwords; a fresh store reads the same users.
  const std::string path = server_->stateDir() + "/users.json";
  EXPECT_EQ(fileMode(path), 0600u);
  EXPECT_EQ(fileMode(server_->stateDir()), 0700u);
  std::string text;
  ASSERT_TRUE(readFile(path, text));
  EXPECT_EQ(text.find("script-pass"), std::string::npos);
  auto file = nlohmann::json::parse(text);
  ASSERT_EQ(file["users"].size(), 3u);
  for (const auto& u : file["users"]) {
    EXPECT_EQ(u["hash"].get<std::string>().rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << u["hash"];
  }
  UserStore reloaded(server_->stateDir());
  std::string error;
  ASSERT_TRUE(reloaded.load(error)) << error;
  auto users = reloaded.list();
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users[2].name, "script");
  EXPECT_EQ(users[2].role, Role::Pcap);
  EXPECT_EQ(reloaded.verify("script", "script-pass-2"), Role::Pcap);
  EXPECT_FALSE(reloaded.verify("script", "script-pass-1"));
}

TEST_F(AuthTest, RepeatedFailuresAreSlowedDown) {
  HttpClient c(port());
  EXPECT_EQ(c.get("/API/stats/time", admin()).status, 200);
  const Headers bad = {{"Authorization", basicAuth("admin", "guess-guess")}};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.get("/API/stats/time", bad).status, 401) << i;
  auto r = c.get("/API/stats/time", bad);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("retry-after"), "1");
  // Even the right password waits (otherwise guessing would go on at full speed)...
  EXPECT_EQ(c.get("/API/stats/pcap", {{"Authorization", basicAuth("capture", kPcapPassword)}}).status, 429);
  r = c.request(http::verb::post, "/API/auth/login", {}, R"({"user":"admin","password":"guess-guess"})");
  EXPECT_EQ(r.status, 429);
  // ...but credentials verified before are still accepted, and after the delay it goes on.
  EXPECT_EQ(c.get("/API/stats/time", admin()).status, 200);
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(c.get("/API/stats/pcap", {{"Authorization", basicAuth("capture", kPcapPassword)}}).status, 200);
}

class FirstStartTest : public ServerFixture {};

TEST_F(FirstStartTest, RandomAdminPasswordShownOnceAndKept) {
  ::unsetenv("NETMETER_ADMIN_PASSWORD");
  makeServer(baseOptions());
  ASSERT_FALSE(server_->start().has_value());
  const FirstStart first = server_->firstStart();
  ASSERT_TRUE(first.createdAdmin);
  EXPECT_FALSE(first.passwordFromEnvironment);
  EXPECT_GE(first.password.size(), 16u);
  EXPECT_EQ(fileMode(first.passwordFile), 0600u);
  std::string kept;
  ASSERT_TRUE(readFile(first.passwordFile, kept));
  EXPECT_EQ(kept, first.password + "\n");
  int mentions = 0;
  for (const auto& line : logLines()) {
    if (line.find(first.password) != std::string::npos) {
      ++mentions;
      EXPECT_NE(line.find(first.passwordFile), std::string::npos);
    }
  }
  EXPECT_EQ(mentions, 1);
  HttpClient c(port());
  EXPECT_EQ(c.get("/API/auth/me", {{"Authorization", basicAuth("admin", first.password)}}).status, 200);
  server_->stop();

  // The second start reuses the users and says nothing about passwords.
  log_.clear();
  makeServer(baseOptions());
  ASSERT_FALSE(server_->start().has_value());
  EXPECT_FALSE(server_->firstStart().createdAdmin);
  ASSERT_EQ(server_->users().list().size(), 1u);
  EXPECT_EQ(server_->users().verify("admin", first.password), Role::Admin);
  for (const auto& line : logLines()) EXPECT_EQ(line.find(first.password), std::string::npos);
  HttpClient c2(port());
  EXPECT_EQ(c2.get("/API/auth/me", {{"Authorization", basicAuth("admin", first.password)}}).status, 200);
}

TEST_F(FirstStartTest, AdminPasswordFromEnvironment) {
  ::setenv("NETMETER_ADMIN_PASSWORD", "from-the-env-1", 1);
  makeServer(baseOptions());
  ASSERT_FALSE(server_->start().has_value());
  EXPECT_TRUE(server_->firstStart().passwordFromEnvironment);
  EXPECT_TRUE(server_->firstStart().passwordFile.empty());
  HttpClient c(port());
  EXPECT_EQ(c.get("/API/auth/me", {{"Authorization", basicAuth("admin", "from-the-env-1")}}).status, 200);
}

int runUser(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return runUserCommand(static_cast<int>(argv.size()), argv.data());
}

TEST(UserCommand, AddListPasswdDel) {
  TempDir dir;
  const std::string state = dir.path() + "/nested/state";
  ::setenv("NETMETER_PASSWORD", "cli-password-1", 1);
  EXPECT_EQ(runUser({"user", "add", "alice", "--role", "pcap", "--state", state}), 0);
  EXPECT_EQ(fileMode(state), 0700u);
  EXPECT_EQ(fileMode(state + "/users.json"), 0600u);
  EXPECT_EQ(runUser({"user", "add", "alice", "--role", "pcap", "--state", state}), 1);  // exists
  EXPECT_EQ(runUser({"user", "add", "bob", "--role", "root", "--state", state}), 2);
  EXPECT_EQ(runUser({"user", "add", "bob", "--state", state}), 2);  // no role
  EXPECT_EQ(runUser({"user", "list", "--state", state}), 0);
  {
    UserStore store(state);
    std::string error;
    ASSERT_TRUE(store.load(error));
    EXPECT_EQ(store.verify("alice", "cli-password-1"), Role::Pcap);
  }
  ::setenv("NETMETER_PASSWORD", "cli-password-2", 1);
  EXPECT_EQ(runUser({"user", "passwd", "alice", "--state", state}), 0);
  EXPECT_EQ(runUser({"user", "passwd", "nobody", "--state", state}), 1);
  {
    UserStore store(state);
    std::string error;
    ASSERT_TRUE(store.load(error));
    EXPECT_EQ(store.verify("alice", "cli-password-2"), Role::Pcap);
  }
  EXPECT_EQ(runUser({"user", "del", "alice", "--state", state}), 0);
  EXPECT_EQ(runUser({"user", "del", "alice", "--state", state}), 1);
  EXPECT_EQ(runUser({"user", "frobnicate", "--state", state}), 2);
  ::unsetenv("NETMETER_PASSWORD");
}

}  // namespace
}  // namespace netmeter::api::testing
