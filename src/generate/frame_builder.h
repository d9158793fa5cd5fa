#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/ip_address.h"
#include "core/mac_address.h"

namespace netmeter {

// 802.1Q tags: none (outer == 0), one tag (inner == 0) or QinQ (802.1ad outer, 802.1Q inner).
struct VlanTags {
  uint16_t outer = 0;
  uint16_t inner = 0;
  bool tagged() const { return outer != 0; }
};

enum class FrameKind : uint8_t { kTcp, kUdp, kIcmpEcho, kArp };

namespace tcp_flag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
}  // namespace tcp_flag

// Everything needed to lay out one Ethernet frame. The payload is `prefix` followed by filler bytes
// up to payloadLength (filler is a fixed pseudo-random pattern, so checksums cover real bytes).
struct FrameSpec {
  FrameKind kind = FrameKind::kTcp;
  MacAddress srcMac;
  MacAddress dstMac;
  VlanTags vlan;
  IpAddress srcIp;  // family selects IPv4 or IPv6
  IpAddress dstIp;
  uint8_t ttl = 64;
  uint16_t ipId = 0;
  uint16_t srcPort = 0;  // ICMP: identifier
  uint16_t dstPort = 0;  // ICMP: sequence number
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t tcpFlags = 0;
  uint16_t window = 0;
  uint16_t mss = 0;    // != 0: SYN options (MSS, SACK permitted, window scale)
  bool reply = false;  // ICMP echo reply / ARP reply
  uint32_t payloadLength = 0;
  std::span<const uint8_t> prefix;
};

// Largest frame buildFrame writes: Ethernet + two VLAN tags + 1500-byte IP packet.
inline constexpr size_t kMaxFrameLength = 14 + 8 + 1500;

// Writes the frame into out (at least kMaxFrameLength bytes) with correct lengths and IPv4, TCP,
// UDP and ICMP checksums; returns the frame length. payloadLength is clamped to fit the MTU.
size_t buildFrame(const FrameSpec& spec, std::span<uint8_t> out);

// The largest payload that fits a 1500-byte IP packet with this spec's headers.
uint32_t maxPayload(const FrameSpec& spec);

}  // namespace netmeter
