// libFuzzer target for the DNS message parser: the input is one DNS message, copied to a buffer of
// exactly its size so that ASan catches any read past the end.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "modules/dns/dns_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> message(data, data + size);
  netmeter::DnsMessage out;
  const auto result = netmeter::parseDnsMessage(message, out);
  volatile size_t sink = size_t(result) + out.nameLength + out.addressCount + netmeter::looksLikeDns(message);
  (void)sink;
  return 0;
}
