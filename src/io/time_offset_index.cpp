#include "io/time_offset_index.h"

#include <algorithm>

namespace netmeter {

void TimeOffsetIndex::grow(uint32_t sourceIndex) {
  Cursor fresh;
  fresh.everyPackets = std::max<uint64_t>(1, options_.everyPackets);
  fresh.everyNanos = std::max<PacketTime>(1, options_.everyNanos);
  cursors_.resize(size_t{sourceIndex} + 1, fresh);
  std::lock_guard lock(mutex_);
  entries_.resize(cursors_.size());
  structure_.resize(cursors_.size());
}

void TimeOffsetIndex::append(const RawPacket& packet, Cursor& c, const PacketSource* source) {
  c.sinceEntry = 0;
  c.nextTime = packet.timestamp > INT64_MAX - c.everyNanos ? INT64_MAX : packet.timestamp + c.everyNanos;
  // The first packet of a file needs no entry: offset 0 means "from the beginning" already.
  if (c.maxTime == INT64_MIN) return;
  // Every structure block before this packet has been read: the list covers the new entry.
  std::optional<std::vector<uint64_t>> structure;
  if (source != nullptr) {
    std::vector<uint64_t> blocks;
    if (source->structureBlocks(packet.sourceIndex, blocks)) structure = std::move(blocks);
  }
  std::lock_guard lock(mutex_);
  std::vector<Entry>& e = entries_[packet.sourceIndex];
  if (!e.empty() && e.back().offset >= packet.recordOffset) return;
  structure_[packet.sourceIndex] = std::move(structure);
  e.push_back({packet.recordOffset, c.maxTime});
  if (e.size() >= std::max<size_t>(2, options_.maxEntriesPerFile)) {
    // Thin out: keep every other entry and space new ones twice as far apart.
    size_t kept = 0;
    for (size_t i = 1; i < e.size(); i += 2) e[kept++] = e[i];
    e.resize(kept);
    c.everyPackets *= 2;
    c.everyNanos = c.everyNanos > INT64_MAX / 2 ? INT64_MAX : c.everyNanos * 2;
  }
}

std::vector<uint64_t> TimeOffsetIndex::seekOffsets(PacketTime start, size_t files) const {
  std::vector<uint64_t> out(files, 0);
  std::lock_guard lock(mutex_);
  for (size_t f = 0; f < files && f < entries_.size(); ++f) {
    const std::vector<Entry>& e = entries_[f];
    // maxTimeBefore grows with the offset: the last entry whose preceding packets are all older
    // than `start`.
    auto it =
        std::partition_point(e.begin(), e.end(), [&](const Entry& x) { return x.maxTimeBefore < start; });
    if (it != e.begin()) out[f] = std::prev(it)->offset;
  }
  return out;
}

std::vector<std::optional<std::vector<uint64_t>>> TimeOffsetIndex::structureBlocks(size_t files) const {
  std::lock_guard lock(mutex_);
  std::vector<std::optional<std::vector<uint64_t>>> out(files);
  for (size_t f = 0; f < files && f < structure_.size(); ++f) out[f] = structure_[f];
  return out;
}

size_t TimeOffsetIndex::entryCount() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& e : entries_) n += e.size();
  return n;
}

}  // namespace netmeter
