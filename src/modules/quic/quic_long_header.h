#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "modules/quic/quic_version.h"

namespace netmeter::quic {

// Reads a QUIC variable-length integer (RFC 9000 §16); nullopt when the bytes end first.
std::optional<uint64_t> readVarint(std::span<const uint8_t> bytes, size_t& pos);

// The cleartext part of one long-header packet at the start of `datagram` (RFC 9000 §17.2). For
// Initial, 0-RTT and Handshake packets `packetLength` covers the packet number and the protected
// payload from `packetNumberOffset`; `size` is the whole packet, so coalesced packets follow at
// `size`. Retry and version negotiation packets take the rest of the datagram.
struct LongHeader {
  uint8_t firstByte = 0;
  uint32_t version = 0;
  std::span<const uint8_t> dcid;
  std::span<const uint8_t> scid;
  std::span<const uint8_t> token;  // Initial only
  PacketType type = PacketType::kInitial;
  bool knownVersion = false;  // versionParameters() has it (type is then meaningful)
  size_t packetNumberOffset = 0;
  size_t packetLength = 0;
  size_t size = 0;
};

enum class HeaderResult : uint8_t { kOk, kShortHeader, kMalformed };

// Parses the long header at the start of `datagram`. Connection IDs longer than 20 bytes are
// malformed for known versions (RFC 9000 §17.2) and accepted up to 255 for others.
HeaderResult parseLongHeader(std::span<const uint8_t> datagram, LongHeader& out);

}  // namespace netmeter::quic
