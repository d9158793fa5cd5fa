#pragma once

#include "decode/decoded_packet.h"
#include "decode/ip_bytes.h"
#include "flow/flow_table.h"
#include "modules/app/application_module.h"
#include "modules/dpi/dpi_module.h"
#include "modules/global/global_module.h"
#include "modules/interfaces/interface_module.h"
#include "modules/ip/ip_module.h"
#include "modules/l4_ports/l4_port_module.h"
#include "modules/mac/mac_module.h"
#include "modules/mac_protocols/mac_protocol_module.h"
#include "modules/packet_size/packet_size_module.h"
#include "modules/qos/qos_module.h"
#include "modules/tcp/tcp_module.h"
#include "modules/vlan/vlan_module.h"

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
  DpiModule dpi;           // L7 classification (nDPI) and L7 traffic; before `app`
  ApplicationModule app;   // application analyzers (DNS, HTTP, ...) and alternative names
  TcpModule tcp;
  uint8_t l7Level = 2;     // 0: no L7 analysis, 1: classification only, 2: all (EngineOptions::l7)

  // `bytes`: the packet's captured IP bytes (for L7 analysis).
  void onPacket(const DecodedPacket& p, IpBytes bytes, const FlowUpdate& flow, MemoryAccount& account) {
    global.onPacket(p, account);
    interfaces.onPacket(p, account);
    mac.onPacket(p, flow, account);
    macProtocols.onPacket(p, account);
    vlan.onPacket(p, account);
    ip.onPacket(p, flow, account);
    l4Ports.onPacket(p, flow, account);
    packetSize.onPacket(p, account);
    qos.onPacket(p, account);
    tcp.onPacket(p, flow, account);
    if (l7Level == 0) return;
    dpi.onPacket(p, bytes, flow, account);
    if (l7Level == 1) return;
    app.onPacket(p, bytes, flow, account);
  }

  // After the flow table ended idle connections (`traceEnded`: the trace is over): classification of
  // connections that will see no more packets is given up.
  void afterExpiry(bool traceEnded, MemoryAccount& account) { dpi.giveUpEnded(traceEnded, account); }

  // Rolls history up to coarser resolutions as it ages.
  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
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
    return mac.table.evictBefore(before, account) + ip.evictBefore(before, account) +
           l4Ports.table.evictBefore(before, account) + dpi.evictBefore(before, account) +
           app.evictBefore(before, account) +
           tcp.evictBefore(before, account);
  }

  void mergeFrom(const ModuleSet& o, MemoryAccount& account) {
    global.mergeFrom(o.global, account);
    interfaces.table.mergeFrom(o.interfaces.table, account);
    mac.table.mergeFrom(o.mac.table, account);
    macProtocols.table.mergeFrom(o.macProtocols.table, account);
    vlan.table.mergeFrom(o.vlan.table, account);
    ip.mergeFrom(o.ip, account);
    l4Ports.table.mergeFrom(o.l4Ports.table, account);
    packetSize.mergeFrom(o.packetSize, account);
    qos.table.mergeFrom(o.qos.table, account);
    dpi.mergeFrom(o.dpi, account);
    app.mergeFrom(o.app, account);
    tcp.mergeFrom(o.tcp, account);
  }
};

}  // namespace netmeter
