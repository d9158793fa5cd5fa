// libFuzzer target for the TCP options parser (decode/tcp_options.h). Input: the options area of a
// TCP header. Copied to a buffer of exactly its length so that ASan catches any read past the end.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "decode/tcp_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 40) size = 40;  // a TCP header holds at most 40 bytes of options
  std::vector<uint8_t> options(data, data + size);
  const netmeter::TcpOptions o = netmeter::parseTcpOptions(options.empty() ? nullptr : options.data(), size);
  if (o.windowScale != netmeter::kNoWindowScale && o.windowScale > 14) __builtin_trap();
  volatile uint32_t sink = o.mss + o.windowScale + o.sackPermitted + o.malformed;
  (void)sink;
  return 0;
}
