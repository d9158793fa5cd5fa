#pragma once

#include <cstdint>
#include <string_view>

namespace netmeter::tls {

// TLS record content types (RFC 8446 §5.1).
namespace content {
inline constexpr uint8_t kChangeCipherSpec = 20;
inline constexpr uint8_t kAlert = 21;
inline constexpr uint8_t kHandshake = 22;
inline constexpr uint8_t kApplicationData = 23;
inline constexpr uint8_t kHeartbeat = 24;
}  // namespace content

// Handshake message types.
namespace handshake {
inline constexpr uint8_t kClientHello = 1;
inline constexpr uint8_t kServerHello = 2;
}  // namespace handshake

// Extension types used by the parsers and fingerprints.
namespace ext {
inline constexpr uint16_t kServerName = 0x0000;
inline constexpr uint16_t kSupportedGroups = 0x000a;
inline constexpr uint16_t kEcPointFormats = 0x000b;
inline constexpr uint16_t kSignatureAlgorithms = 0x000d;
inline constexpr uint16_t kAlpn = 0x0010;
inline constexpr uint16_t kSupportedVersions = 0x002b;
}  // namespace ext

// Largest record payload a peer may send (2^14 plus the allowed expansion, RFC 5246 §6.2.3).
inline constexpr uint32_t kMaxRecordLength = (1u << 14) + 2048;

// GREASE values (RFC 8701): 0x?a?a with both bytes equal.
inline constexpr bool isGrease(uint16_t v) {
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

// "TLSv1.2", "TLSv1.3", "SSLv3", "DTLSv1.2", ... ; empty for unknown values.
std::string_view versionName(uint16_t version);
// IANA cipher suite name ("TLS_AES_128_GCM_SHA256"); empty when not in the table.
std::string_view cipherSuiteName(uint16_t suite);
// Alert description name ("handshake_failure"); empty when unknown.
std::string_view alertDescriptionName(uint8_t description);
// "warning" (1), "fatal" (2); empty otherwise.
std::string_view alertLevelName(uint8_t level);

}  // namespace netmeter::tls
