#include <gtest/gtest.h>

#include "modules/connections/connection_api.h"

namespace netmeter {
namespace {

TEST(ConnectionId, RoundTrips) {
  for (const ConnectionRef ref : {ConnectionRef{0, 0, 0}, ConnectionRef{3, 17, 42},
                                  ConnectionRef{UINT32_MAX, UINT32_MAX, UINT64_MAX}}) {
    const std::string text = connectionIdText(ref);
    auto parsed = parseConnectionId(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(*parsed, ref) << text;
  }
  EXPECT_EQ(connectionIdText({1, 12, 12}), "1-12-12");
}

TEST(ConnectionId, RejectsMalformedIds) {
  for (const char* bad : {"", "1", "1-2", "1-2-3-4", "-1-2", "1--2", "1-2-", "a-b-c", "1-2-3x", "4294967296-0-0",
                          "0-4294967296-0", "0-0-99999999999999999999"}) {
    EXPECT_FALSE(parseConnectionId(bad)) << bad;
  }
}

}  // namespace
}  // namespace netmeter
