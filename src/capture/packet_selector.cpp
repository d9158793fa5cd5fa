#include "capture/packet_selector.h"

#include <algorithm>

#include "decode/ip_bytes.h"
#include "modules/dpi/dpi_filter_context.h"

namespace netmeter::capture {

bool needsConnectionState(const filter::Filter& filter) {
  const auto& ops = filter.operands();
  return filter.usesL7() || std::find(ops.begin(), ops.end(), filter::Operand::kServerPort) != ops.end();
}

filter::CompileOptions captureCompileOptions() {
  filter::CompileOptions options;
  options.l7Protocols = &dpiProtocolTable();
  return options;
}

PacketSelector::PacketSelector(std::optional<filter::Filter> filter, const SelectorOptions& options)
    : filter_(std::move(filter)), options_(options) {
  if (filter_.has_value() && needsConnectionState(*filter_)) ensureTracking();
  if (filter_.has_value() && filter_->usesL7()) dpi_ = std::make_unique<DpiModule>();
}

void PacketSelector::ensureTracking() {
  if (flows_ == nullptr) flows_ = std::make_unique<FlowTable>(options_.timeouts);
}

void PacketSelector::setSnapRules(filter::SnapRules rules) {
  snapRules_ = std::move(rules);
  // Rules may name any operand; keep connection state and DPI for them (cheap next to the filter).
  if (!snapRules_.empty()) {
    ensureTracking();
    if (dpi_ == nullptr) dpi_ = std::make_unique<DpiModule>();
  }
}

void PacketSelector::track(const RawPacket& raw, const DecodedPacket& packet) {
  using Side = filter::PacketContext::ServerSide;
  const int64_t second = secondOf(packet.timestamp);
  if (second > lastExpirySecond_) {
    // Once per second of packet time, as the analysis shards do: idle connections end, so a later
    // packet with the same addresses starts a new connection with its own client/server decision.
    flows_->expire(packet.timestamp);
    if (dpi_ != nullptr) dpi_->giveUpEnded(false, account_);
    lastExpirySecond_ = second;
  }
  const FlowUpdate update = flows_->update(packet, account_);
  if (dpi_ != nullptr) {
    const IpBytes bytes{raw.data + packet.ipOffset, ipBytesToKeep(packet)};
    dpi_->onPacket(packet, bytes, update, account_);
  }
  Side side = Side::kUnknown;
  if (update.connection != nullptr) {
    side = update.direction == kClientToServer ? Side::kDestination : Side::kSource;
    fillL7Context(*update.connection, context_);
  } else {
    context_.l7 = filter::L7State::kNotClassified;
    context_.l7Protocol = context_.l7MasterProtocol = filter::kL7Unknown;
  }
  context_.serverSide = side;
  if (account_.bytes > options_.flowMemoryBytes) {
    // Forget the connections idle the longest: halve the horizon until under the bound.
    for (PacketTime horizon = 600 * kNanosPerSecond; account_.bytes > options_.flowMemoryBytes && horizon > 0;
         horizon /= 2) {
      if (dpi_ != nullptr) dpi_->evictBefore(packet.timestamp - horizon, account_);
      flows_->evictBefore(packet.timestamp - horizon, account_);
    }
  }
}

filter::Match PacketSelector::select(const RawPacket& raw, const DecodedPacket& packet) {
  snap_.reset();
  if (flows_ != nullptr) track(raw, packet);
  filter::Match m = filter::Match::kYes;
  const filter::PacketView view{packet, raw.data, &context_};
  if (filter_.has_value()) m = filter_->match(view);
  if (m == filter::Match::kYes && !snapRules_.empty()) snap_ = snapRules_.select(view);
  return m;
}

}  // namespace netmeter::capture
