#include "modules/tls/ja3.h"

#include <charconv>

#include "modules/tls/message_digest.h"
#include "modules/tls/tls_constants.h"

namespace netmeter::tls {

namespace {
template <typename List>
void appendList(std::string& out, const List& list, bool skipGrease) {
  bool first = true;
  for (auto v : list) {
    if (skipGrease && isGrease(v)) continue;
    if (!first) out += '-';
    char digits[8];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
    first = false;
  }
}
}  // namespace

std::string ja3String(const ClientHello& hello) {
  std::string s = std::to_string(hello.legacyVersion);
  s += ',';
  appendList(s, hello.cipherSuites, true);
  s += ',';
  appendList(s, hello.extensions, true);
  s += ',';
  appendList(s, hello.supportedGroups, true);
  s += ',';
  appendList(s, hello.pointFormats, false);
  return s;
}

std::array<uint8_t, 16> ja3Digest(const ClientHello& hello) {
  return md5(ja3String(hello));
}

std::string ja3Hex(const std::array<uint8_t, 16>& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(32, '0');
  for (size_t i = 0; i < 16; ++i) {
    s[2 * i] = kHex[digest[i] >> 4];
    s[2 * i + 1] = kHex[digest[i] & 15];
  }
  return s;
}

}  // namespace netmeter::tls
