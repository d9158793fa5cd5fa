#pragma once

#include "decode/decoded_packet.h"
#include "flow/connection.h"

namespace netmeter::test {

inline constexpr PacketTime kTcpT0 = 1'700'000'000 * kNanosPerSecond;
inline PacketTime ms(double v) { return kTcpT0 + static_cast<PacketTime>(v * 1e6); }

// A hand-built TCP segment between 10.0.0.1:40000 (client) and 10.0.0.2:80 (server).
struct Segment {
  Direction dir = kClientToServer;
  uint8_t flags = tcpflag::kAck;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint32_t len = 0;
  uint16_t window = 1000;
  PacketTime t = kTcpT0;
  uint16_t mss = 0;
  uint8_t windowScale = kNoWindowScale;

  DecodedPacket packet() const {
    DecodedPacket p;
    p.timestamp = t;
    p.ipVersion = 4;
    const IpAddress client = *IpAddress::parse("10.0.0.1");
    const IpAddress server = *IpAddress::parse("10.0.0.2");
    p.srcIp = dir == kClientToServer ? client : server;
    p.dstIp = dir == kClientToServer ? server : client;
    p.l4Protocol = ipproto::kTcp;
    p.hasPorts = true;
    p.srcPort = dir == kClientToServer ? 40000 : 80;
    p.dstPort = dir == kClientToServer ? 80 : 40000;
    p.tcpFlags = flags;
    p.tcpSeq = seq;
    p.tcpAck = ack;
    p.tcpWindow = window;
    p.payloadLength = len;
    p.wireLength = 54 + len;
    p.tcpSynOptions.mss = mss;
    p.tcpSynOptions.windowScale = windowScale;
    return p;
  }
};

inline constexpr uint8_t kSyn = tcpflag::kSyn;
inline constexpr uint8_t kSynAck = tcpflag::kSyn | tcpflag::kAck;
inline constexpr uint8_t kAck = tcpflag::kAck;
inline constexpr uint8_t kPshAck = tcpflag::kPsh | tcpflag::kAck;
inline constexpr uint8_t kFinAck = tcpflag::kFin | tcpflag::kAck;
inline constexpr uint8_t kRst = tcpflag::kRst;

}  // namespace netmeter::test
