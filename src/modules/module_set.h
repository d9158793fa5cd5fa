#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "decode/decoded_packet.h"
#include "decode/ip_bytes.h"
#include "flow/flow_table.h"
#include "modules/app/application_module.h"
#include "modules/dpi/dpi_module.h"
#include "modules/global/global_module.h"
#include "modules/interfaces/interface_module.h"
#include "modules/ip/ip_module.h"
#include "modules/l4_ports/l4_port_module.h"
#include "modules/l7_analyzers.h"
#include "modules/mac/mac_module.h"
#include "modules/mac_protocols/mac_protocol_module.h"
#include "modules/packet_size/packet_size_module.h"
#include "modules/qos/qos_module.h"
#include "modules/tcp/tcp_module.h"
#include "modules/vlan/vlan_module.h"
#include "store/query_yield.h"

namespace netmeter {

// THE list of analysis modules: the one place a new module is registered. Each worker owns one
// ModuleSet (its shard); queries merge the shards with mergeFrom(). Calls are direct (no virtual
// dispatch) so the compiler can inline every module's per-packet hook.
struct ModuleSet {
  GlobalModule global;
  InterfaceModule interfaces;
  MacModule mac;
  MacProtocolModule macProtocols;
  VlanModule vlan;
  IpModule ip;
  L4PortModule l4Ports;
  PacketSizeModule packetSize;
  QosModule qos;
  DpiModule dpi;          // L7 classification (nDPI) and L7 traffic; before `app`
  ApplicationModule app;  // application analyzers (DNS, HTTP, ...) and alternative names
  TcpModule tcp;
  L7Analyzers l7;  // which of `dpi` and the analyzers in `app` run (EngineOptions::l7; set by enableL7)
  bool tcpAnalysis = true;  // whether `tcp` sees packets (EngineOptions::tcpAnalysis)

  void enableL7(L7Analyzers analyzers) {
    l7 = analyzers;
    app.enabled = analyzers;
  }

  // `bytes`: the packet's captured IP bytes (for L7 analysis).
  void onPacket(const DecodedPacket& p, IpBytes bytes, const FlowUpdate& flow, MemoryAccount& account) {
    global.onPacket(p, account);
    interfaces.onPacket(p, account);
    macProtocols.onPacket(p, account);
    vlan.onPacket(p, account);
    packetSize.onPacket(p, account);
    qos.onPacket(p, account);
    if (flow.connection != nullptr)
      deferTraffic(p, flow, account);
    else
      mac.onPacket(p, account);  // not IP
    // A fragment whose datagram is not whole with it is counted (its connection's L7 traffic too),
    // not analyzed: the fragment that completes the datagram brings it whole (DecodedPacket::fragmentRole).
    const bool analyzed = p.fragmentRole != FragmentRole::kPiece;
    if (tcpAnalysis && analyzed) tcp.onPacket(p, flow, account);
    if (l7.has(L7Analyzers::kDpi)) dpi.onPacket(p, bytes, flow, account);
    if (l7.anyApplication() && analyzed) app.onPacket(p, bytes, flow, account);
  }

  // Adds the traffic every connection accumulated since its last flush to the per-entity statistics
  // (IP, IP pair, MAC, server port, L7; see PendingTraffic), and TCP's per-connection growth to the
  // per-IP TCP statistics. Called at every new second of packet time, before the memory budget
  // removes anything, at the end and when the input pauses (never by queries, which only read);
  // results do not depend on when.
  void flushPending(MemoryAccount& account) {
    flushTraffic(account);
    tcp.flush(account);
  }

  // After the flow table ended idle connections (`traceEnded`: the trace is over): classification of
  // connections that will see no more packets is given up.
  void afterExpiry(bool traceEnded, MemoryAccount& account) { dpi.giveUpEnded(traceEnded, account); }

  // Connections ended (idle timeout, a packet after their timeout or close, eviction:
  // FlowTable::takeEnded and evictBefore) or the trace did: what they have in progress is finished
  // (TCP: the open data burst), dated at their last packet, so results do not depend on when this is
  // called. `forEach(visit)` calls visit(Connection&) for each of them.
  template <typename ForEach>
  void finishConnections(ForEach&& forEach, MemoryAccount& account) {
    forEach([&](Connection& c) {
      if (tcpAnalysis) tcp.finishConnection(c, account);
    });
    tcp.addFinished(account);
  }

  // Rolls history up to coarser resolutions as it ages.
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
    flushTraffic(account);
    global.compact(nowSecond, policy, account);
    interfaces.table.compact(nowSecond, policy, account);
    mac.table.compact(nowSecond, policy, account);
    macProtocols.table.compact(nowSecond, policy, account);
    vlan.table.compact(nowSecond, policy, account);
    ip.compact(nowSecond, policy, account);
    l4Ports.table.compact(nowSecond, policy, account);
    packetSize.compact(nowSecond, policy, account);
    qos.table.compact(nowSecond, policy, account);
    dpi.compact(nowSecond, policy, account);
    app.compact(nowSecond, policy, account);
    tcp.compact(nowSecond, policy, account);
  }

  // Forgets history before `second` (the memory budget's oldest answerable time).
  void dropBefore(int64_t second, MemoryAccount& account) {
    global.dropBefore(second, account);
    interfaces.table.dropBefore(second, account);
    mac.table.dropBefore(second, account);
    macProtocols.table.dropBefore(second, account);
    vlan.table.dropBefore(second, account);
    ip.dropBefore(second, account);
    l4Ports.table.dropBefore(second, account);
    packetSize.dropBefore(second, account);
    qos.table.dropBefore(second, account);
    dpi.dropBefore(second, account);
    app.dropBefore(second, account);
    tcp.dropBefore(second, account);
  }

  // Removes entities whose last activity is before `before` (those that grow with the number of
  // addresses seen; the small fixed tables stay).
  size_t evictBefore(PacketTime before, MemoryAccount& account) {
    flushTraffic(account);  // records and connections may go next: nothing pending may point at them
    return mac.table.evictBefore(before, account) + ip.evictBefore(before, account) +
           l4Ports.table.evictBefore(before, account) + dpi.evictBefore(before, account) +
           app.evictBefore(before, account) + tcp.evictBefore(before, account);
  }

  // Adds another shard's statistics to these (queries, the report). Each task merges tables that no
  // other task touches, so mergeFromParallel() may run them at once.
  void mergeFrom(const ModuleSet& o, MemoryAccount& account) {
    for (const auto& task : mergeTasks(o)) task(account);
  }
  // The same on up to `threads` threads, each charging a scratch account (the merged copy's memory is
  // not budgeted: used after the analysis). `history` false: all-time totals only
  // (TotalsOnlyMergeScope).
  void mergeFromParallel(const ModuleSet& o, unsigned threads, bool history) {
    const std::vector<std::function<void(MemoryAccount&)>> tasks = mergeTasks(o);
    std::atomic<size_t> next{0};
    auto work = [&] {
      std::optional<TotalsOnlyMergeScope> totalsOnly;
      if (!history) totalsOnly.emplace();
      MemoryAccount scratch;
      for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < tasks.size();) tasks[i](scratch);
    };
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < std::min<size_t>(threads, tasks.size()); ++t) helpers.emplace_back(work);
    work();
    for (std::thread& t : helpers) t.join();
  }

 private:
  // The merge, as independent tasks, the largest first (on a generated trace: the IP addresses and
  // pairs, TCP per IP, the application analyzers, L7 per IP).
  std::vector<std::function<void(MemoryAccount&)>> mergeTasks(const ModuleSet& o) {
    return {
        [&](MemoryAccount& a) { ip.mergeFrom(o.ip, a); },
        [&](MemoryAccount& a) { tcp.mergeFrom(o.tcp, a); },
        [&](MemoryAccount& a) { app.mergeFrom(o.app, a); },
        [&](MemoryAccount& a) { dpi.mergeFrom(o.dpi, a); },
        [&](MemoryAccount& a) {
          global.mergeFrom(o.global, a);
          interfaces.table.mergeFrom(o.interfaces.table, a);
          mac.table.mergeFrom(o.mac.table, a);
          macProtocols.table.mergeFrom(o.macProtocols.table, a);
          vlan.table.mergeFrom(o.vlan.table, a);
          l4Ports.table.mergeFrom(o.l4Ports.table, a);
          packetSize.mergeFrom(o.packetSize, a);
          qos.table.mergeFrom(o.qos.table, a);
        },
    };
  }

  // A packet of an IP connection: what it adds to the per-entity statistics waits in the connection
  // (Connection::pending) until the connection is flushed.
  void deferTraffic(const DecodedPacket& p, const FlowUpdate& flow, MemoryAccount& account) {
    Connection& c = *flow.connection;
    const int64_t second = secondOf(p.timestamp);
    if (second > trafficSecond_) {
      flushTraffic(account);
      trafficSecond_ = second;
    }
    if (!c.pending.accepts(p, flow.direction)) flushTraffic(c, account);  // late packet or new MACs
    ip.onConnectionPacket(p, flow, account);
    l4Ports.onConnectionPacket(p, flow, account);
    if (!c.pending.dirty) trafficDirty_.push_back(&c);
    const bool unicastTcpUdp = (p.l4Protocol == ipproto::kTcp || p.l4Protocol == ipproto::kUdp) &&
                               !p.dstIp.isMulticast() && !p.dstIp.isBroadcast();
    c.pending.add(p, flow.direction, unicastTcpUdp);
  }
  void flushTraffic(Connection& c, MemoryAccount& account) {
    if (!c.pending.dirty) return;
    ip.flushTraffic(c, account);
    mac.flushTraffic(c, account);
    l4Ports.flushTraffic(c, account);
    dpi.flushTraffic(c, account);
    c.pending.clear();
  }
  void flushTraffic(MemoryAccount& account) {
    // Software-pipelined like the packet path: the connection a few entries ahead, then the records
    // it points to, so that the flush does not wait for each record in turn.
    constexpr size_t kFar = 8, kNear = 4;
    const size_t n = trafficDirty_.size();
    for (size_t i = 0; i < n; ++i) {
      QueryYield::point();  // a flood's second can list a million connections
      if (i + kFar < n) prefetchPending(*trafficDirty_[i + kFar]);
      if (i + kNear < n) prefetchRecords(*trafficDirty_[i + kNear]);
      flushTraffic(*trafficDirty_[i], account);
    }
    trafficDirty_.clear();
  }
  static void prefetchPending(const Connection& c) {
    __builtin_prefetch(&c.records);
    __builtin_prefetch(&c.pending);
    __builtin_prefetch(reinterpret_cast<const char*>(&c.pending) + 64);
    __builtin_prefetch(reinterpret_cast<const char*>(&c.pending) + 128);
    __builtin_prefetch(&c.app.clientL7);  // the L7 records and the traffic counted to them
    __builtin_prefetch(&c.app.l7Last);
  }
  static void prefetchRecords(const Connection& c) {
    __builtin_prefetch(c.records.clientIp, 1);
    __builtin_prefetch(c.records.serverIp, 1);
    __builtin_prefetch(c.records.ipPair, 1);
    __builtin_prefetch(c.records.serverPort, 1);
    __builtin_prefetch(c.records.hints[0]);
    __builtin_prefetch(c.records.hints[1]);
    if (c.app.l7Last != INT64_MIN) {  // classified, with traffic to count (DpiModule::flushTraffic)
      __builtin_prefetch(c.app.clientL7, 1);
      __builtin_prefetch(c.app.serverL7, 1);
    }
  }

  std::vector<Connection*> trafficDirty_;  // connections with pending traffic (or flushed since)
  int64_t trafficSecond_ = INT64_MIN;      // second of the newest packet
};

}  // namespace netmeter
