#include "query/path_params.h"

#include <gtest/gtest.h>

namespace netmeter::query {
namespace {

api::Request withParam(std::string name, std::string value) {
  api::Request r;
  r.params.emplace_back(std::move(name), std::move(value));
  return r;
}

TEST(PathParams, PortAcceptsZeroTo65535) {
  EXPECT_EQ(*portParam(withParam("port", "0")), 0);
  EXPECT_EQ(*portParam(withParam("port", "443")), 443);
  EXPECT_EQ(*portParam(withParam("port", "65535")), 65535);
}

TEST(PathParams, PortRejectsWhatIsNotAPortAndNamesTheParameter) {
  for (const char* bad : {"", "65536", "99999", "-1", "4a3", "123456", " 80"}) {
    auto p = portParam(withParam("port", bad));
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().parameter, "port") << bad;
  }
}

TEST(PathParams, IpParsesBothFamiliesAndNamesTheParameter) {
  EXPECT_EQ(ipParam(withParam("ip", "10.0.0.1"))->toString(), "10.0.0.1");
  EXPECT_EQ(ipParam(withParam("ip", "2001:db8::1"))->toString(), "2001:db8::1");
  auto bad = ipParam(withParam("ip", "10.0.0.256"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().parameter, "ip");
}

}  // namespace
}  // namespace netmeter::query
