#pragma once

#include <absl/functional/function_ref.h>

#include <cstdint>
#include <vector>

#include "flow/connection.h"
#include "flow/expiry_wheel.h"
#include "flow/flow_index.h"
#include "flow/flow_key.h"
#include "store/memory_account.h"
#include "store/query_yield.h"
#include "store/stable_vector.h"

namespace netmeter {

// Idle timeouts (packet time) after which a connection without packets ends.
struct FlowTimeouts {
  int64_t tcpSeconds = 300;       // established or half-open TCP
  int64_t tcpClosedSeconds = 30;  // after FIN in both directions or RST: absorbs trailing ACKs
  int64_t udpSeconds = 120;
  int64_t otherSeconds = 60;  // ICMP, SCTP, GRE, ...
};

// A packet's flow as the prefetch stages found it: its key and hash, and the slot of the active
// connection the index named for it (kNone: none). FlowTable::update() trusts the slot only after
// checking that it still holds an active connection with this key, so packets processed in between
// may end or create connections (and an index candidate is confirmed there).
struct FlowHint {
  static constexpr uint32_t kNone = UINT32_MAX;
  FlowKey key;
  uint64_t hash = 0;
  uint32_t slot = kNone;
};

// What the flow table tells the modules about a packet.
struct FlowUpdate {
  Connection* connection = nullptr;  // null for non-IP packets
  Direction direction = kClientToServer;
  bool isNew = false;
};

// One worker's connections: the active ones, reachable by FlowKey, and the ended ones kept for
// queries until the memory budget removes them (oldest last activity first). Connection objects have
// stable addresses for their lifetime.
class FlowTable {
 public:
  explicit FlowTable(FlowTimeouts timeouts = {})
      : timeouts_(timeouts),
        expiry_(std::max(
            {timeouts.tcpSeconds, timeouts.tcpClosedSeconds, timeouts.udpSeconds, timeouts.otherSeconds})) {}

  // Accounts the packet to its connection, creating or ending connections as needed. `hint`: what the
  // prefetch stages found for this packet (saves hashing and the second lookup), or null.
  FlowUpdate update(const DecodedPacket& packet, MemoryAccount& account, const FlowHint* hint = nullptr);
  // Prefetch hints for the batch pipeline (see Worker::run), in three stages: the packet's key and
  // hash (kept in `hint`) and the index line its lookup starts on; once that is in cache, the index's
  // candidate slot and its connection; then prefetchConnectionState().
  void prefetchSlot(const DecodedPacket& p, FlowHint& hint) const {
    hint.slot = FlowHint::kNone;
    if (p.ipVersion == 0) return;
    bool senderIsLow;
    hint.key = FlowKey::fromPacket(p, senderIsLow);
    hint.hash = hint.key.hash();
    index_.prefetch(hint.hash);
  }
  void prefetchConnection(const DecodedPacket& p, FlowHint& hint) const {
    if (p.ipVersion == 0) return;
    hint.slot = index_.candidate(hint.hash);
    if (hint.slot == FlowHint::kNone) return;
    const Connection& c = slots_[hint.slot].connection;
    const char* base = reinterpret_cast<const char*>(&c);
    // Not the records the connection belongs to: packets only reach them through the connection's
    // pending traffic, once per second (ModuleSet::flushTraffic prefetches them then).
    for (size_t offset = 0; offset < sizeof(Connection); offset += 64) __builtin_prefetch(base + offset, 1);
  }
  // The last stage, once prefetchConnection()'s lines have arrived: what the connection points to (its
  // TCP state, the newest chunk of its history when the packet starts a new second), whose addresses
  // are read from the connection (reading them any earlier would wait for the memory).
  void prefetchConnectionState(const DecodedPacket& p, const FlowHint& hint) const {
    if (hint.slot == FlowHint::kNone) return;
    const Connection& c = slots_[hint.slot].connection;
    c.traffic.prefetchAdd(secondOf(p.timestamp));
    const TcpConnectionState* tcp = c.tcp.get();
    if (tcp == nullptr) return;
    const char* base = reinterpret_cast<const char*>(tcp);
    for (size_t offset = 0; offset < sizeof(TcpConnectionState); offset += 64)
      __builtin_prefetch(base + offset, 1);
  }

  // Ends active connections idle for longer than their timeout at packet time `now`.
  void expire(PacketTime now);
  // Removes connections, ended or still active, whose last activity is before `before` (memory
  // budget); returns how many. `removing(connection)` is called for each just before it goes. A
  // later packet of an evicted active connection starts a new one.
  size_t evictBefore(
      PacketTime before, MemoryAccount& account,
      absl::FunctionRef<void(Connection&)> removing = [](Connection&) {});

  // While on (the shard's, for TCP analysis), the table lists the connections it ends (idle expiry,
  // or a packet after their timeout or their close that starts a new connection) until takeEnded().
  void trackEnded(bool on) { trackEnded_ = on; }
  // Calls f(connection) for each connection ended since the last call (each once) and forgets them.
  template <typename F>
  void takeEnded(F&& f) {
    for (const uint32_t slot : ended_) {
      QueryYield::point();
      if (slots_[slot].used) f(slots_[slot].connection);
    }
    ended_.clear();
  }

  template <typename F>
  void forEach(F&& f) const {
    for (const Slot& s : slots_)
      if (s.used) f(s.connection);
  }
  template <typename F>
  void forEach(F&& f) {
    for (Slot& s : slots_)
      if (s.used) f(s.connection);
  }
  // Like forEach with each connection's slot number, which stays valid for connectionAt() (a slot is
  // reused by a later connection after eviction: compare Connection::id to tell).
  template <typename F>
  void forEachWithSlot(F&& f) const {
    for (uint32_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].used) f(i, slots_[i].connection);
  }
  const Connection* connectionAt(uint32_t slot) const {
    return slot < slots_.size() && slots_[slot].used ? &slots_[slot].connection : nullptr;
  }
  // Whether the connection in `slot` is still active (reachable by its key; not ended).
  bool isActive(uint32_t slot) const { return slot < slots_.size() && slots_[slot].active; }
  size_t activeCount() const { return index_.size(); }
  size_t expiryEntries() const { return expiry_.entries(); }  // at most two per connection held
  size_t connectionCount() const { return slots_.size() - free_.size(); }
  uint64_t connectionsCreated() const { return nextId_; }

  // A connection's slot, its free-list entry, its worst-case share of the active index (8-byte
  // entries, at least 3/8 full after the index grew), its expiry entries and its entry in the list of
  // ended connections; its traffic history is accounted by the TimeSeries itself.
  static constexpr int64_t kBytesPerConnection =
      sizeof(Connection) + 8 + 3 * 8 + ExpiryWheel::kBytesPerConnection + sizeof(uint32_t);

 private:
  struct Slot {
    Connection connection;
    bool used = false;
    bool active = false;
  };
  Connection& create(const FlowKey& key, uint64_t hash, const DecodedPacket& p, MemoryAccount& account,
                     uint32_t& slotIndex);
  void end(uint32_t slot, TerminationReason reason);
  int64_t timeoutFor(const Connection& c) const;
  static bool tcpClosed(const Connection& c);
  static FlowKey keyOf(const Connection& c);

  FlowTimeouts timeouts_;
  FlowIndex index_;     // the active connections' slots by key
  ExpiryWheel expiry_;  // when to check each active connection for idle expiry
  StableVector<Slot> slots_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> ended_;  // slots of the connections ended since takeEnded() (trackEnded_)
  bool trackEnded_ = false;
  uint64_t nextId_ = 0;
};

}  // namespace netmeter
