// libFuzzer target for the packet decoder. Input: 2 bytes link type (big endian), then the packet
// bytes. The packet is copied to a buffer of exactly its length so that ASan catches any read past
// capturedLength; the wire length is varied from the input so that snap-length paths are exercised.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "decode/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto linkType = static_cast<uint16_t>((data[0] << 8) | data[1]);
  std::vector<uint8_t> packet(data + 2, data + size);
  netmeter::RawPacket raw;
  raw.data = packet.empty() ? nullptr : packet.data();
  raw.capturedLength = static_cast<uint32_t>(packet.size());
  // The top bit of the first byte is not part of the link type: when set, the wire length is 1000
  // bytes longer than the captured one (a capture cut by its snap length).
  raw.originalLength = raw.capturedLength + ((data[0] & 0x80) != 0 ? 1000u : 0u);
  raw.linkType = static_cast<uint16_t>(linkType & 0x7fff);
  netmeter::DecodedPacket out;
  netmeter::decodePacket(raw, out);
  // Touch the result so the decoder cannot be optimised away.
  volatile uint32_t sink = out.payloadLength + out.l2PayloadLength + static_cast<uint32_t>(out.malformed);
  (void)sink;
  return 0;
}
