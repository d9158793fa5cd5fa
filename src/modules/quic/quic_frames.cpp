#include "modules/quic/quic_frames.h"

#include "modules/quic/quic_long_header.h"

namespace netmeter::quic {

namespace {
bool skipAck(std::span<const uint8_t> f, size_t& pos, bool withEcn) {
  auto largest = readVarint(f, pos);
  auto delay = readVarint(f, pos);
  auto count = readVarint(f, pos);
  auto first = readVarint(f, pos);
  if (!largest || !delay || !count || !first || *count > f.size()) return false;
  for (uint64_t i = 0; i < 2 * *count; ++i)
    if (!readVarint(f, pos)) return false;
  for (int i = 0; i < (withEcn ? 3 : 0); ++i)
    if (!readVarint(f, pos)) return false;
  return true;
}
}  // namespace

bool readInitialFrames(std::span<const uint8_t> f, QuicCryptoStream& crypto, MemoryAccount& account) {
  size_t pos = 0;
  while (pos < f.size()) {
    uint8_t type = f[pos++];
    switch (type) {
      case 0x00:  // PADDING
      case 0x01:  // PING
        break;
      case 0x02:  // ACK
      case 0x03:  // ACK with ECN counts
        if (!skipAck(f, pos, type == 0x03)) return false;
        break;
      case 0x06: {  // CRYPTO
        auto offset = readVarint(f, pos);
        auto length = readVarint(f, pos);
        if (!offset || !length || f.size() - pos < *length) return false;
        crypto.add(*offset, f.subspan(pos, *length), account);
        pos += *length;
        break;
      }
      default:  // CONNECTION_CLOSE or a frame not allowed in Initial packets
        return false;
    }
  }
  return true;
}

}  // namespace netmeter::quic
