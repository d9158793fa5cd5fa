#include "modules/tls/ja4.h"

#include <algorithm>
#include <array>
#include <vector>

#include "modules/tls/message_digest.h"
#include "modules/tls/tls_constants.h"

namespace netmeter::tls {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string_view versionCode(uint16_t v) {
  switch (v) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0200:
      return "s2";
    case 0x0100:
      return "s1";
    case 0xfeff:
      return "d1";
    case 0xfefd:
      return "d2";
    case 0xfefc:
      return "d3";
    default:
      return "00";
  }
}

bool isAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string alpnCode(const ClientHello& hello) {
  std::string_view a = hello.alpn();
  if (!hello.hasAlpn || a.empty()) return "00";
  char first = a.front();
  char last = a.back();
  if (isAlnum(first) && isAlnum(last)) return {first, last};
  auto f = static_cast<uint8_t>(first);
  auto l = static_cast<uint8_t>(last);
  return {kHexDigits[f >> 4], kHexDigits[l & 15]};
}

std::string twoDigits(size_t n) {
  n = std::min<size_t>(n, 99);
  return {static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
}

void appendHex4(std::string& s, uint16_t v) {
  const char digits[4] = {kHexDigits[v >> 12], kHexDigits[(v >> 8) & 15], kHexDigits[(v >> 4) & 15],
                          kHexDigits[v & 15]};
  s.append(digits, 4);
}

std::string joinHex(const std::vector<uint16_t>& values) {
  std::string s;
  s.reserve(values.size() * 5);
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) s += ',';
    appendHex4(s, values[i]);
  }
  return s;
}

std::string sha256Prefix12(const std::string& s) {
  const std::array<uint8_t, 32> d = sha256(s);
  std::string out(12, '0');
  for (size_t i = 0; i < 6; ++i) {
    out[2 * i] = kHexDigits[d[i] >> 4];
    out[2 * i + 1] = kHexDigits[d[i] & 15];
  }
  return out;
}

struct Parts {
  std::string a;
  std::string ciphers;     // sorted, comma joined
  std::string extensions;  // sorted without SNI/ALPN, then "_" + signature algorithms
  bool hasCiphers = false;
  bool hasExtensions = false;
};

Parts parts(const ClientHello& hello, Ja4Transport transport) {
  std::vector<uint16_t> ciphers;
  for (uint16_t c : hello.cipherSuites)
    if (!isGrease(c)) ciphers.push_back(c);
  std::vector<uint16_t> extensions;
  size_t extensionCount = 0;
  for (uint16_t e : hello.extensions) {
    if (isGrease(e)) continue;
    ++extensionCount;
    if (e != ext::kServerName && e != ext::kAlpn) extensions.push_back(e);
  }
  std::vector<uint16_t> signatures;
  for (uint16_t s : hello.signatureAlgorithms)
    if (!isGrease(s)) signatures.push_back(s);

  Parts p;
  p.a += static_cast<char>(transport);
  p.a += versionCode(hello.maxVersion());
  p.a += hello.hasServerNameExtension ? 'd' : 'i';
  p.a += twoDigits(ciphers.size());
  p.a += twoDigits(extensionCount);
  p.a += alpnCode(hello);

  std::sort(ciphers.begin(), ciphers.end());
  std::sort(extensions.begin(), extensions.end());
  p.hasCiphers = !ciphers.empty();
  p.hasExtensions = !extensions.empty();
  p.ciphers = joinHex(ciphers);
  p.extensions = joinHex(extensions);
  if (!signatures.empty()) p.extensions += "_" + joinHex(signatures);
  return p;
}

}  // namespace

std::string ja4(const ClientHello& hello, Ja4Transport transport) {
  Parts p = parts(hello, transport);
  std::string b = p.hasCiphers ? sha256Prefix12(p.ciphers) : std::string(12, '0');
  std::string c = p.hasExtensions ? sha256Prefix12(p.extensions) : std::string(12, '0');
  return p.a + "_" + b + "_" + c;
}

std::string ja4Raw(const ClientHello& hello, Ja4Transport transport) {
  Parts p = parts(hello, transport);
  return p.a + "_" + p.ciphers + "_" + p.extensions;
}

}  // namespace netmeter::tls
