#include "modules/ip/ip_module.h"

namespace netmeter {

void IpModule::onConnectionPacket(const DecodedPacket& p, const FlowUpdate& flow, MemoryAccount& account) {
  Connection& c = *flow.connection;
  const bool fromClient = flow.direction == kClientToServer;
  if (c.records.ipPair == nullptr) {
    // The connection's first packet: its records, remembered for the rest of its life.
    const bool sameIp = p.srcIp == p.dstIp;
    IpRecord* src = &ips_.findOrCreate(p.srcIp, account);
    IpRecord* dst = sameIp ? src : &ips_.findOrCreate(p.dstIp, account);
    bool created = false;
    const bool srcIsA = p.srcIp < p.dstIp || sameIp;
    c.records.ipPair = &pairs_.findOrCreate(
        srcIsA ? IpPairKey{p.srcIp, p.dstIp} : IpPairKey{p.dstIp, p.srcIp}, account, created);
    if (created && !sameIp) {
      ++src->peers;
      ++dst->peers;
    }
    // The outer VLAN is part of the connection's key: the same for all its packets.
    src->vlans.insert(p.outerVlan);
    dst->vlans.insert(p.outerVlan);
    // Active from now on, also for queries before the first flush.
    src->touch(p.timestamp);
    dst->touch(p.timestamp);
    c.records.ipPair->touch(p.timestamp);
    c.records.clientIp = fromClient ? src : dst;
    c.records.serverIp = fromClient ? dst : src;
    c.records.hints = {&c.records.clientIp->hints, &c.records.serverIp->hints};
  }
  if (flow.isNew) {
    IpRecord& client = *c.records.clientIp;
    IpRecord& server = *c.records.serverIp;
    ++client.connectionsAsClient;
    ++server.connectionsAsServer;
    client.lastNewConnection = std::max(client.lastNewConnection, p.timestamp);
    server.lastNewConnection = std::max(server.lastNewConnection, p.timestamp);
  }
}

void IpModule::flushTraffic(const Connection& c, MemoryAccount& account) {
  const PendingTraffic& pending = c.pending;
  const bool sameIp = c.clientIp == c.serverIp;
  const bool tcp = c.l4Protocol == ipproto::kTcp;
  const bool udp = c.l4Protocol == ipproto::kUdp;
  for (const Direction d : {kClientToServer, kServerToClient}) {
    const PendingSide& s = pending.side[d];
    if (s.packets == 0) continue;
    const uint64_t n = s.packets;
    const uint64_t l4Tcp = tcp ? n : 0;
    const uint64_t l4Udp = udp ? n : 0;
    const bool fromClient = d == kClientToServer;
    IpRecord& src = *(fromClient ? c.records.clientIp : c.records.serverIp);
    IpRecord& dst = *(fromClient ? c.records.serverIp : c.records.clientIp);
    const IpAddress& srcIp = fromClient ? c.clientIp : c.serverIp;
    const IpAddress& dstIp = fromClient ? c.serverIp : c.clientIp;

    src.touch(s.first);
    src.add(s.last, {0, 0, n, s.bytes, l4Tcp, l4Udp}, account);
    src.mtuSent = std::max(src.mtuSent, c.dir[d].mtu);
    src.interfaceMask |= s.interfaceMask;
    if (pending.hasMac) src.macs.insert(s.srcMac);
    if (s.ttlCount != 0) {
      src.ttlMin = std::min(src.ttlMin, s.ttlMin);
      src.ttlMax = std::max(src.ttlMax, s.ttlMax);
      src.ttlSum += s.ttlSum;
      src.ttlCount += s.ttlCount;
    }

    if (!sameIp && pending.hasMac && !s.dstMac.isMulticast()) dst.macs.insert(s.dstMac);
    dst.touch(s.first);
    dst.add(s.last, {n, s.bytes, 0, 0, l4Tcp, l4Udp}, account);
    dst.mtuReceived = std::max(dst.mtuReceived, c.dir[d].mtu);

    const bool srcIsA = srcIp < dstIp || sameIp;
    IpPairRecord& pair = *c.records.ipPair;
    pair.touch(s.first);
    if (srcIsA)
      pair.add(s.last, {0, 0, n, s.bytes}, account);
    else
      pair.add(s.last, {n, s.bytes, 0, 0}, account);
  }
}

void IpModule::compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
  ips_.compact(nowSecond, policy, account);
  pairs_.compact(nowSecond, policy, account);
}

void IpModule::dropBefore(int64_t second, MemoryAccount& account) {
  ips_.dropBefore(second, account);
  pairs_.dropBefore(second, account);
}

size_t IpModule::evictBefore(PacketTime before, MemoryAccount& account) {
  return ips_.evictBefore(before, account) + pairs_.evictBefore(before, account);
}

void IpModule::mergeFrom(const IpModule& o, MemoryAccount& account) {
  ips_.mergeFrom(o.ips_, account);
  pairs_.mergeFrom(o.pairs_, account);
}

}  // namespace netmeter
