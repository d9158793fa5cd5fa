#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "modules/tls/fixed_list.h"

namespace netmeter::tls {

// The fields of a TLS ClientHello that netmeter reports and fingerprints (JA3, JA4), parsed into
// fixed-size storage (no allocation). Lists keep wire order and GREASE values; the fingerprint code
// removes GREASE. A list longer than its capacity sets `overflow`, and `truncated()` then says the
// fingerprints would be computed from an incomplete list.
struct ClientHello {
  static constexpr size_t kMaxName = 255;

  uint16_t legacyVersion = 0;  // client_version field (0x0303 for TLS 1.2 and 1.3)
  FixedList<uint16_t, 128> cipherSuites;
  FixedList<uint16_t, 64> extensions;  // extension types in wire order
  FixedList<uint16_t, 16> supportedVersions;
  FixedList<uint16_t, 64> supportedGroups;
  FixedList<uint8_t, 16> pointFormats;
  FixedList<uint16_t, 64> signatureAlgorithms;
  // Server name (host_name entry of server_name), raw bytes as sent (not validated as a DNS name).
  char serverName[kMaxName] = {};
  uint8_t serverNameLength = 0;
  bool hasServerName = false;           // a host_name entry was read
  bool hasServerNameExtension = false;  // the extension is present (JA4 'd'), even if empty
  // ALPN protocol names in wire order, each kept up to kMaxName bytes, joined with ',' into alpnList.
  char firstAlpn[kMaxName] = {};
  uint8_t firstAlpnLength = 0;
  bool hasAlpn = false;
  char alpnList[kMaxName] = {};
  uint8_t alpnListLength = 0;

  std::string_view sni() const { return {serverName, serverNameLength}; }
  std::string_view alpn() const { return {firstAlpn, firstAlpnLength}; }
  std::string_view alpns() const { return {alpnList, alpnListLength}; }
  bool truncated() const {
    return cipherSuites.overflow || extensions.overflow || supportedVersions.overflow ||
           supportedGroups.overflow || pointFormats.overflow || signatureAlgorithms.overflow;
  }
  // The highest non-GREASE supported_versions entry, else legacyVersion.
  uint16_t maxVersion() const;
};

enum class ParseResult : uint8_t { kOk, kTruncated, kMalformed };

// Parses a ClientHello handshake message body (after the 4-byte handshake header). The message must
// be complete; bad lengths give kMalformed and leave `out` partially filled.
ParseResult parseClientHello(std::span<const uint8_t> body, ClientHello& out);

}  // namespace netmeter::tls
