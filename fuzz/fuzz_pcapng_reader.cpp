// libFuzzer target: the pcapng reader directly on memory (every input is tried as pcapng), and the
// same bytes through a two-file merge with themselves.
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

uint64_t drain(netmeter::PacketSource& source) {
  netmeter::RawPacket packet;
  uint64_t sum = 0;
  while (source.next(packet) == netmeter::ReadStatus::kPacket) {
    for (uint32_t i = 0; i < packet.capturedLength; ++i) sum += packet.data[i];
    if (packet.interfaceId >= source.interfaces().size()) __builtin_trap();
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto single = openPcapng(data, size, 0);
  if (single == nullptr) return 0;
  uint64_t sum = drain(*single);
  std::vector<std::unique_ptr<netmeter::PacketSource>> sources;
  sources.push_back(openPcapng(data, size, 0));
  sources.push_back(openPcapng(data, size, 1));
  netmeter::MergedPacketSource merged(std::move(sources));
  sum += drain(merged);
  return sum == 1 ? 1 : 0;
}
