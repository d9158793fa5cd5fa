#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "modules/quic/quic_initial_keys.h"
#include "modules/quic/quic_long_header.h"

namespace netmeter::quic {

// The header protection mask (RFC 9001 §5.4.3): AES-128-ECB with the keys' hp key over the first 16
// bytes of `sample`; false when the sample is shorter or the cipher fails. XORing it in protects a
// header, XORing it again removes the protection.
bool headerMask(const InitialKeys& keys, std::span<const uint8_t> sample, std::array<uint8_t, 16>& mask);

// Removes header protection (AES-128-ECB mask over the 16-byte sample, RFC 9001 §5.4) and opens the
// AES-128-GCM payload (RFC 9001 §5.3) of one Initial/Handshake packet. `packet` is the whole packet
// (header.size bytes); the plaintext frames are written to the start of `scratch`, which must hold at
// least header.packetLength bytes. Returns the plaintext, or an empty span when the packet is too short
// or authentication fails (wrong keys, damaged packet).
std::span<const uint8_t> openPacket(std::span<const uint8_t> packet, const LongHeader& header,
                                    const InitialKeys& keys, std::span<uint8_t> scratch);

}  // namespace netmeter::quic
