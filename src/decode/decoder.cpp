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

void decodeReassembled(const uint8_t* frame, uint32_t length, DecodedPacket& p) {
  const bool firstFragment = p.isFirstFragment;
  const uint16_t fragmentOffset = p.fragmentOffset;
  const uint32_t fragmentId = p.fragmentId;
  const uint16_t fragmentDataOffset = p.fragmentDataOffset;
  const uint8_t fragmentIpVersion = p.fragmentIpVersion;
  const uint32_t wireLength = p.wireLength;
  p.malformed = MalformedReason::kNone;
  p.capturedLength = length;
  p.wireLength = length;
  decode_detail::DecodeContext ctx{p};
  ctx.recordL2 = false;  // the frame's layer 2 was decoded with the fragment
  decode_detail::ByteCursor cur(frame, length, length);
  cur.advance(p.ipOffset);
  decode_detail::decodeIpByVersion(ctx, cur);
  p.wireLength = wireLength;
  p.isFragment = true;
  p.isFirstFragment = firstFragment;
  p.fragmentOffset = fragmentOffset;
  p.fragmentId = fragmentId;
  p.fragmentDataOffset = fragmentDataOffset;
  p.fragmentIpVersion = fragmentIpVersion;
  p.fragmentRole = FragmentRole::kReassembled;
}

}  // namespace netmeter
