// The "tcp" object of a connection (tcp_connection_json.h), as the report and the API render it.
#include "modules/tcp/tcp_connection_json.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "query/json_out.h"
#include "tcp_segments.h"

namespace netmeter {
namespace {

using namespace test;

nlohmann::json renderTcp(const Connection& c) {
  query::JsonOut w;
  writeTcpConnectionObject(w, c);
  return nlohmann::json::parse(w.take());
}

// The MSS a side announced in its SYN; RFC 9293's default (536 for IPv4) when its SYN carried
// none; unknown (null) when its SYN was not captured, rather than a default that was never agreed.
TEST(TcpConnectionJson, MssIsUnknownWithoutTheSidesSyn) {
  Connection c;
  c.clientIp = *IpAddress::parse("10.0.0.1");
  c.tcp = std::make_unique<TcpConnectionState>();
  // The capture starts after the handshake.
  analyzeTcpSegment(
      *c.tcp, kClientToServer,
      Segment{.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 10}.packet());
  analyzeTcpSegment(*c.tcp, kServerToClient,
                    Segment{.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1011}.packet());
  nlohmann::json j = renderTcp(c);
  EXPECT_TRUE(j["client"]["mss"].is_null());
  EXPECT_FALSE(j["client"]["mssAnnounced"].get<bool>());
  EXPECT_TRUE(j["server"]["mss"].is_null());

  // A SYN with an MSS option, a SYN-ACK without one.
  c.tcp = std::make_unique<TcpConnectionState>();
  analyzeTcpSegment(*c.tcp, kClientToServer,
                    Segment{.dir = kClientToServer, .flags = kSyn, .seq = 1000, .mss = 1460}.packet());
  analyzeTcpSegment(*c.tcp, kServerToClient,
                    Segment{.dir = kServerToClient, .flags = kSynAck, .seq = 5000, .ack = 1001}.packet());
  j = renderTcp(c);
  EXPECT_EQ(j["client"]["mss"], 1460);
  EXPECT_TRUE(j["client"]["mssAnnounced"].get<bool>());
  EXPECT_EQ(j["server"]["mss"], 536);
  EXPECT_FALSE(j["server"]["mssAnnounced"].get<bool>());
}

}  // namespace
}  // namespace netmeter
