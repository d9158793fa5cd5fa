#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "modules/quic/quic_version.h"
#include "modules/tls/fixed_list.h"

// Google QUIC (gQUIC), the protocol Chrome and Google's servers spoke before IETF QUIC: the packet
// headers that carry a version, the frames of a null-encrypted packet, and the CHLO message of the
// QUIC crypto handshake. Versions Q0xx up to Q046 send the client's CHLO in cleartext ("null
// encryption": a 12-byte FNV-1a hash, then the frames) on stream 1; Q050 and the T0xx versions (TLS
// inside gQUIC) protect their Initial packets like IETF QUIC, so only their version is read.
// Everything here is bounds-checked and allocation-free: results are views of the packet bytes.
namespace netmeter::quic {

// Whether netmeter reads the CHLO of a Google version: Q0xx up to Q046 (cleartext handshake).
inline constexpr bool googleHelloReadable(uint32_t version) {
  return isGoogleVersion(version) && (version >> 24) == 'Q' && googleVersionNumber(version) <= 46;
}

// What a client's gQUIC packet with a version says before its frames.
struct GoogleHeader {
  uint32_t version = 0;
  bool cleartext = false;            // a null-encrypted packet: `payload` is the hash, then frames
  uint8_t packetNumberLength = 0;    // 1 to 6 bytes
  std::span<const uint8_t> payload;  // after the packet number (cleartext packets only)
};

// Parses a gQUIC packet that carries its version: a public header (first byte 0b00xx_xxxx) with
// the version flag (0x01), no reset flag and an 8-byte connection ID (0x08), then a "Q0dd" version
// (Q0xx up to Q043; the payload is cleartext); a long header (0b11xx_xxxx) of Q046..Q048, whose
// connection ID lengths share one byte (4 bits each, 0 or 3 + n bytes; an Initial packet, type 0, is
// cleartext); or a long header in the IETF invariant form (Q049 and later, T0xx: version only).
// False for anything else: IETF QUIC, a gQUIC packet without version, a truncated header.
bool parseGoogleHeader(std::span<const uint8_t> datagram, GoogleHeader& out);

// The frames of a cleartext packet: after the 12-byte message hash and, before Q034, the private
// flags byte. Empty when the packet is not cleartext or too short.
std::span<const uint8_t> googleFrames(const GoogleHeader& header);

// Data of the crypto stream (stream 1, where the handshake messages go) found in a packet's frames.
struct GoogleStreamData {
  uint64_t offset = 0;
  std::span<const uint8_t> data;
};
using GoogleCryptoData = tls::FixedList<GoogleStreamData, 4>;

// Walks the gQUIC frames of a cleartext packet of `version` (integers little-endian before Q039,
// big-endian from it; ACK and STOP_WAITING in their forms before and after Q034) and collects the
// STREAM frames of stream 1 (at most 4; more set `out.overflow`). Stops at PADDING (the rest of the
// packet), CONNECTION_CLOSE, an unknown frame type or a truncated frame; returns false when it
// stopped before the end for another reason than PADDING.
bool readGoogleFrames(std::span<const uint8_t> frames, uint32_t version, uint8_t packetNumberLength,
                      GoogleCryptoData& out);

// The length of the handshake message at the start of `prefix` (tag, entry count, 2 bytes of
// padding, entries of tag and end offset, then the values: 8 + 8 * entries + the last end offset),
// 0 while `prefix` is too short to tell. More than kMaxGoogleEntries entries give UINT64_MAX.
inline constexpr uint32_t kMaxGoogleEntries = 128;  // Chromium's kMaxEntries
uint64_t googleMessageLength(std::span<const uint8_t> prefix);

// The fields netmeter reads of a CHLO: views of the message (valid while it is).
struct GoogleClientHello {
  std::string_view sni;        // tag "SNI"
  std::string_view userAgent;  // tag "UAID"
};

// Parses a complete handshake message; true for a CHLO whose entries are consistent (end offsets
// non-decreasing and within the message).
bool parseGoogleClientHello(std::span<const uint8_t> message, GoogleClientHello& out);

}  // namespace netmeter::quic
