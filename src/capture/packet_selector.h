#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "decode/decoded_packet.h"
#include "filter/filter.h"
#include "filter/snap_rules.h"
#include "modules/dpi/dpi_module.h"
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
// L7: `l7Protocol` needs the DPI classification. The selector then also runs the analysis' DPI module
// (nDPI, same code and packet limits) on its connections, so a connection is classified at the same
// packet as in the analysis when the selector has seen it from its start. Until a connection is
// classified its packets are "undecided" and skipped (the reference's "not yet recognised packets are
// skipped"); from the classifying packet on they match or not. See Filter::usesL7().
//
// Snap rules (a capture profile): setSnapRules(); after select() returned kYes, snapLength() is the
// first matching rule's length (nullopt: none matched).
class PacketSelector {
 public:
  // No filter: every packet is taken (an empty expression).
  explicit PacketSelector(std::optional<filter::Filter> filter, const SelectorOptions& options = {});

  // Whether the packet is captured: kYes take it, kNo ignore it, kUndecided skip it (L7 unknown).
  // Packets must come in trace order; every packet of the trace from the starting point should be
  // passed (to observe() when outside the capture window) so that connection state is complete.
  filter::Match select(const RawPacket& raw, const DecodedPacket& packet);
  // Updates connection state only (packets before the capture window).
  void observe(const RawPacket& raw, const DecodedPacket& packet) {
    if (flows_ != nullptr) track(raw, packet);
  }
  void setSnapRules(filter::SnapRules rules);
  std::optional<uint32_t> snapLength() const { return snap_; }

  bool tracksConnections() const { return flows_ != nullptr; }
  const std::optional<filter::Filter>& filter() const { return filter_; }
  // Connection state memory now.
  int64_t memoryBytes() const { return account_.bytes; }

 private:
  void track(const RawPacket& raw, const DecodedPacket& packet);
  void ensureTracking();

  std::optional<filter::Filter> filter_;
  filter::SnapRules snapRules_;
  std::optional<uint32_t> snap_;
  SelectorOptions options_;
  std::unique_ptr<FlowTable> flows_;
  std::unique_ptr<DpiModule> dpi_;  // when a filter or rule uses l7Protocol
  MemoryAccount account_;
  int64_t lastExpirySecond_ = INT64_MIN;
  filter::PacketContext context_;
};

// True when evaluating `filter` on packets needs connection state (serverport, l7Protocol).
bool needsConnectionState(const filter::Filter& filter);

// The compile options every capture filter uses: l7Protocol names are the DPI module's.
filter::CompileOptions captureCompileOptions();

}  // namespace netmeter::capture
