#include "io/merged_source.h"

#include <algorithm>

namespace netmeter {
namespace {

// std heap functions build a max-heap; "greater" puts the earliest packet (then lowest source) on top.
constexpr auto later = [](const auto& a, const auto& b) {
  return a.timestamp != b.timestamp ? a.timestamp > b.timestamp : a.source > b.source;
};

}  // namespace

MergedPacketSource::MergedPacketSource(std::vector<std::unique_ptr<PacketSource>> sources)
    : sources_(std::move(sources)),
      pending_(sources_.size()),
      localToGlobal_(sources_.size()),
      claimed_(sources_.size()) {
  heap_.reserve(sources_.size());
}

uint64_t MergedPacketSource::bytesConsumed() const {
  uint64_t sum = 0;
  for (const auto& s : sources_) sum += s->bytesConsumed();
  return sum;
}

uint64_t MergedPacketSource::bytesTotal() const {
  uint64_t sum = 0;
  for (const auto& s : sources_) sum += s->bytesTotal();
  return sum;
}

void MergedPacketSource::pull(uint32_t source) {
  RawPacket& packet = pending_[source];
  const ReadStatus status = sources_[source]->next(packet);
  if (status == ReadStatus::kPacket) {
    heap_.push_back(Head{packet.timestamp, source});
    std::push_heap(heap_.begin(), heap_.end(), later);
  } else if (status == ReadStatus::kError) {
    errors_.push_back(sources_[source]->error());
  }
}

uint16_t MergedPacketSource::globalInterface(uint32_t source, uint16_t localId) {
  std::vector<uint16_t>& map = localToGlobal_[source];
  if (localId < map.size()) return map[localId];
  const std::vector<InterfaceInfo>& local = sources_[source]->interfaces();
  std::vector<bool>& claimed = claimed_[source];
  while (map.size() <= localId && map.size() < local.size()) {
    const InterfaceInfo& info = local[map.size()];
    size_t global = 0;
    for (; global < interfaces_.size(); ++global) {
      const InterfaceInfo& g = interfaces_[global];
      const bool taken = global < claimed.size() && claimed[global];
      if (!taken && g.linkType == info.linkType && g.name == info.name && g.description == info.description)
        break;
    }
    if (global == interfaces_.size()) {
      if (interfaces_.size() > UINT16_MAX)
        return UINT16_MAX;  // cannot happen with sane inputs; stay in range
      interfaces_.push_back(info);
    } else {
      interfaces_[global].snapLength = std::max(interfaces_[global].snapLength, info.snapLength);
    }
    if (claimed.size() <= global) claimed.resize(global + 1, false);
    claimed[global] = true;
    map.push_back(static_cast<uint16_t>(global));
  }
  return localId < map.size() ? map[localId] : UINT16_MAX;
}

ReadStatus MergedPacketSource::next(RawPacket& packet) {
  if (!started_) {
    started_ = true;
    for (uint32_t i = 0; i < sources_.size(); ++i) pull(i);
    // Interfaces declared before the first packets get trace-wide ids in source order.
    for (uint32_t i = 0; i < sources_.size(); ++i) {
      const size_t known = sources_[i]->interfaces().size();
      if (known != 0) globalInterface(i, static_cast<uint16_t>(std::min<size_t>(known - 1, UINT16_MAX)));
    }
  } else if (advance_ >= 0) {
    pull(static_cast<uint32_t>(advance_));
  }
  advance_ = -1;
  if (heap_.empty()) {
    if (!errors_.empty() && !errorReported_) {
      errorReported_ = true;
      return ReadStatus::kError;
    }
    return ReadStatus::kEnd;
  }
  std::pop_heap(heap_.begin(), heap_.end(), later);
  const uint32_t source = heap_.back().source;
  heap_.pop_back();
  packet = pending_[source];
  packet.sourceIndex = source;
  packet.interfaceId = globalInterface(source, packet.interfaceId);
  advance_ = source;
  return ReadStatus::kPacket;
}

}  // namespace netmeter
