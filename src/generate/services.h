#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace netmeter {

// Application services the synthetic servers offer, with their well-known ports.
enum class Service : uint8_t {
  kHttps,
  kHttp,
  kHttpAlt,
  kSsh,
  kSmtp,
  kImaps,
  kMysql,
  kPostgres,
  kRedis,
  kRdp,
  kSmb,
  kDns,
  kNtp,
  kQuic,
  kSyslog,
  kSnmp,
  kOpenVpn,
};
inline constexpr size_t kServiceCount = 17;

struct ServiceInfo {
  uint16_t port;
  bool udp;
  bool local;       // usually a server on the local network rather than on the Internet
  uint32_t weight;  // relative share of servers offering it (within TCP or within UDP)
};

const ServiceInfo& serviceInfo(Service service);

// Application bytes at the start of a payload. Each writer fills `out` (at least kMaxPrefix bytes)
// and returns how many bytes it wrote; the frame builder pads the rest of the payload with filler.
inline constexpr size_t kMaxPrefix = 600;

struct PrefixRequest {
  Service service;
  bool fromClient;
  uint32_t exchange;       // 0 for the first request/response of the connection
  uint32_t payloadLength;  // the segment's payload length
  uint32_t totalLength;    // the whole request or response this segment starts
  uint32_t name;           // picks a domain name / path
  uint16_t id;             // DNS transaction id etc.
};

// Prefix for the first segment of a request or response.
size_t writeApplicationPrefix(const PrefixRequest& request, std::span<uint8_t> out);

// A full DNS query or response for name `name` (A, AAAA or HTTPS by qtypeIndex 0..2).
size_t writeDnsMessage(bool response, uint16_t id, uint32_t name, uint32_t qtypeIndex, uint32_t answers,
                       std::span<uint8_t> out);

}  // namespace netmeter
