#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace netmeter::quic {

// Long-header packet types, in RFC 9000 terms (RFC 9369 encodes them differently on the wire).
enum class PacketType : uint8_t { kInitial, kZeroRtt, kHandshake, kRetry };

// How one QUIC version protects its Initial packets: the initial salt and the HKDF label prefix.
struct VersionParameters {
  uint32_t version = 0;
  std::string_view name;           // "V-1", "V-2", "Draft-29", as nDPI names them
  std::array<uint8_t, 20> salt{};  // RFC 9001 §5.2 / RFC 9369 §3.3.1 / draft salts
  std::string_view keyLabel;       // "quic key" / "quicv2 key"
  std::string_view ivLabel;        // "quic iv" / "quicv2 iv"
  std::string_view hpLabel;        // "quic hp" / "quicv2 hp"
  bool v2PacketTypes = false;      // RFC 9369 §3.2 type encoding
  bool assumed = false;            // a reserved version: v1's protection is only a guess
};

inline constexpr uint32_t kVersion1 = 0x00000001;
inline constexpr uint32_t kVersion2 = 0x6b3343cf;

// RFC 9000 §15: the versions 0x?a?a?a?a are reserved, to exercise version negotiation. A client that
// sends its Initial with one (to force a Version Negotiation) has no protection defined for it; the
// clients that do so protect it as the version they would otherwise use: v1, or draft 29 for the
// clients of the draft era (Wireshark assumes draft 29 up to 4.0, v1 since). Both are tried; the
// AEAD tag rejects a wrong guess.
inline constexpr bool isReservedVersion(uint32_t version) {
  return (version & 0x0f0f0f0f) == 0x0a0a0a0a;
}

// Google QUIC (gQUIC): versions are 4 ASCII characters, "Q025", "Q046", "Q050", "T051" ('Q' for the
// QUIC crypto handshake, 'T' for TLS 1.3 inside gQUIC). Only [QT]0dd with two digits is taken, which
// is all Google deployed.
inline constexpr bool isGoogleVersion(uint32_t version) {
  const uint8_t kind = static_cast<uint8_t>(version >> 24);
  const auto digit = [](uint32_t c) { return (c & 0xff) >= '0' && (c & 0xff) <= '9'; };
  return (kind == 'Q' || kind == 'T') && ((version >> 16) & 0xff) == '0' && digit(version >> 8) &&
         digit(version);
}

// The number of a Google version: 46 for "Q046", 51 for "T051" (0 for other versions).
inline constexpr int googleVersionNumber(uint32_t version) {
  if (!isGoogleVersion(version)) return 0;
  return (int((version >> 8) & 0xff) - '0') * 10 + (int(version & 0xff) - '0');
}

// The parameters for versions whose Initial packets netmeter decrypts: v1, v2, IETF drafts 23 to 32
// (0xff000017..0xff000020), and the reserved versions with v1's (`assumed`, no name); nullopt for
// others (Google QUIC, version negotiation, unknown).
std::optional<VersionParameters> versionParameters(uint32_t version);

// The second guess for a reserved version: draft 29's salt (the first, versionParameters(), is v1's).
VersionParameters reservedVersionDraft29(uint32_t version);

// A name for any version ("V-1", "Draft-29", "Q046", "T051"; "0x12345678"-style for unknown ones is
// left to the caller): empty when unknown.
std::string_view versionName(uint32_t version);

// The packet type encoded in the first byte of a long header of `version`.
PacketType packetType(uint8_t firstByte, bool v2PacketTypes);

}  // namespace netmeter::quic
