#include "modules/quic/quic_google.h"

#include <algorithm>
#include <limits>

#include "io/byte_order.h"

namespace netmeter::quic {

namespace {

constexpr size_t kMessageHashBytes = 12;  // FNV-1a 128 truncated to 96 bits (the null encrypter's tag)

// Packet number / ACK field lengths coded in 2 bits.
constexpr uint8_t kSixByteCodes[] = {1, 2, 4, 6};

// Reads the frames' integers: little-endian before Q039, big-endian from it.
class FrameReader {
 public:
  FrameReader(std::span<const uint8_t> bytes, bool bigEndian) : bytes_(bytes), bigEndian_(bigEndian) {}

  bool atEnd() const { return pos_ >= bytes_.size(); }
  size_t remaining() const { return bytes_.size() - pos_; }
  uint8_t byte() { return bytes_[pos_++]; }  // callers check atEnd() / remaining() first
  bool skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }
  bool uint(size_t n, uint64_t& v) {
    if (remaining() < n) return false;
    v = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t b = bytes_[pos_ + i];
      v = bigEndian_ ? (v << 8) | b : v | (b << (8 * i));
    }
    pos_ += n;
    return true;
  }
  std::span<const uint8_t> take(size_t n) {
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool bigEndian_;
};

// ACK frame (type 0b01nu_llmm): its form changed in Q034 (no entropy, no NACK ranges, ACK blocks).
bool skipAck(FrameReader& r, uint8_t type, bool beforeQ034) {
  const size_t largestLength = kSixByteCodes[(type >> 2) & 3];
  const size_t rangeLength = kSixByteCodes[type & 3];
  const bool more = type & 0x20;  // NACK ranges (before Q034) / more than one ACK block
  uint64_t n = 0;
  auto timestamps = [&] {
    // Count, then the first (delta 1 byte, time 4 bytes) and the others (delta 1, time 2).
    if (!r.uint(1, n)) return false;
    return n == 0 || r.skip(5 + (n - 1) * 3);
  };
  if (beforeQ034) {
    // Entropy, largest observed, delay, timestamps, then [ranges (missing delta, range length),
    // revived packets].
    if (!r.skip(1 + largestLength + 2) || !timestamps()) return false;
    if (!more) return true;
    if (!r.uint(1, n) || !r.skip(n * (rangeLength + 1))) return false;
    return r.uint(1, n) && r.skip(n * largestLength);
  }
  // Largest acked, its delay, [block count], first block length, blocks (gap, length), timestamps.
  uint64_t blocks = 0;
  if (!r.skip(largestLength + 2)) return false;
  if (more && !r.uint(1, blocks)) return false;
  return r.skip(rangeLength + blocks * (1 + rangeLength)) && timestamps();
}

}  // namespace

bool parseGoogleHeader(std::span<const uint8_t> d, GoogleHeader& out) {
  out = GoogleHeader{};
  if (d.size() < 6) return false;
  const uint8_t first = d[0];
  if ((first & 0xc0) == 0) {
    // Public header: flags, 8-byte connection ID, version, packet number. The reserved bits (0x80,
    // multipath 0x40) are clear; a client packet with the version flag has no diversification nonce
    // (0x04, server to client only).
    if ((first & 0x01) == 0 || (first & 0x02) != 0 || (first & 0x08) == 0 || d.size() < 13) return false;
    const uint32_t version = io::load32(d.data() + 9, true);
    if (!isGoogleVersion(version) || (version >> 24) != 'Q') return false;
    const uint8_t pnLength = kSixByteCodes[(first >> 4) & 3];
    if (d.size() - 13 < pnLength) return false;
    out.version = version;
    out.packetNumberLength = pnLength;
    out.cleartext = true;
    out.payload = d.subspan(13 + pnLength);
    return true;
  }
  if ((first & 0xc0) != 0xc0) return false;  // a short header (IETF, or gQUIC Q046's)
  const uint32_t version = io::load32(d.data() + 1, true);
  if (!isGoogleVersion(version)) return false;
  if ((version >> 24) == 'Q' && googleVersionNumber(version) <= 48) {
    // Q046..Q048: type in bits 4-5 (0 Initial, 1 0-RTT, 2 Handshake), packet number length in bits
    // 0-1, then version, DCIL/SCIL nibbles, connection IDs, packet number.
    auto cidLength = [](uint8_t code) -> size_t { return code == 0 ? 0 : code + 3u; };
    const size_t pnOffset = 6 + cidLength(d[5] >> 4) + cidLength(d[5] & 0x0f);
    const uint8_t pnLength = (first & 3) + 1;
    if (d.size() < pnOffset || d.size() - pnOffset < pnLength) return false;
    out.packetNumberLength = pnLength;
    out.cleartext = ((first >> 4) & 3) == 0;
    if (out.cleartext) out.payload = d.subspan(pnOffset + pnLength);
  }
  out.version = version;
  return true;
}

std::span<const uint8_t> googleFrames(const GoogleHeader& h) {
  if (!h.cleartext) return {};
  // Before Q034 a private flags byte (entropy, FEC) follows the hash.
  const size_t skip = kMessageHashBytes + (googleVersionNumber(h.version) < 34 ? 1 : 0);
  if (h.payload.size() <= skip) return {};
  return h.payload.subspan(skip);
}

bool readGoogleFrames(std::span<const uint8_t> frames, uint32_t version, uint8_t packetNumberLength,
                      GoogleCryptoData& out) {
  const int number = googleVersionNumber(version);
  FrameReader r(frames, number >= 39);
  while (!r.atEnd()) {
    const uint8_t type = r.byte();
    if (type & 0x80) {
      // STREAM 0b1fdo_ooss: FIN, data length present, offset length (0, 2..8), stream ID length.
      const size_t offsetCode = (type >> 2) & 7;
      uint64_t stream = 0, offset = 0, length = 0;
      if (!r.uint((type & 3) + 1, stream) || !r.uint(offsetCode == 0 ? 0 : offsetCode + 1, offset))
        return false;
      if (type & 0x20) {
        if (!r.uint(2, length) || r.remaining() < length) return false;
      } else {
        length = r.remaining();  // the data runs to the end of the packet
      }
      auto data = r.take(length);
      if (stream == 1 && !data.empty()) out.push({offset, data});
      continue;
    }
    if (type & 0x40) {
      if (!skipAck(r, type, number < 34)) return false;
      continue;
    }
    uint64_t length = 0;
    switch (type) {
      case 0x00:  // PADDING: the rest of the packet
        return true;
      case 0x01:  // RST_STREAM: stream ID, byte offset, error code
        if (!r.skip(4 + 8 + 4)) return false;
        break;
      case 0x03:  // GOAWAY: error code, last good stream ID, reason length, reason
        if (!r.skip(8) || !r.uint(2, length) || !r.skip(length)) return false;
        break;
      case 0x04:  // WINDOW_UPDATE: stream ID, byte offset
        if (!r.skip(4 + 8)) return false;
        break;
      case 0x05:  // BLOCKED: stream ID
        if (!r.skip(4)) return false;
        break;
      case 0x06:  // STOP_WAITING: [entropy before Q034,] least unacked delta
        if (!r.skip((number < 34 ? 1 : 0) + packetNumberLength)) return false;
        break;
      case 0x07:  // PING
        break;
      default:  // CONNECTION_CLOSE (0x02), CONGESTION_FEEDBACK (never deployed), unknown types
        return false;
    }
  }
  return true;
}

uint64_t googleMessageLength(std::span<const uint8_t> prefix) {
  if (prefix.size() < 8) return 0;
  const uint32_t entries = uint32_t{prefix[4]} | (uint32_t{prefix[5]} << 8);
  if (entries > kMaxGoogleEntries) return std::numeric_limits<uint64_t>::max();
  const size_t header = 8 + size_t{entries} * 8;
  if (entries == 0) return header;
  if (prefix.size() < header) return 0;
  return header + uint64_t{io::load32(prefix.data() + header - 4, false)};
}

bool parseGoogleClientHello(std::span<const uint8_t> message, GoogleClientHello& out) {
  out = GoogleClientHello{};
  const uint64_t length = googleMessageLength(message);
  if (length == 0 || length > message.size()) return false;
  if (!std::equal(message.begin(), message.begin() + 4, "CHLO")) return false;
  const uint32_t entries = uint32_t{message[4]} | (uint32_t{message[5]} << 8);
  const size_t valuesStart = 8 + size_t{entries} * 8;
  const size_t valuesLength = static_cast<size_t>(length) - valuesStart;
  auto values = message.subspan(valuesStart, valuesLength);
  uint32_t begin = 0;
  for (uint32_t i = 0; i < entries; ++i) {
    const size_t at = 8 + size_t{i} * 8;
    const uint32_t end = io::load32(message.data() + at + 4, false);
    if (end < begin || end > valuesLength) return false;
    auto value = values.subspan(begin, end - begin);
    const std::string_view text(reinterpret_cast<const char*>(value.data()), value.size());
    auto tag = message.subspan(at, 4);
    if (std::equal(tag.begin(), tag.end(), "SNI\0")) out.sni = text;
    if (std::equal(tag.begin(), tag.end(), "UAID")) out.userAgent = text;
    begin = end;
  }
  return true;
}

}  // namespace netmeter::quic
