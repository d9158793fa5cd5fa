// libFuzzer target: any capture from memory (format and compression detected), read to the end.
#include <cstddef>
#include <cstdint>

#include "io/capture_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  netmeter::ReaderOptions options;
  options.name = "fuzz";
  options.bufferSize = 64 << 10;
  netmeter::OpenResult opened = netmeter::openCaptureMemory(data, size, options);
  if (!opened.ok()) return 0;
  netmeter::RawPacket packet;
  uint64_t sum = 0;
  while (opened.source->next(packet) == netmeter::ReadStatus::kPacket) {
    // Touch every byte the reader hands out, so out-of-range views are caught.
    for (uint32_t i = 0; i < packet.capturedLength; ++i) sum += packet.data[i];
    if (packet.interfaceId >= opened.source->interfaces().size()) __builtin_trap();
    if (packet.capturedLength > packet.originalLength) __builtin_trap();
  }
  return sum == 1 ? 1 : 0;
}
