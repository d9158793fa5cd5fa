#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "modules/quic/quic_version.h"

namespace netmeter::quic {

// AES-128-GCM packet protection keys of one side's Initial packets.
struct InitialKeys {
  std::array<uint8_t, 16> key{};
  std::array<uint8_t, 12> iv{};
  std::array<uint8_t, 16> hp{};
};

enum class Side : uint8_t { kClient, kServer };

// HKDF (RFC 5869) with SHA-256: Extract into a 32-byte `prk`, Expand into `out` (at most 8160 bytes).
// false when OpenSSL fails or a size is out of range.
bool hkdfExtract(std::span<const uint8_t> salt, std::span<const uint8_t> ikm, std::span<uint8_t> prk);
bool hkdfExpand(std::span<const uint8_t> prk, std::span<const uint8_t> info, std::span<uint8_t> out);

// HKDF-Expand-Label (RFC 8446 §7.1) with SHA-256 and an empty context.
bool hkdfExpandLabel(std::span<const uint8_t> secret, std::string_view label, std::span<uint8_t> out);

// The Initial keys of `side` for a connection whose client chose `dcid` as the Destination
// Connection ID of its first Initial (RFC 9001 §5.2, RFC 9369 §3.3). nullopt when OpenSSL fails.
std::optional<InitialKeys> deriveInitialKeys(const VersionParameters& version, std::span<const uint8_t> dcid,
                                             Side side);

}  // namespace netmeter::quic
