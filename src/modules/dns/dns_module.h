#pragma once

#include "core/ip_address.h"
#include "modules/app/host_names.h"
#include "modules/app/l7_payload.h"
#include "modules/common/keyed_stats.h"
#include "modules/dns/dns_records.h"

namespace netmeter {

// DNS over UDP and TCP: per server requests, replies, response times, reply codes and query types;
// the addresses of answers become alternative names of those addresses (HostNameTable, shared with
// the HTTP and TLS analyzers) and resolved names of the DNS module (its own table: a name resolved by
// DNS and later asked for in a Host header or an SNI stays a resolved name).
class DnsModule {
 public:
  static constexpr uint32_t kMaxTcpMessage = 16 * 1024;  // longer DNS-over-TCP messages are skipped
  // A query repeating the id of an unanswered one of the same connection less than this after it is a
  // retransmission (tshark's dns.retransmission_timer): the reply is timed from the first query.
  static constexpr PacketTime kRetransmissionWindow = 5'000'000'000;

  // Whether a connection's first payload is DNS (port 53 and a plausible message).
  static bool recognizes(const L7Payload& payload);
  void onPayload(const L7Payload& payload, HostNameTable& names, MemoryAccount& account);

  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
    servers_.compact(nowSecond, policy, account);
  }
  void dropBefore(int64_t second, MemoryAccount& account) { servers_.dropBefore(second, account); }
  size_t evictBefore(PacketTime before, MemoryAccount& account) {
    return servers_.evictBefore(before, account) + resolved_.evictBefore(before, account);
  }
  void mergeFrom(const DnsModule& o, MemoryAccount& account) {
    servers_.mergeFrom(o.servers_, account);
    resolved_.mergeFrom(o.resolved_, account);
  }

  const KeyedStats<IpAddress, DnsServerRecord>& servers() const { return servers_; }
  // Per address, the HostNameRecord::kMaxNames names most recently resolved to it by DNS answers.
  const HostNameTable& resolvedNames() const { return resolved_; }
  // The last question asked on a DNS connection (its metadata), or null.
  struct Query {
    std::string_view name;
    uint16_t type = 0;
  };
  static const Query* lastQuery(const Connection& c, Query& out);

 private:
  void onMessage(const L7Payload& payload, std::span<const uint8_t> message, HostNameTable& names,
                 MemoryAccount& account);

  KeyedStats<IpAddress, DnsServerRecord> servers_;
  HostNameTable resolved_;
};

}  // namespace netmeter
