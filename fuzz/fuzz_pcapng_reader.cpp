// libFuzzer target: the pcapng reader directly on memory (every input is tried as pcapng), the same
// bytes through a two-file merge with themselves, and skipTo() (the time-index seek): entering at a
// record offset of a full read must give exactly the rest of that read, by walking the blocks or by
// jumping between the section and interface blocks the full read listed (structureBlocks), and
// entering at an arbitrary offset must fail cleanly.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "io/input_buffer.h"
#include "io/merged_source.h"
#include "io/pcapng_reader.h"

namespace {

std::unique_ptr<netmeter::PacketSource> openPcapng(const uint8_t* data, size_t size, uint32_t index) {
  netmeter::ReaderOptions options;
  options.name = "fuzz";
  options.sourceIndex = index;
  netmeter::ReadError error;
  return netmeter::PcapngReader::open(std::make_unique<netmeter::io::InputBuffer>(data, size), options,
                                      error);
}

uint64_t drain(netmeter::PacketSource& source, std::vector<netmeter::RawPacket>* packets = nullptr) {
  netmeter::RawPacket packet;
  uint64_t sum = 0;
  while (source.next(packet) == netmeter::ReadStatus::kPacket) {
    for (uint32_t i = 0; i < packet.capturedLength; ++i) sum += packet.data[i];
    if (packet.interfaceId >= source.interfaces().size()) __builtin_trap();
    if (packets != nullptr) packets->push_back(packet);
  }
  return sum;
}

// Reopens and enters at `offset`; when it is a record offset of `all` (index `at`), the rest must match.
void checkSkip(const uint8_t* data, size_t size, uint64_t offset, const std::vector<netmeter::RawPacket>& all,
               size_t at, const std::vector<uint64_t>* structure = nullptr) {
  auto reader = openPcapng(data, size, 0);
  auto* capture = static_cast<netmeter::PcapngReader*>(reader.get());
  const bool skipped = capture->skipTo(offset, structure);
  std::vector<netmeter::RawPacket> rest;
  drain(*reader, &rest);
  if (at >= all.size()) return;
  if (!skipped || rest.size() != all.size() - at) __builtin_trap();
  for (size_t i = 0; i < rest.size(); ++i) {
    const netmeter::RawPacket& a = rest[i];
    const netmeter::RawPacket& b = all[at + i];
    if (a.recordOffset != b.recordOffset || a.timestamp != b.timestamp || a.interfaceId != b.interfaceId ||
        a.capturedLength != b.capturedLength) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto single = openPcapng(data, size, 0);
  if (single == nullptr) return 0;
  std::vector<netmeter::RawPacket> all;
  uint64_t sum = drain(*single, &all);
  if (!all.empty()) {
    const size_t at = data[size - 1] % all.size();
    checkSkip(data, size, all[at].recordOffset, all, at);
    checkSkip(data, size, data[0] * 7 + 1, all, SIZE_MAX);  // usually not a record: must not crash
    std::vector<uint64_t> structure;
    if (single->structureBlocks(0, structure)) {
      checkSkip(data, size, all[at].recordOffset, all, at, &structure);
      checkSkip(data, size, data[0] * 7 + 1, all, SIZE_MAX, &structure);
    }
  }
  std::vector<std::unique_ptr<netmeter::PacketSource>> sources;
  sources.push_back(openPcapng(data, size, 0));
  sources.push_back(openPcapng(data, size, 1));
  netmeter::MergedPacketSource merged(std::move(sources));
  sum += drain(merged);
  return sum == 1 ? 1 : 0;
}
