#include "modules/tls/tls_client_summary.h"

#include "modules/tls/ja3.h"
#include "modules/tls/tls_constants.h"

namespace netmeter::tls {

TlsClientSummary summarize(const ClientHello& hello, Ja4Transport transport) {
  TlsClientSummary s;
  s.sni.assign(hello.sni());
  s.alpn.assign(hello.alpns());
  for (uint16_t v : hello.supportedVersions)
    if (!isGrease(v)) s.versions.push_back(v);
  if (s.versions.empty()) s.versions.push_back(hello.legacyVersion);
  s.cipherSuites.reserve(hello.cipherSuites.size);
  for (uint16_t c : hello.cipherSuites)
    if (!isGrease(c)) s.cipherSuites.push_back(c);
  s.ja3 = ja3Digest(hello);
  s.ja4 = ja4(hello, transport);
  s.fingerprintTruncated = hello.truncated();
  s.versions.shrink_to_fit();
  s.cipherSuites.shrink_to_fit();
  return s;
}

}  // namespace netmeter::tls
