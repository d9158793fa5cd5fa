#include "engine/shard.h"

#include <algorithm>

namespace netmeter {

Shard::Shard(const EngineOptions& options, int64_t memoryBudget)
    : options_(options), budget_(memoryBudget), flows_(options.timeouts) {
  modules_.app.http.setTransactionsPerConnection(options.httpTransactionsPerConnection);
  modules_.enableL7(options.l7);
  modules_.tcpAnalysis = options.tcpAnalysis;
  flows_.trackEnded(options.tcpAnalysis);  // only TCP finishes ended connections (finishConnections)
}

void Shard::finishEnded() {
  modules_.finishConnections([&](const auto& visit) { flows_.takeEnded(visit); }, account_);
}

void Shard::housekeeping(PacketTime now) {
  const int64_t second = secondOf(now);
  lastHousekeepingSecond_ = second;
  modules_.flushPending(account_);  // a new second: what the last one accumulated goes to the records
  // Idle connections are ended by a scan every few seconds of packet time (a packet arriving after
  // the timeout ends its connection by itself, so the scan only makes the state visible sooner).
  if (lastExpirySecond_ == INT64_MIN || second - lastExpirySecond_ >= kExpiryEverySeconds) {
    flows_.expire(now);
    modules_.afterExpiry(false, account_);
    lastExpirySecond_ = second;
  }
  finishEnded();  // by expiry, or by a packet after their timeout since the last second
  if (lastCompactSecond_ == INT64_MIN) lastCompactSecond_ = second;
  if (second - lastCompactSecond_ >= options_.compactEverySeconds) {
    compact(second);
    lastCompactSecond_ = second;
  }
  if (account_.bytes > budget_) enforceBudget(now);
}

void Shard::finish(PacketTime endTime) {
  if (endTime == INT64_MIN) return;
  now_ = std::max(now_, endTime);
  modules_.flushPending(account_);
  flows_.expire(endTime);
  modules_.afterExpiry(true, account_);
  finishEnded();
  // The analysis is over: what the connections still open have in progress counts too.
  modules_.finishConnections([&](const auto& visit) { flows_.forEach(visit); }, account_);
  compact(secondOf(endTime));
  if (account_.bytes > budget_) enforceBudget(endTime);
}

// Rolls the history up as it ages. Every bucket of this shard starts at or after its first packet's
// second, so while the roll-up cut-off has not passed it (the first hour of a capture, by default) the
// walk over every record's history would change nothing and is skipped.
void Shard::compact(int64_t second) {
  if (firstTime_ == INT64_MAX || options_.retention.compactionCutoff(second) <= secondOf(firstTime_)) return;
  modules_.compact(second, options_.retention, account_);
  // Connections' traffic histories age like every other record's (a connection's interval then agrees
  // with its IP's, and a long-lived connection keeps minutes, not seconds, of its past).
  flows_.forEach([&](Connection& c) { c.traffic.compact(second, options_.retention, account_); });
}

// Frees memory oldest-first until the shard is back under 90% of its budget: the cut-off time moves
// forward in steps of an eighth of what is left up to now; history before it is dropped (the oldest
// answerable second moves forward) and entities and connections last active before it are removed.
// Under a flood of new addresses the cut-off reaches into the current second.
void Shard::enforceBudget(PacketTime now) {
  const int64_t target = budget_ / 10 * 9;
  modules_.flushPending(account_);
  finishEnded();
  PacketTime from = std::max(evictedBefore_, firstTime_);
  while (account_.bytes > target && from < now) {
    from = std::min(now, from + std::max<PacketTime>(kNanosPerMilli, (now - from) / 8));
    evictedBefore_ = from;
    retainedFrom_ = std::max(retainedFrom_, secondOf(from));
    // Connections go first, each finished on its way out (dated at its last packet, before `from`),
    // so that what it adds reaches the records before their history and the old ones go. Nothing is
    // pending that could point at them (flushed above; finishConnection flushes at once).
    modules_.finishConnections(
        [&](const auto& visit) { evicted_ += flows_.evictBefore(from, account_, visit); }, account_);
    modules_.dropBefore(retainedFrom_, account_);
    evicted_ += modules_.evictBefore(from, account_);
  }
}

}  // namespace netmeter
