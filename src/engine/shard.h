#pragma once

#include <climits>
#include <cstdint>

#include "engine/engine_options.h"
#include "flow/flow_table.h"
#include "modules/module_set.h"
#include "store/memory_account.h"

namespace netmeter {

// Everything one worker owns: its connections and its share of every module's statistics, plus the
// memory it holds. Only the owning worker writes it; queries read it under the worker's lock.
class Shard {
 public:
  Shard(const EngineOptions& options, int64_t memoryBudget);

  // `bytes`: the packet's captured IP bytes (valid during the call). `hint`: what prefetchNear() found
  // for this packet, or null.
  // Returns the packet's connection (valid until the next call; live captures read its state).
  FlowUpdate process(const DecodedPacket& p, IpBytes bytes = {}, const FlowHint* hint = nullptr) {
    if (p.timestamp > now_) now_ = p.timestamp;
    if (p.timestamp < firstTime_) firstTime_ = p.timestamp;
    if (secondOf(now_) != lastHousekeepingSecond_) housekeeping(now_);
    const FlowUpdate flow = flows_.update(p, account_, hint);
    modules_.onPacket(p, bytes, flow, account_);
    if (account_.bytes > budget_) {
      enforceBudget(now_);
      return FlowUpdate{};  // the connection may have been evicted
    }
    return flow;
  }
  // Software pipelining: called for packets a few positions ahead of the one being processed, so the
  // memory they need is in cache when their turn comes (the hot path is bound by memory latency).
  void prefetchFar(const DecodedPacket& p, FlowHint& hint) const { flows_.prefetchSlot(p, hint); }
  void prefetchNear(const DecodedPacket& p, FlowHint& hint) const { flows_.prefetchConnection(p, hint); }
  void prefetchNearest(const DecodedPacket& p, const FlowHint& hint) const {
    flows_.prefetchConnectionState(p, hint);
  }

  // Adds what connections accumulated since their last flush to the per-entity statistics
  // (ModuleSet::flushPending): done at every new second (housekeeping), before the memory budget
  // removes anything, at the end, and by the worker when the input pauses.
  void flushPending() { modules_.flushPending(account_); }
  // Expiry, roll-up and memory enforcement at packet time `now` (also called at the end of a trace).
  void housekeeping(PacketTime now);
  // Final housekeeping when the trace has ended at `endTime` (the latest packet time of all workers),
  // so that results do not depend on how packets were spread over workers.
  void finish(PacketTime endTime);

  const FlowTable& flows() const { return flows_; }
  const ModuleSet& modules() const { return modules_; }
  ModuleSet& modules() { return modules_; }
  const MemoryAccount& memory() const { return account_; }
  int64_t memoryBudget() const { return budget_; }
  // Oldest second still answerable from history (INT64_MIN while nothing was dropped).
  int64_t retainedFromSecond() const { return retainedFrom_; }
  uint64_t evictedEntities() const { return evicted_; }
  PacketTime now() const { return now_; }
  PacketTime firstTime() const { return firstTime_; }  // INT64_MAX before the first packet

 private:
  void enforceBudget(PacketTime now);
  void compact(int64_t second);
  // Finishes what the connections the flow table ended since the last call had in progress.
  void finishEnded();

  const EngineOptions& options_;
  int64_t budget_;
  FlowTable flows_;
  ModuleSet modules_;
  MemoryAccount account_;
  PacketTime now_ = INT64_MIN;
  int64_t lastHousekeepingSecond_ = INT64_MIN;
  int64_t lastCompactSecond_ = INT64_MIN;
  int64_t lastExpirySecond_ = INT64_MIN;
  static constexpr int64_t kExpiryEverySeconds = 5;
  int64_t retainedFrom_ = INT64_MIN;
  PacketTime firstTime_ = INT64_MAX;
  PacketTime evictedBefore_ = INT64_MIN;
  uint64_t evicted_ = 0;
};

}  // namespace netmeter
