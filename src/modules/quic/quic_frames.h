#pragma once

#include <cstdint>
#include <span>

#include "modules/quic/quic_crypto_stream.h"
#include "store/memory_account.h"

namespace netmeter::quic {

// Walks the frames of a decrypted Initial packet (PADDING, PING, ACK, CRYPTO; RFC 9000 §17.2.2) and
// adds every CRYPTO frame to `crypto`. Stops at CONNECTION_CLOSE, at a frame type not allowed in
// Initial packets, or at a truncated frame. Returns false when it stopped before the end.
bool readInitialFrames(std::span<const uint8_t> frames, QuicCryptoStream& crypto, MemoryAccount& account);

}  // namespace netmeter::quic
