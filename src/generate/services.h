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
// Big enough for a whole QUIC client Initial datagram (1200 to 1357 bytes), which is encrypted and so
// cannot be a short prefix followed by filler.
inline constexpr size_t kMaxPrefix = 1500;

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

// True for protocols whose server talks first, right after the TCP handshake (MySQL, SMTP).
bool serverSpeaksFirst(Service service);

// The greeting such a server sends before any request: a whole message, its exact payload.
size_t writeServerGreeting(Service service, uint16_t id, std::span<uint8_t> out);

// Handshake messages have the size their content gives them (a MySQL login, an RDP connection
// request, an SNMP GetRequest, an OpenVPN hard reset, ...), and classifiers such as nDPI recognise
// them by a length field that must match the packet exactly. Returns that size for the message
// `request` starts (payloadLength and totalLength are ignored), or 0 when the session model picks it.
uint32_t fixedMessageLength(const PrefixRequest& request);

// A full DNS query or response for name `name` (A, AAAA or HTTPS by qtypeIndex 0..2).
size_t writeDnsMessage(bool response, uint16_t id, uint32_t name, uint32_t qtypeIndex, uint32_t answers,
                       std::span<uint8_t> out);

}  // namespace netmeter
