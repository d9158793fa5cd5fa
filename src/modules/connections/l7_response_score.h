#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <optional>

#include "core/ip_address.h"
#include "core/packet_time.h"
#include "flow/connection.h"
#include "modules/common/response_time_stats.h"

namespace netmeter {

class Engine;

// The score part of the reference's "Layer 7 response time" column: how a connection's L7 response
// time compares with its server's usual one, and how that server compares with all servers.
// Kinds of measure: HTTP (response times) and TLS (handshake response times), never mixed.
//
// One score: min(100, round(100 * reference / measured)), 0..100, higher is better (100: as fast as
// the reference or faster, 50: twice as slow). A measured time of 0 scores 100. Null (nullopt) when
// either time is missing (negative).
std::optional<uint32_t> l7Score(double reference, double measured);
// The lower of two scores; either alone when the other is null.
std::optional<uint32_t> lowerL7Score(std::optional<uint32_t> a, std::optional<uint32_t> b);

struct L7ConnectionScores {
  std::optional<uint32_t> response;  // l7ResponseScore
  std::optional<uint32_t> server;    // l7ServerScore
};

// The per-server averages the scores compare with, built once per request from the module statistics
// merged over every worker (so the scores do not depend on the worker count; the sums are integers):
// per server IP the HTTP module's response times and the TLS module's handshake response times (all
// the IP's TLS ports together), and the global ones (all servers' responses or handshakes together:
// the mean over all of them, not the mean of the servers' means). All time, as the HTTP and SSL APIs'
// response time objects.
//
// A connection's scores, per kind it has (HTTP: the HTTP analyzer follows it; TLS: the TLS analyzer
// read it, directly, in a CONNECT tunnel or after STARTTLS), the lower of the two when it has both:
// - response score: l7Score(server's average, connection's time), the connection's time being its
//   longest HTTP response time, resp. its TLS handshake response time (null without one);
// - server score: l7Score(global average, server's average).
// Each is null when no kind gives one (no time of the connection, no average of its server).
class L7ResponseScores {
 public:
  // With `onlyServer`, the per-server averages of that IP alone (the global ones are always complete):
  // for one connection.
  static L7ResponseScores build(const Engine& engine, const IpAddress* onlyServer = nullptr);

  // Adds statistics of a server (what build() does for each shard's records; for tests too).
  void addHttp(const IpAddress& server, const ResponseTimeStats& responseTimes);
  void addTlsHandshakes(const IpAddress& server, const ResponseTimeStats& handshakeTimes);

  L7ConnectionScores of(const Connection& c) const;
  // The same from the connection's measures: its HTTP and TLS handshake response times (-1: none),
  // `http` / `tls`: whether it is of that kind.
  L7ConnectionScores of(const IpAddress& server, bool http, PacketTime httpTime, bool tls,
                        PacketTime tlsTime) const;

 private:
  struct Server {
    ResponseTimeStats http;
    ResponseTimeStats tls;
  };
  absl::flat_hash_map<IpAddress, Server> servers_;
  ResponseTimeStats http_;
  ResponseTimeStats tls_;
};

}  // namespace netmeter
