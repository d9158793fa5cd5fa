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

// HKDF-Expand-Label (RFC 8446 §7.1) with SHA-256 and an empty context, through OpenSSL's HKDF.
bool hkdfExpandLabel(std::span<const uint8_t> secret, std::string_view label, std::span<uint8_t> out);

// The Initial keys of `side` for a connection whose client chose `dcid` as the Destination
// Connection ID of its first Initial (RFC 9001 §5.2, RFC 9369 §3.3). nullopt when OpenSSL fails.
std::optional<InitialKeys> deriveInitialKeys(const VersionParameters& version, std::span<const uint8_t> dcid,
                                             Side side);

}  // namespace netmeter::quic
