#include "modules/dpi/dpi_module.h"

#include <algorithm>

#include "store/query_yield.h"

namespace netmeter {

void DpiModule::onPacket(const DecodedPacket& p, IpBytes bytes, const FlowUpdate& flow,
                         MemoryAccount& account) {
  Connection* c = flow.connection;
  if (c == nullptr) return;
  ConnectionApplication& app = c->app;
  if (app.l7.status != L7Status::kPending) {
    // Counted when the connection's traffic is flushed (ModuleSet::flushTraffic), not per packet.
    ++app.l7Packets[flow.direction];
    app.l7Bytes[flow.direction] += p.wireLength;
    app.l7First = std::min(app.l7First, p.timestamp);
    app.l7Last = std::max(app.l7Last, p.timestamp);
    return;
  }
  NdpiFlowState* state = static_cast<NdpiFlowState*>(app.classifier.get());
  if (state == nullptr) {
    state = &classifier_.start(*c, account);
    pending_.push_back({c, c->id});
  }
  const size_t i = flow.direction == kClientToServer ? 0 : 2;
  state->pending[i] += 1;
  state->pending[i + 1] += p.wireLength;
  if (classifier_.classify(*c, *state, p, bytes)) {
    decided(*c, *state, p.timestamp, account);
  } else if (c->ended()) {
    // Closed (FIN both ways, or RST) while still unclassified: give up now, at this packet, rather than
    // at the next housekeeping (giveUpEnded), whose moment depends on the shard: the traffic seen so
    // far is counted in this packet's second, and later packets (the last ACK) in their own, for any
    // number of workers. nDPI would get nothing more (segments without payload are not given to it).
    classifier_.giveUp(*c, *state);
    decided(*c, *state, p.timestamp, account);
  }
}

// The classification of `c` is final: count what was seen meanwhile and free the nDPI flow.
void DpiModule::decided(Connection& c, const NdpiFlowState& state, PacketTime t, MemoryAccount& account) {
  const uint16_t protocol = c.app.l7.protocol();
  ConnectionApplication& app = c.app;
  app.globalL7 = &protocols_.findOrCreate(protocol, account);
  app.clientL7 = &ips_.findOrCreateHinted(DpiIpKey{c.clientIp, protocol},
                                          c.records.hint(kClientToServer, &IpHints::l7), account);
  app.serverL7 = &ips_.findOrCreateHinted(DpiIpKey{c.serverIp, protocol},
                                          c.records.hint(kServerToClient, &IpHints::l7), account);
  ++app.globalL7->connections;
  ++app.clientL7->connections;
  if (app.serverL7 != app.clientL7) ++app.serverL7->connections;
  const auto pending = state.pending;
  if (pending[0] != 0) count(c, kClientToServer, pending[0], pending[1], t, account);
  if (pending[2] != 0) count(c, kServerToClient, pending[2], pending[3], t, account);
  app.releaseClassifier(account);
}

void DpiModule::flushTraffic(Connection& c, MemoryAccount& account) {
  ConnectionApplication& app = c.app;
  if (app.l7Last == INT64_MIN) return;
  app.globalL7->touch(app.l7First);
  app.clientL7->touch(app.l7First);
  app.serverL7->touch(app.l7First);
  for (const Direction d : {kClientToServer, kServerToClient})
    if (app.l7Packets[d] != 0) count(c, d, app.l7Packets[d], app.l7Bytes[d], app.l7Last, account);
  app.l7Packets = {};
  app.l7Bytes = {};
  app.l7First = INT64_MAX;
  app.l7Last = INT64_MIN;
}

void DpiModule::count(Connection& c, Direction d, uint64_t packets, uint64_t bytes, PacketTime t,
                      MemoryAccount& account) {
  ConnectionApplication& app = c.app;
  app.globalL7->addAt(t, {packets, bytes}, account);
  if (d == kClientToServer) {
    app.clientL7->addAt(t, {0, 0, packets, bytes}, account);
    app.serverL7->addAt(t, {packets, bytes, 0, 0}, account);
  } else {
    app.clientL7->addAt(t, {packets, bytes, 0, 0}, account);
    app.serverL7->addAt(t, {0, 0, packets, bytes}, account);
  }
}

void DpiModule::giveUpEnded(bool all, MemoryAccount& account) {
  size_t kept = 0;
  for (const Pending& entry : pending_) {
    QueryYield::point();
    Connection& c = *entry.connection;
    auto* state = c.id == entry.id ? static_cast<NdpiFlowState*>(c.app.classifier.get()) : nullptr;
    if (state == nullptr || c.app.l7.status != L7Status::kPending) continue;  // decided or evicted
    if (all || c.ended()) {
      classifier_.giveUp(c, *state);
      decided(c, *state, c.lastActivity, account);
    } else {
      pending_[kept++] = entry;
    }
  }
  pending_.resize(kept);
}

void DpiModule::compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
  protocols_.compact(nowSecond, policy, account);
  ips_.compact(nowSecond, policy, account);
}

void DpiModule::dropBefore(int64_t second, MemoryAccount& account) {
  protocols_.dropBefore(second, account);
  ips_.dropBefore(second, account);
}

size_t DpiModule::evictBefore(PacketTime before, MemoryAccount& account) {
  return ips_.evictBefore(before, account);
}

void DpiModule::mergeFrom(const DpiModule& o, MemoryAccount& account) {
  protocols_.mergeFrom(o.protocols_, account);
  ips_.mergeFrom(o.ips_, account);
}

}  // namespace netmeter
