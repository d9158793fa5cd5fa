#include "decode/decoder.h"

#include "core/copy_small.h"
#include "decode/decode_context.h"

namespace netmeter {

void decodePacket(const RawPacket& raw, DecodedPacket& out) {
  // Reset from a constant image: a plain copy is cheaper than zeroing in place followed by the
  // sentinel stores, and it avoids building a temporary on the stack (copySmall: no `rep movsq`).
  static constexpr DecodedPacket kEmpty{};
  copySmall(out, kEmpty);
  out.timestamp = raw.timestamp;
  out.wireLength = raw.originalLength;
  out.capturedLength = raw.capturedLength;
  out.interfaceId = raw.interfaceId;
  out.linkType = raw.linkType;

  const uint32_t available = raw.data == nullptr ? 0 : raw.capturedLength;
  decode_detail::DecodeContext ctx{out};
  decode_detail::decodeLink(ctx, decode_detail::ByteCursor(raw.data, available, raw.originalLength));
}

}  // namespace netmeter
