// Custom dashboards of the web UI: per-user lists, validation, shared templates and their
// ownership, persistence across restarts, removal with the user.

#include <gtest/gtest.h>

#include "api/dashboard_store.h"
#include "api/state_dir.h"
#include "test_client.h"

namespace netmeter::api::testing {
namespace {

const char* kTwoDashboards =
    R"({"dashboards":[{"id":"a","name":"Servers","widgets":[{"type":"traffic","width":2}]},)"
    R"({"id":"b","name":"Empty","widgets":[]}]})";

class DashboardTest : public ServerFixture {
 protected:
  void SetUp() override {
    makeServer(baseOptions());
    startServer();
  }
  void restart() {
    server_->stop();
    makeServer(baseOptions());
    startServer(false);
  }
  static Headers json(Headers h) {
    h.emplace_back("Content-Type", "application/json");
    return h;
  }
};

TEST_F(DashboardTest, EachUserHasTheirOwnList) {
  HttpClient c(port());
  auto none = c.get("/API/system/dashboards", reader());
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.json()["dashboards"].size(), 0u);

  auto put = c.request(http::verb::put, "/API/system/dashboards", json(reader()), kTwoDashboards);
  ASSERT_EQ(put.status, 200) << put.body;
  auto mine = c.get("/API/system/dashboards", reader()).json();
  ASSERT_EQ(mine["dashboards"].size(), 2u);
  EXPECT_EQ(mine["dashboards"][0]["name"], "Servers");
  EXPECT_EQ(mine["dashboards"][0]["widgets"][0]["type"], "traffic");
  // Another user does not see them.
  EXPECT_EQ(c.get("/API/system/dashboards", admin()).json()["dashboards"].size(), 0u);
  EXPECT_EQ(c.get("/API/system/dashboards").status, 401);
}

TEST_F(DashboardTest, RejectsMalformedListsNamingTheProblem) {
  HttpClient c(port());
  struct Case {
    const char* body;
    const char* parameter;
  };
  for (const Case& k : {Case{R"({"dashboards":{}})", "dashboards"}, Case{R"({"dashboards":[1]})", "dashboards"},
                        Case{R"({"dashboards":[{"name":"x"}]})", "dashboards"},
                        Case{R"({"dashboards":[{"id":"a","name":""}]})", "dashboards"},
                        Case{R"({"dashboards":[{"id":"a","name":"x"},{"id":"a","name":"y"}]})", "dashboards"},
                        Case{R"([1,2])", ""}, Case{"not json", ""}}) {
    auto r = c.request(http::verb::put, "/API/system/dashboards", json(reader()), k.body);
    EXPECT_EQ(r.status, 400) << k.body;
    if (k.parameter[0] != '\0') {
      EXPECT_EQ(r.json()["parameter"], k.parameter) << k.body;
    }
  }
  EXPECT_EQ(c.get("/API/system/dashboards", reader()).json()["dashboards"].size(), 0u);
  // Too many dashboards.
  std::string many = R"({"dashboards":[)";
  for (size_t i = 0; i <= DashboardStore::kMaxDashboards; ++i) {
    if (i > 0) many += ',';
    many += R"({"id":"d)" + std::to_string(i) + R"(","name":"n"})";
  }
  many += "]}";
  EXPECT_EQ(c.request(http::verb::put, "/API/system/dashboards", json(reader()), many).status, 400);
}

TEST_F(DashboardTest, SurvivesARestartAndGoesWithTheUser) {
  {
    HttpClient c(port());
    ASSERT_EQ(c.request(http::verb::put, "/API/system/dashboards", json(reader()), kTwoDashboards).status, 200);
    ASSERT_EQ(c.request(http::verb::put, "/API/system/dashboards/templates", json(reader()),
                        R"({"name":"Server view","dashboard":{"id":"t","name":"Server view","widgets":[]}})")
                  .status,
              200);
  }
  EXPECT_EQ(fileMode(server_->stateDir() + "/dashboards.json"), 0600u);
  restart();
  HttpClient c(port());
  auto mine = c.get("/API/system/dashboards", reader()).json();
  ASSERT_EQ(mine["dashboards"].size(), 2u);
  EXPECT_EQ(mine["dashboards"][1]["id"], "b");
  auto templates = c.get("/API/system/dashboards/templates", admin()).json();
  ASSERT_EQ(templates["templates"].size(), 1u);
  EXPECT_EQ(templates["templates"][0]["author"], "reader");
  // Deleting the user deletes their dashboards: a new user of that name starts empty.
  ASSERT_EQ(c.request(http::verb::delete_, "/API/system/users/reader", admin()).status, 204);
  ASSERT_FALSE(server_->users().add("reader", kReaderPassword, Role::ReadOnly).has_value());
  EXPECT_EQ(c.get("/API/system/dashboards", reader()).json()["dashboards"].size(), 0u);
}

TEST_F(DashboardTest, TemplatesAreSharedAndOwned) {
  HttpClient c(port());
  const std::string tpl = R"({"name":"Overview","dashboard":{"id":"o","name":"Overview","widgets":[]}})";
  ASSERT_EQ(c.request(http::verb::put, "/API/system/dashboards/templates", json(reader()), tpl).status, 200);
  // Everyone sees it.
  auto seen = c.get("/API/system/dashboards/templates", capture()).json();
  ASSERT_EQ(seen["templates"].size(), 1u);
  EXPECT_EQ(seen["templates"][0]["dashboard"]["name"], "Overview");
  // Another non-admin may neither replace nor delete it; the author and admins may.
  EXPECT_EQ(c.request(http::verb::put, "/API/system/dashboards/templates", json(capture()), tpl).status, 403);
  EXPECT_EQ(c.request(http::verb::delete_, "/API/system/dashboards/templates/Overview", capture()).status, 403);
  EXPECT_EQ(c.request(http::verb::put, "/API/system/dashboards/templates", json(admin()), tpl).status, 200);
  EXPECT_EQ(c.request(http::verb::delete_, "/API/system/dashboards/templates/Overview", reader()).status, 204);
  EXPECT_EQ(c.request(http::verb::delete_, "/API/system/dashboards/templates/Overview", reader()).status, 404);
  // A template must carry a dashboard with id and name.
  auto bad = c.request(http::verb::put, "/API/system/dashboards/templates", json(reader()),
                       R"({"name":"x","dashboard":{"widgets":[]}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["parameter"], "dashboard");
}

TEST(DashboardStoreFile, RejectsAForeignFile) {
  TempDir dir;
  std::string error;
  ASSERT_TRUE(writeFileAtomic(dir.path() + "/dashboards.json", "{\"users\":[]}", 0600, error));
  DashboardStore store(dir.path());
  EXPECT_FALSE(store.load(error));
  EXPECT_NE(error.find("not a netmeter dashboards file"), std::string::npos);
}

}  // namespace
}  // namespace netmeter::api::testing
