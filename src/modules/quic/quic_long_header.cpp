#include "modules/quic/quic_long_header.h"

namespace netmeter::quic {

std::optional<uint64_t> readVarint(std::span<const uint8_t> bytes, size_t& pos) {
  if (pos >= bytes.size()) return std::nullopt;
  size_t length = size_t{1} << (bytes[pos] >> 6);
  if (bytes.size() - pos < length) return std::nullopt;
  uint64_t v = bytes[pos] & 0x3f;
  for (size_t i = 1; i < length; ++i) v = (v << 8) | bytes[pos + i];
  pos += length;
  return v;
}

HeaderResult parseLongHeader(std::span<const uint8_t> d, LongHeader& out) {
  if (d.empty()) return HeaderResult::kMalformed;
  out.firstByte = d[0];
  if ((d[0] & 0x80) == 0) return HeaderResult::kShortHeader;
  if (d.size() < 7) return HeaderResult::kMalformed;
  out.version = (uint32_t{d[1]} << 24) | (uint32_t{d[2]} << 16) | (uint32_t{d[3]} << 8) | d[4];
  auto params = versionParameters(out.version);
  out.knownVersion = params.has_value();
  size_t pos = 5;
  size_t maxCid = out.knownVersion ? 20 : 255;
  auto cid = [&](std::span<const uint8_t>& to) {
    if (pos >= d.size()) return false;
    size_t n = d[pos++];
    if (n > maxCid || d.size() - pos < n) return false;
    to = d.subspan(pos, n);
    pos += n;
    return true;
  };
  if (!cid(out.dcid) || !cid(out.scid)) return HeaderResult::kMalformed;
  if (!out.knownVersion) {
    out.size = d.size();
    return HeaderResult::kOk;
  }
  out.type = packetType(d[0], params->v2PacketTypes);
  if (out.type == PacketType::kRetry) {
    out.size = d.size();
    return HeaderResult::kOk;
  }
  if (out.type == PacketType::kInitial) {
    auto tokenLength = readVarint(d, pos);
    if (!tokenLength || d.size() - pos < *tokenLength) return HeaderResult::kMalformed;
    out.token = d.subspan(pos, *tokenLength);
    pos += *tokenLength;
  }
  auto length = readVarint(d, pos);
  if (!length || d.size() - pos < *length) return HeaderResult::kMalformed;
  out.packetNumberOffset = pos;
  out.packetLength = *length;
  out.size = pos + *length;
  return HeaderResult::kOk;
}

}  // namespace netmeter::quic
