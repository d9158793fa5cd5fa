#include "core/protocol_names.h"

#include <gtest/gtest.h>

namespace netmeter {
namespace {

TEST(ProtocolNames, IpProtocolsBothWays) {
  EXPECT_EQ(ipProtocolName(6), "TCP");
  EXPECT_EQ(ipProtocolName(58), "ICMPv6");
  EXPECT_EQ(ipProtocolName(4), "IPIP");  // canonical name; "IPv4" is an accepted alias
  EXPECT_EQ(ipProtocolName(253), "");
  EXPECT_EQ(ipProtocolNumber("tcp"), 6);
  EXPECT_EQ(ipProtocolNumber("IPv4"), 4);
  EXPECT_FALSE(ipProtocolNumber("TCPX"));
  for (int p = 0; p < 256; ++p) {
    const auto name = ipProtocolName(uint8_t(p));
    if (!name.empty()) {
      EXPECT_EQ(ipProtocolNumber(name), p) << name;
    }
  }
}

TEST(ProtocolNames, EtherTypesBothWays) {
  EXPECT_EQ(etherTypeName(0x0800), "IPv4");
  EXPECT_EQ(etherTypeName(0x8864), "PPPoE session");
  EXPECT_EQ(etherTypeNumber("pppoe"), 0x8864);
  EXPECT_EQ(etherTypeNumber("IP"), 0x0800);
  EXPECT_EQ(etherTypeName(0x1234), "");
  for (int t = 0; t < 65536; ++t) {
    const auto name = etherTypeName(uint16_t(t));
    if (!name.empty()) {
      EXPECT_EQ(etherTypeNumber(name), t) << name;
    }
  }
}

TEST(ProtocolNames, DscpBothWays) {
  EXPECT_EQ(dscpName(46), "EF");
  EXPECT_EQ(dscpName(34), "AF41");
  EXPECT_EQ(dscpName(0), "BE");
  EXPECT_EQ(dscpName(3), "");
  EXPECT_EQ(dscpNumber("default"), 0);
  EXPECT_EQ(dscpNumber("cs3"), 24);
  EXPECT_FALSE(dscpNumber("AF44"));
  for (int d = 0; d < 64; ++d) {
    const auto name = dscpName(uint8_t(d));
    if (!name.empty()) {
      EXPECT_EQ(dscpNumber(name), d) << name;
    }
  }
}

}  // namespace
}  // namespace netmeter
