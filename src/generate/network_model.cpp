#include "generate/network_model.h"

#include <array>

namespace netmeter {
namespace {

// Real vendor OUIs (IEEE registry): Apple, Intel, Dell, HP, Samsung, Lenovo, Raspberry Pi, VMware.
constexpr std::array<uint32_t, 12> kHostOuis = {0xf01898, 0x001cb3, 0x3c22fb, 0x001b21, 0x3c970e, 0x001422,
                                                0xf8bc12, 0x3cd92b, 0x5c0a5b, 0x54ee75, 0xb827eb, 0x000c29};
// Router vendors: Cisco, Juniper, Huawei.
constexpr std::array<uint32_t, 4> kRouterOuis = {0x001b54, 0x000585, 0x00e0fc, 0x00000c};
// First octets of public IPv4 space the remote servers are placed in.
constexpr std::array<uint8_t, 14> kPublicFirstOctets = {23,  31,  34,  52,  64,  77,  93,
                                                        104, 142, 151, 157, 185, 203, 212};
// VLAN ids used on the local network; QinQ customers sit behind a provider outer tag.
constexpr std::array<uint16_t, 5> kVlans = {10, 20, 30, 100, 200};
constexpr std::array<uint16_t, 2> kOuterVlans = {1000, 2000};

MacAddress makeMac(uint32_t oui, uint32_t serial) {
  MacAddress m;
  m.bytes = {uint8_t(oui >> 16),    uint8_t(oui >> 8),    uint8_t(oui),
             uint8_t(serial >> 16), uint8_t(serial >> 8), uint8_t(serial)};
  return m;
}

// A bijection on 24-bit numbers, so that serials look scattered but never collide.
uint32_t scatter24(uint32_t x) {
  return (x * 0x9e3779u + 0x5bd1e9u) & 0xffffffu;
}

IpAddress ipv6From(uint16_t a, uint16_t b, uint16_t c, uint16_t d, uint64_t interfaceId) {
  uint8_t bytes[16] = {uint8_t(a >> 8), uint8_t(a), uint8_t(b >> 8), uint8_t(b),
                       uint8_t(c >> 8), uint8_t(c), uint8_t(d >> 8), uint8_t(d)};
  for (int i = 0; i < 8; ++i) bytes[8 + i] = uint8_t(interfaceId >> (56 - 8 * i));
  return IpAddress::v6(bytes);
}

// Modified EUI-64 interface id from a MAC (SLAAC).
uint64_t eui64(const MacAddress& mac) {
  const auto& b = mac.bytes;
  return (uint64_t(b[0] ^ 0x02) << 56) | (uint64_t{b[1]} << 48) | (uint64_t{b[2]} << 40) | (0xffULL << 32) |
         (0xfeULL << 24) | (uint64_t{b[3]} << 16) | (uint64_t{b[4]} << 8) | b[5];
}

Service pickService(Random& random, bool udp) {
  std::array<uint32_t, kServiceCount> weights{};
  for (size_t i = 0; i < kServiceCount; ++i) {
    const ServiceInfo& info = serviceInfo(Service(i));
    weights[i] = info.udp == udp ? info.weight : 0;
  }
  return Service(random.weighted(weights));
}

}  // namespace

NetworkModel::NetworkModel(const GeneratorOptions& options, Random& random) {
  const uint32_t gateways = options.gateways == 0 ? 1 : options.gateways;
  for (uint32_t g = 0; g < gateways; ++g) {
    gatewayMacs_.push_back(makeMac(kRouterOuis[g % kRouterOuis.size()], scatter24(0xa00000 + g)));
  }

  const Probability tagged = Probability::of(options.vlanShare);
  const Probability qinq = Probability::of(options.qinqShare);
  clients_.resize(options.hosts);
  for (uint32_t i = 0; i < options.hosts; ++i) {
    ClientHost& c = clients_[i];
    // 10.A.B.C with C in 2..251: 250 hosts per /24, the router at .1.
    const uint32_t subnet = i / 250;
    const uint32_t base = 0x0a000000u | ((subnet & 0xffff) << 8);
    c.ipv4 = IpAddress::v4(base | (i % 250 + 2));
    c.gatewayIpv4 = IpAddress::v4(base | 1);
    c.mac = makeMac(kHostOuis[i % kHostOuis.size()], scatter24(i / uint32_t(kHostOuis.size())));
    c.ipv6 = ipv6From(0x2a01, 0x0e0a, 0x01b4, uint16_t(subnet), eui64(c.mac));
    c.gateway = uint8_t(subnet % gateways);
    c.ttl = random.chance(Probability::of(0.4)) ? 128 : 64;
    c.nextPort = uint16_t(32768 + random.below(60999 - 32768 + 1));
    c.nextIpId = uint16_t(random.next32());
    if (random.chance(tagged)) {
      if (random.chance(qinq)) {
        c.vlan = {kOuterVlans[random.below(kOuterVlans.size())], kVlans[random.below(kVlans.size())]};
      } else {
        c.vlan = {kVlans[random.below(kVlans.size())], 0};
      }
    }
  }

  const uint32_t serverCount = options.servers < 2 ? 2 : options.servers;
  servers_.resize(serverCount);
  uint32_t localCount = 0;
  for (uint32_t i = 0; i < serverCount; ++i) {
    ServerHost& s = servers_[i];
    // The first two guarantee both a UDP (DNS) and a TCP (HTTPS) server.
    s.service = i == 0   ? Service::kDns
                : i == 1 ? Service::kHttps
                         : pickService(random, random.chance(Probability::of(0.3)));
    const ServiceInfo& info = serviceInfo(s.service);
    s.local = random.chance(Probability::of(info.local ? 0.8 : 0.05));
    s.nextIpId = uint16_t(random.next32());
    if (s.local) {
      const uint32_t n = localCount++;
      s.ipv4 = IpAddress::v4(0xac100000u | ((n / 250) & 0xff) << 8 | (n % 250 + 2));  // 172.16.x.y
      s.mac = makeMac(kHostOuis[(n * 7) % kHostOuis.size()], scatter24(0x800000 + n));
      s.ipv6 = ipv6From(0x2a01, 0x0e0a, 0x01b4, 0xff00, eui64(s.mac));
      s.ttl = random.chance(Probability::of(0.3)) ? 128 : 64;
    } else {
      const uint32_t octet = kPublicFirstOctets[i % kPublicFirstOctets.size()];
      const uint32_t rest = scatter24(i / uint32_t(kPublicFirstOctets.size()));
      s.ipv4 = IpAddress::v4(octet << 24 | rest);
      static constexpr uint16_t kPrefixes[] = {0x2606, 0x2a00, 0x2a03, 0x2620, 0x2400};
      s.ipv6 =
          ipv6From(kPrefixes[i % 5], uint16_t(0x4700 + i % 97), 0, uint16_t(i >> 16), 0x1000 + (i & 0xffff));
      static constexpr uint8_t kTtls[] = {52, 56, 113, 117, 243, 50};
      s.ttl = kTtls[random.below(sizeof(kTtls))];
    }
    (info.udp ? udpServers_ : tcpServers_).push_back(i);
  }
}

uint32_t NetworkModel::pickClient(Random& random) const {
  const uint64_t n = clients_.size();
  return uint32_t(random.chance(Probability::of(0.5)) ? random.below(n) : random.skewedBelow(n));
}

uint32_t NetworkModel::pickServer(Random& random, bool udp) const {
  const std::vector<uint32_t>& pool = udp ? udpServers_ : tcpServers_;
  return pool[random.skewedBelow(pool.size())];
}

uint32_t NetworkModel::pickAnyServer(Random& random) const {
  return uint32_t(random.skewedBelow(servers_.size()));
}

uint16_t takeEphemeralPort(ClientHost& client) {
  const uint16_t port = client.nextPort;
  client.nextPort = port >= 60999 ? 32768 : uint16_t(port + 1);
  return port;
}

}  // namespace netmeter
