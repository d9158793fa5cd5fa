#include "core/service_names.h"

#include <gtest/gtest.h>

namespace netmeter {
namespace {

// Debian's netbase /etc/services (installed by scripts/install-deps.sh).
TEST(ServiceNames, WellKnownPortsPerL4Protocol) {
  EXPECT_EQ(usualServiceName(6, 80), "http");
  EXPECT_EQ(usualServiceName(6, 443), "https");
  EXPECT_EQ(usualServiceName(6, 22), "ssh");
  EXPECT_EQ(usualServiceName(17, 53), "domain");
  EXPECT_EQ(usualServiceName(17, 123), "ntp");
  EXPECT_EQ(usualServiceName(6, 3306), "mysql");
}

TEST(ServiceNames, UnregisteredPortsAndProtocolsHaveNone) {
  EXPECT_EQ(usualServiceName(6, 0), "");
  EXPECT_EQ(usualServiceName(6, 61234), "");
  EXPECT_EQ(usualServiceName(17, 22), "");  // ssh is registered for TCP only
  EXPECT_EQ(usualServiceName(1, 80), "");   // ICMP has no ports
}

}  // namespace
}  // namespace netmeter
