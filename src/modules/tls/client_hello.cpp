#include "modules/tls/client_hello.h"

#include <algorithm>

#include "modules/tls/byte_reader.h"
#include "modules/tls/tls_constants.h"

namespace netmeter::tls {

uint16_t ClientHello::maxVersion() const {
  uint16_t best = 0;
  for (uint16_t v : supportedVersions)
    if (!isGrease(v)) best = std::max(best, v);
  return best != 0 ? best : legacyVersion;
}

namespace {

void copyName(std::span<const uint8_t> from, char* to, uint8_t& length) {
  size_t n = std::min(from.size(), ClientHello::kMaxName);
  std::copy_n(from.data(), n, to);
  length = static_cast<uint8_t>(n);
}

void parseServerName(ByteReader r, ClientHello& out) {
  ByteReader list = r.block16();
  while (!list.failed() && !list.atEnd()) {
    uint8_t type = list.u8();
    auto name = list.block16();
    auto bytes = name.bytes(name.remaining());
    if (type == 0 && !out.hasServerName && !list.failed()) {
      out.hasServerName = true;
      copyName(bytes, out.serverName, out.serverNameLength);
    }
  }
}

void parseAlpn(ByteReader r, ClientHello& out) {
  ByteReader list = r.block16();
  while (!list.failed() && !list.atEnd()) {
    ByteReader name = list.block8();
    auto bytes = name.bytes(name.remaining());
    if (list.failed()) break;
    if (!out.hasAlpn) {
      out.hasAlpn = true;
      copyName(bytes, out.firstAlpn, out.firstAlpnLength);
    }
    // Joined list, cut at kMaxName bytes.
    size_t room = ClientHello::kMaxName - out.alpnListLength;
    if (out.alpnListLength > 0 && room > 0) {
      out.alpnList[out.alpnListLength++] = ',';
      --room;
    }
    size_t n = std::min(room, bytes.size());
    std::copy_n(bytes.data(), n, out.alpnList + out.alpnListLength);
    out.alpnListLength = static_cast<uint8_t>(out.alpnListLength + n);
  }
}

template <typename List>
void readU16List(ByteReader list, List& out) {
  while (list.remaining() >= 2) out.push(list.u16());
}

void parseExtension(uint16_t type, ByteReader data, ClientHello& out) {
  switch (type) {
    case ext::kServerName:
      out.hasServerNameExtension = true;
      parseServerName(data, out);
      break;
    case ext::kAlpn:
      parseAlpn(data, out);
      break;
    case ext::kSupportedGroups:
      readU16List(data.block16(), out.supportedGroups);
      break;
    case ext::kSignatureAlgorithms:
      readU16List(data.block16(), out.signatureAlgorithms);
      break;
    case ext::kSupportedVersions:
      readU16List(data.block8(), out.supportedVersions);
      break;
    case ext::kEcPointFormats: {
      ByteReader list = data.block8();
      while (!list.atEnd()) out.pointFormats.push(list.u8());
      break;
    }
    default:
      break;
  }
}

}  // namespace

ParseResult parseClientHello(std::span<const uint8_t> body, ClientHello& out) {
  ByteReader r(body);
  out.legacyVersion = r.u16();
  r.skip(32);  // random
  r.block8();  // legacy_session_id
  ByteReader suites = r.block16();
  if (r.failed()) return ParseResult::kMalformed;
  while (suites.remaining() >= 2) out.cipherSuites.push(suites.u16());
  r.block8();  // compression methods
  if (r.failed()) return ParseResult::kMalformed;
  if (r.atEnd()) return ParseResult::kOk;  // SSLv3-style hello without extensions
  ByteReader exts = r.block16();
  if (r.failed()) return ParseResult::kMalformed;
  while (!exts.atEnd()) {
    uint16_t type = exts.u16();
    ByteReader data = exts.block16();
    if (exts.failed()) return ParseResult::kMalformed;
    out.extensions.push(type);
    parseExtension(type, data, out);
  }
  return ParseResult::kOk;
}

}  // namespace netmeter::tls
