#pragma once

#include <cstdint>
#include <vector>

#include "decode/decoded_packet.h"
#include "decode/ip_bytes.h"
#include "flow/flow_table.h"
#include "modules/common/keyed_stats.h"
#include "modules/dpi/dpi_records.h"
#include "modules/dpi/ndpi_classifier.h"

namespace netmeter {

// L7 detection with nDPI: classifies every IP connection (Connection::app.l7) and counts L7 traffic
// per protocol globally and per IP, with history. A connection's traffic is counted to its protocol
// once it is decided (the packets seen while classifying are added then); connections nDPI cannot
// recognise count as protocol 0, "unclassified". Like the other per-entity statistics, the L7
// records receive a connection's traffic once per second (ModuleSet::flushTraffic), not per packet.
// Each worker has its own nDPI module; connections (and so their nDPI flows) live in one worker, so
// results do not depend on the thread count.
class DpiModule {
 public:
  void onPacket(const DecodedPacket& p, IpBytes bytes, const FlowUpdate& flow, MemoryAccount& account);
  // Adds the traffic of classified connection `c` counted since the last flush to its L7 records.
  void flushTraffic(Connection& c, MemoryAccount& account);
  // Gives up classification of connections that have ended (called after the flow table's expiry),
  // or of all that are still pending when the trace has ended (`all`).
  void giveUpEnded(bool all, MemoryAccount& account);

  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account);
  void dropBefore(int64_t second, MemoryAccount& account);
  size_t evictBefore(PacketTime before, MemoryAccount& account);
  void mergeFrom(const DpiModule& o, MemoryAccount& account);

  const KeyedStats<uint16_t, DpiProtocolRecord>& protocols() const { return protocols_; }
  const KeyedStats<DpiIpKey, DpiIpRecord>& ips() const { return ips_; }
  // Connections whose classification is still in progress.
  size_t pendingConnections() const { return pending_.size(); }

 private:
  struct Pending {
    Connection* connection;
    uint64_t id;  // the slot may have been reused by the flow table since
  };
  void decided(Connection& c, const NdpiFlowState& state, PacketTime t, MemoryAccount& account);
  void count(Connection& c, Direction d, uint64_t packets, uint64_t bytes, PacketTime t, MemoryAccount& account);

  NdpiClassifier classifier_;
  std::vector<Pending> pending_;
  KeyedStats<uint16_t, DpiProtocolRecord> protocols_;
  KeyedStats<DpiIpKey, DpiIpRecord> ips_;
};

}  // namespace netmeter
