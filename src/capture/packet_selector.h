#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "decode/decoded_packet.h"
#include "filter/filter.h"
#include "flow/flow_table.h"
#include "io/raw_packet.h"
#include "store/memory_account.h"

namespace netmeter::capture {

struct SelectorOptions {
  // Bound for the connection state kept when the filter needs it (serverport). When exceeded, the
  // connections idle the longest are forgotten first (a later packet of one starts it afresh).
  int64_t flowMemoryBytes = int64_t{256} << 20;
  FlowTimeouts timeouts;
};

// Decides, packet by packet, whether a capture takes it: evaluates the compiled filter with the
// facts the filter needs beyond the headers.
//
// Connection state: `serverport` needs to know which side is the server. The selector then runs its
// own FlowTable (the same class and timeouts as the analysis workers, fed with every packet in trace
// order from the same starting point), so the server side is decided exactly as the analysis decides
// it (SYN, SYN-ACK, port heuristic) and stays fixed for the connection. Filters without such operands
// keep no state at all.
//
// L7: `l7Protocol` needs the DPI module's classification, which the selector does not have; such
// clauses stay "undecided" and the packet is skipped (the reference's "not yet recognised packets are
// skipped"), see Filter::usesL7().
class PacketSelector {
 public:
  // No filter: every packet is taken (an empty expression).
  explicit PacketSelector(std::optional<filter::Filter> filter, const SelectorOptions& options = {});

  // Whether the packet is captured: kYes take it, kNo ignore it, kUndecided skip it (L7 unknown).
  // Packets must come in trace order; every packet of the trace from the starting point should be
  // passed (to observe() when outside the capture window) so that connection state is complete.
  filter::Match select(const RawPacket& raw, const DecodedPacket& packet);
  // Updates connection state only (packets before the capture window).
  void observe(const DecodedPacket& packet) {
    if (flows_ != nullptr) track(packet);
  }

  bool tracksConnections() const { return flows_ != nullptr; }
  const std::optional<filter::Filter>& filter() const { return filter_; }
  // Connection state memory now.
  int64_t memoryBytes() const { return account_.bytes; }

 private:
  filter::PacketContext::ServerSide track(const DecodedPacket& packet);

  std::optional<filter::Filter> filter_;
  SelectorOptions options_;
  std::unique_ptr<FlowTable> flows_;
  MemoryAccount account_;
  int64_t lastExpirySecond_ = INT64_MIN;
  filter::PacketContext context_;
};

// True when evaluating `filter` on packets needs connection state (serverport).
bool needsConnectionState(const filter::Filter& filter);

}  // namespace netmeter::capture
