#pragma once

#include <cstdint>
#include <vector>

#include "core/ip_address.h"
#include "core/mac_address.h"
#include "generate/frame_builder.h"
#include "generate/generator_options.h"
#include "generate/random.h"
#include "generate/services.h"

namespace netmeter {

// A client on the local network: one MAC (a real vendor OUI), an IPv4 and an IPv6 address, a VLAN.
struct ClientHost {
  MacAddress mac;
  IpAddress ipv4;
  IpAddress ipv6;
  IpAddress gatewayIpv4;  // the router it ARPs for
  VlanTags vlan;
  uint8_t gateway = 0;    // index into NetworkModel::gatewayMacs
  uint8_t ttl = 64;       // initial TTL of its OS (64 or 128)
  uint16_t nextPort = 0;  // next ephemeral port
  uint16_t nextIpId = 0;
};

// A server: remote ones are seen behind a gateway MAC, local ones have their own.
struct ServerHost {
  MacAddress mac;
  IpAddress ipv4;
  IpAddress ipv6;
  Service service = Service::kHttps;
  bool local = false;
  uint8_t ttl = 52;  // TTL as seen at the capture point
  uint16_t nextIpId = 0;
};

// The fixed population of hosts, servers and routers a trace is drawn from.
class NetworkModel {
 public:
  NetworkModel(const GeneratorOptions& options, Random& random);

  const std::vector<ClientHost>& clients() const { return clients_; }
  std::vector<ClientHost>& clients() { return clients_; }
  std::vector<ServerHost>& servers() { return servers_; }
  const std::vector<MacAddress>& gatewayMacs() const { return gatewayMacs_; }

  // A client, some much busier than others.
  uint32_t pickClient(Random& random) const;
  // A server offering a TCP (udp == false) or UDP service, popular ones more often.
  uint32_t pickServer(Random& random, bool udp) const;
  // Any server (ICMP echo targets).
  uint32_t pickAnyServer(Random& random) const;

  // MAC the client talks to for this server: the server's own when local, else its gateway.
  const MacAddress& nextHopMac(const ClientHost& client, const ServerHost& server) const {
    return server.local ? server.mac : gatewayMacs_[client.gateway];
  }

 private:
  std::vector<ClientHost> clients_;
  std::vector<ServerHost> servers_;
  std::vector<uint32_t> tcpServers_;
  std::vector<uint32_t> udpServers_;
  std::vector<MacAddress> gatewayMacs_;
};

// Ephemeral client port in the Linux range 32768..60999.
uint16_t takeEphemeralPort(ClientHost& client);

}  // namespace netmeter
