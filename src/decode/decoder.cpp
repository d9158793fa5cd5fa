#include "decode/decoder.h"

#include "decode/decode_context.h"

namespace netmeter {

void decodePacket(const RawPacket& raw, DecodedPacket& out) {
  out = DecodedPacket{};
  out.timestamp = raw.timestamp;
  out.wireLength = raw.originalLength;
  out.capturedLength = raw.capturedLength;
  out.interfaceId = raw.interfaceId;
  out.linkType = raw.linkType;

  uint32_t available = raw.data == nullptr ? 0 : raw.capturedLength;
  if (available > decode_detail::kMaxHeaderOffset) available = decode_detail::kMaxHeaderOffset;
  decode_detail::DecodeContext ctx{out};
  decode_detail::decodeLink(ctx, decode_detail::ByteCursor(raw.data, available, raw.originalLength));
}

}  // namespace netmeter
