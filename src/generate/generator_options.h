#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/packet_time.h"

namespace netmeter {

// What to generate. The same options always give a byte-identical capture file.
struct GeneratorOptions {
  uint64_t seed = 1;
  uint64_t packets = 1'000'000;    // exactly this many packets are written
  uint32_t hosts = 20'000;         // client hosts on the local network
  uint32_t servers = 3'000;        // servers (most remote, behind the gateways; some local)
  uint64_t connections = 30'000;   // target number of sessions (TCP, UDP, ICMP, ARP) over the trace
  uint32_t gateways = 3;           // router MACs the remote servers are seen behind
  double ipv6Share = 0.2;          // share of sessions (so of IP packets) over IPv6
  double vlanShare = 0.3;          // share of client hosts (so of packets) on a tagged VLAN
  double qinqShare = 0.1;          // of the tagged hosts, the share behind two tags (802.1ad QinQ)
  double udpShare = 0.3;           // share of sessions that are UDP
  double icmpShare = 0.02;         // share of sessions that are ICMP echo exchanges
  double arpShare = 0.02;          // share of sessions that are ARP request/reply pairs (IPv4 only)
  double retransmitShare = 0.005;  // share of TCP data segments sent twice
  double resetShare = 0.05;        // share of TCP connections closed by RST instead of FIN
  PacketTime start = 1'705'309'200 * kNanosPerSecond;  // 2024-01-15 09:00:00 UTC
  double packetsPerSecond = 100'000;                   // average rate; sets the trace's duration
  uint32_t snapLength = 128;        // bytes kept per packet; the record keeps the original length
  bool randomAddressFlood = false;  // every packet from a new random source address and port
};

struct GeneratorResult {
  bool ok = false;
  std::string error;  // set when !ok
  uint64_t packets = 0;
  uint64_t wireBytes = 0;       // sum of original lengths
  uint64_t capturedBytes = 0;   // sum of captured lengths
  uint64_t tcpConnections = 0;  // TCP sessions with at least one packet written (distinct 4-tuples)
  uint64_t udpFlows = 0;
  uint64_t icmpExchanges = 0;
  uint64_t arpExchanges = 0;
  uint64_t ipv4Packets = 0;
  uint64_t ipv6Packets = 0;
  uint64_t vlanPackets = 0;  // with at least one VLAN tag
  PacketTime firstTime = 0;
  PacketTime lastTime = 0;
};

// Called now and then with (packets written, packets to write).
using GeneratorProgress = std::function<void(uint64_t done, uint64_t total)>;

// Empty when the options make sense, otherwise what is wrong with them.
std::string validateOptions(const GeneratorOptions& options);

}  // namespace netmeter
