#include "modules/tls/server_hello.h"

#include <algorithm>
#include <array>

#include "modules/tls/byte_reader.h"
#include "modules/tls/tls_constants.h"

namespace netmeter::tls {

namespace {
// SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446 §4.1.3).
constexpr std::array<uint8_t, 32> kHelloRetryRandom{
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
}  // namespace

ParseResult parseServerHello(std::span<const uint8_t> body, ServerHello& out) {
  ByteReader r(body);
  out.legacyVersion = r.u16();
  auto random = r.bytes(32);
  r.block8();  // legacy_session_id_echo
  out.cipherSuite = r.u16();
  r.u8();  // compression method
  if (r.failed()) return ParseResult::kMalformed;
  out.helloRetryRequest = std::equal(random.begin(), random.end(), kHelloRetryRandom.begin());
  if (r.atEnd()) return ParseResult::kOk;
  ByteReader exts = r.block16();
  while (!exts.failed() && !exts.atEnd()) {
    uint16_t type = exts.u16();
    ByteReader data = exts.block16();
    if (type == ext::kSupportedVersions && data.remaining() >= 2) out.selectedVersion = data.u16();
  }
  return exts.failed() || r.failed() ? ParseResult::kMalformed : ParseResult::kOk;
}

}  // namespace netmeter::tls
