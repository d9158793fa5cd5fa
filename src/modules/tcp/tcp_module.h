#pragma once

#include <array>
#include <utility>
#include <vector>

#include "decode/decoded_packet.h"
#include "flow/flow_table.h"
#include "modules/common/keyed_stats.h"
#include "modules/tcp/tcp_stats.h"

namespace netmeter {

// The TCP module's per-worker state. Per-connection TCP health lives in each Connection
// (Connection::tcp, created here on its first TCP packet, see tcp_analyzer.h). What connections add
// to the per-IP and global statistics is flushed once per second of packet time, not per packet:
// a connection changed in a second is listed once and its counters' growth since the last flush is
// added at the next second (also before eviction and at the end of a trace, via compact()). So the
// per-packet path touches only the connection's own state; per-IP records are looked up once per
// connection and second.
class TcpModule {
 public:
  void onPacket(const DecodedPacket& p, const FlowUpdate& flow, MemoryAccount& account) {
    if (!p.isTcp() || p.badTcpHeader || flow.connection == nullptr) return;
    onSegment(p, *flow.connection, flow.direction, account);
  }
  // Adds every changed connection's growth to the per-IP and global statistics.
  void flush(MemoryAccount& account);
  // `c` ended (idle timeout, a packet after its timeout, eviction) or the analysis did: its data burst
  // in progress is finished (finishTcpBurst) and counted in the connection and per IP at once, dated
  // at the connection's last packet (TimeSeries::addAt), so that the result does not depend on when
  // this is called (shard, expiry scan, thread count). Nothing happens without a burst in progress,
  // so calling it again changes nothing. The global record, which every such connection reaches and
  // whose history is dense, gets the counts by second in addFinished(), which must follow.
  void finishConnection(Connection& c, MemoryAccount& account);
  void addFinished(MemoryAccount& account);
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account);
  void dropBefore(int64_t second, MemoryAccount& account);
  size_t evictBefore(PacketTime before, MemoryAccount& account);
  void mergeFrom(const TcpModule& o, MemoryAccount& account);

  const KeyedStats<IpAddress, TcpIpRecord>& ips() const { return ips_; }
  const KeyedStats<TcpServerPortKey, TcpServerPortRecord>& serverPorts() const { return serverPorts_; }
  const TcpIpRecord& global() const { return global_; }

 private:
  void onSegment(const DecodedPacket& p, Connection& c, Direction dir, MemoryAccount& account);
  // `late`: dated at its own second even when the records' history has moved past it.
  void flushConnection(Connection& c, MemoryAccount& account, bool late = false);

  KeyedStats<IpAddress, TcpIpRecord> ips_;
  KeyedStats<TcpServerPortKey, TcpServerPortRecord> serverPorts_;
  TcpIpRecord global_;
  std::vector<Connection*> dirty_;  // connections changed since the last flush
  // What finished connections add to the global record, by second (sorted; see addFinished).
  std::vector<std::pair<int64_t, std::array<uint64_t, kTcpStatCount>>> finishedGlobal_;
  int64_t second_ = INT64_MIN;      // second of the newest TCP packet
};

}  // namespace netmeter
