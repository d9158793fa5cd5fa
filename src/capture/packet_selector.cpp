#include "capture/packet_selector.h"

#include <algorithm>

namespace netmeter::capture {

bool needsConnectionState(const filter::Filter& filter) {
  const auto& ops = filter.operands();
  return std::find(ops.begin(), ops.end(), filter::Operand::kServerPort) != ops.end();
}

PacketSelector::PacketSelector(std::optional<filter::Filter> filter, const SelectorOptions& options)
    : filter_(std::move(filter)), options_(options) {
  if (filter_.has_value() && needsConnectionState(*filter_))
    flows_ = std::make_unique<FlowTable>(options_.timeouts);
}

filter::PacketContext::ServerSide PacketSelector::track(const DecodedPacket& packet) {
  using Side = filter::PacketContext::ServerSide;
  const int64_t second = secondOf(packet.timestamp);
  if (second > lastExpirySecond_) {
    // Once per second of packet time, as the analysis shards do: idle connections end, so a later
    // packet with the same addresses starts a new connection with its own client/server decision.
    flows_->expire(packet.timestamp);
    lastExpirySecond_ = second;
  }
  const FlowUpdate update = flows_->update(packet, account_);
  Side side = Side::kUnknown;
  if (update.connection != nullptr)
    side = update.direction == kClientToServer ? Side::kDestination : Side::kSource;
  if (account_.bytes > options_.flowMemoryBytes) {
    // Forget the connections idle the longest: halve the horizon until under the bound.
    for (PacketTime horizon = 600 * kNanosPerSecond; account_.bytes > options_.flowMemoryBytes && horizon > 0;
         horizon /= 2) {
      flows_->evictBefore(packet.timestamp - horizon, account_);
    }
  }
  return side;
}

filter::Match PacketSelector::select(const RawPacket& raw, const DecodedPacket& packet) {
  if (!filter_.has_value()) return filter::Match::kYes;
  context_.serverSide = flows_ != nullptr ? track(packet) : filter::PacketContext::ServerSide::kUnknown;
  return filter_->match(filter::PacketView{packet, raw.data, &context_});
}

}  // namespace netmeter::capture
