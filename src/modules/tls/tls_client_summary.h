#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "modules/tls/client_hello.h"
#include "modules/tls/ja4.h"

namespace netmeter::tls {

// What netmeter keeps of one ClientHello (TLS over TCP or inside QUIC): the reported fields and both
// fingerprints. GREASE values are removed from the lists.
struct TlsClientSummary {
  std::string sni;
  std::string alpn;                    // offered ALPN names joined with ','
  std::vector<uint16_t> versions;      // supported_versions, else the legacy version
  std::vector<uint16_t> cipherSuites;  // wire order
  std::array<uint8_t, 16> ja3{};
  std::string ja4;
  bool fingerprintTruncated = false;  // a list exceeded the parser's capacity

  // Heap bytes owned (for the memory account).
  int64_t heapBytes() const {
    return static_cast<int64_t>(sni.capacity() + alpn.capacity() + ja4.capacity() +
                                (versions.capacity() + cipherSuites.capacity()) * sizeof(uint16_t));
  }
};

TlsClientSummary summarize(const ClientHello& hello, Ja4Transport transport);

}  // namespace netmeter::tls
