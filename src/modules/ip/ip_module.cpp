#include "modules/ip/ip_module.h"

namespace netmeter {

namespace {

struct PacketRecords {
  IpRecord* src;
  IpRecord* dst;
  IpPairRecord* pair;
  bool srcIsA;
};

}  // namespace

void IpModule::onPacket(const DecodedPacket& p, const FlowUpdate& flow, MemoryAccount& account) {
  if (p.ipVersion == 0) return;
  const PacketTime t = p.timestamp;
  const uint64_t bytes = p.wireLength;
  const uint64_t tcp = p.l4Protocol == ipproto::kTcp ? 1 : 0;
  const uint64_t udp = p.l4Protocol == ipproto::kUdp ? 1 : 0;
  const bool sameIp = p.srcIp == p.dstIp;
  const bool srcIsA = p.srcIp < p.dstIp || sameIp;

  // The records of this packet's addresses and pair: remembered by its connection after the first
  // packet (see ConnectionRecords), looked up otherwise.
  PacketRecords r;
  r.srcIsA = srcIsA;
  Connection* c = flow.connection;
  const bool fromClient = flow.direction == kClientToServer;
  if (c != nullptr && c->records.ipPair != nullptr) {
    r.src = fromClient ? c->records.clientIp : c->records.serverIp;
    r.dst = fromClient ? c->records.serverIp : c->records.clientIp;
    r.pair = c->records.ipPair;
  } else {
    r.src = &ips_.findOrCreate(p.srcIp, account);
    r.dst = sameIp ? r.src : &ips_.findOrCreate(p.dstIp, account);
    bool created = false;
    r.pair = &pairs_.findOrCreate(srcIsA ? IpPairKey{p.srcIp, p.dstIp} : IpPairKey{p.dstIp, p.srcIp}, account,
                                  created);
    if (created && !sameIp) {
      ++r.src->peers;
      ++r.dst->peers;
    }
    if (c != nullptr) {
      c->records.clientIp = fromClient ? r.src : r.dst;
      c->records.serverIp = fromClient ? r.dst : r.src;
      c->records.ipPair = r.pair;
    }
  }

  IpRecord& src = *r.src;
  src.add(t, {0, 0, 1, bytes, tcp, udp}, account);
  src.mtuSent = std::max(src.mtuSent, p.l2PayloadLength);
  src.interfaceMask |= uint64_t{1} << std::min<uint16_t>(p.interfaceId, 63);
  if (p.hasMac) src.macs.insert(p.srcMac);
  src.vlans.insert(p.outerVlan);
  if ((tcp | udp) && !p.dstIp.isMulticast() && !p.dstIp.isBroadcast()) {
    src.ttlMin = std::min(src.ttlMin, p.ttl);
    src.ttlMax = std::max(src.ttlMax, p.ttl);
    src.ttlSum += p.ttl;
    ++src.ttlCount;
  }

  IpRecord& dst = *r.dst;
  if (!sameIp) {
    dst.vlans.insert(p.outerVlan);
    if (p.hasMac && !p.dstMac.isMulticast()) dst.macs.insert(p.dstMac);
  }
  dst.add(t, {1, bytes, 0, 0, tcp, udp}, account);
  dst.mtuReceived = std::max(dst.mtuReceived, p.l2PayloadLength);

  if (flow.isNew && c != nullptr) {
    IpRecord& client = fromClient ? src : dst;
    IpRecord& server = fromClient ? dst : src;
    ++client.connectionsAsClient;
    ++server.connectionsAsServer;
    client.lastNewConnection = std::max(client.lastNewConnection, t);
    server.lastNewConnection = std::max(server.lastNewConnection, t);
  }

  r.pair->add(t, srcIsA ? sent(bytes) : received(bytes), account);
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
