#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "core/packet_time.h"
#include "io/raw_packet.h"

namespace netmeter::test {

// The packet time synthetic traces of the tests start at: 2023-11-14 22:13:20 UTC.
inline constexpr PacketTime kTestEpoch = 1'700'000'000 * kNanosPerSecond;

// Builds Ethernet/IPv4 or IPv6 TCP/UDP/ICMP frames for engine-level tests (the decoder's own tests
// cover every protocol in depth).
struct FrameSpec {
  std::string srcIp = "10.0.0.1";
  std::string dstIp = "10.0.0.2";
  uint16_t srcPort = 40000;
  uint16_t dstPort = 80;
  uint8_t l4Protocol = 6;  // 6 TCP, 17 UDP, 1 ICMP
  uint8_t tcpFlags = 0x10;
  uint8_t ttl = 64;
  uint8_t dscp = 0;
  uint16_t vlan = 0xffff;  // none
  uint32_t payload = 0;          // filler bytes (0xab) when payloadBytes is empty
  std::string payloadBytes;      // L4 payload content (overrides `payload`)
  uint32_t tcpSeq = 1000;
  uint32_t tcpAck = 2000;
  uint8_t icmpType = 8;
  uint64_t srcMac = 0x020000000001;
  uint64_t dstMac = 0x020000000002;
};

std::vector<uint8_t> buildFrame(const FrameSpec& spec);

// A RawPacket viewing `bytes` (which must outlive it).
inline RawPacket rawPacket(const std::vector<uint8_t>& bytes, PacketTime t, uint16_t interfaceId = 0) {
  RawPacket r;
  r.timestamp = t;
  r.capturedLength = static_cast<uint32_t>(bytes.size());
  r.originalLength = static_cast<uint32_t>(bytes.size());
  r.linkType = static_cast<uint16_t>(LinkType::kEthernet);
  r.interfaceId = interfaceId;
  r.data = bytes.data();
  return r;
}

}  // namespace netmeter::test
