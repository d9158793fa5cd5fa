#pragma once

#include "decode/decoded_packet.h"
#include "flow/flow_table.h"
#include "modules/ip/ip_record.h"
#include "modules/common/keyed_stats.h"

namespace netmeter {

// The IP module's per-worker state: one record per IP address and per pair of addresses.
// Because packets are sharded by IP pair, each pair — and so each peer relation — lives in exactly
// one worker; an IP's record is spread over workers and merged at query time.
class IpModule {
 public:
  // A packet of an IP connection: binds the connection to its records on its first packet and counts
  // new connections. Its traffic reaches the records with the connection's next flush.
  void onConnectionPacket(const DecodedPacket& p, const FlowUpdate& flow, MemoryAccount& account);
  // Adds connection `c`'s pending traffic (Connection::pending) to its IP and IP-pair records.
  void flushTraffic(const Connection& c, MemoryAccount& account);
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account);
  void dropBefore(int64_t second, MemoryAccount& account);
  size_t evictBefore(PacketTime before, MemoryAccount& account);
  void mergeFrom(const IpModule& o, MemoryAccount& account);

  const KeyedStats<IpAddress, IpRecord>& ips() const { return ips_; }
  const KeyedStats<IpPairKey, IpPairRecord>& pairs() const { return pairs_; }

 private:
  KeyedStats<IpAddress, IpRecord> ips_;
  KeyedStats<IpPairKey, IpPairRecord> pairs_;
};

}  // namespace netmeter
