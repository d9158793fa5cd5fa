#pragma once

#include <cstdint>
#include <span>

#include "modules/tls/client_hello.h"

namespace netmeter::tls {

// The negotiated parameters of a TLS ServerHello (or HelloRetryRequest, which has the same shape).
struct ServerHello {
  uint16_t legacyVersion = 0;
  uint16_t selectedVersion = 0;  // supported_versions extension (TLS 1.3), 0 when absent
  uint16_t cipherSuite = 0;
  bool helloRetryRequest = false;  // random is the RFC 8446 HelloRetryRequest value

  // The negotiated version: supported_versions when present, else the legacy field.
  uint16_t version() const { return selectedVersion != 0 ? selectedVersion : legacyVersion; }
};

// Parses a ServerHello handshake message body (after the 4-byte handshake header).
ParseResult parseServerHello(std::span<const uint8_t> body, ServerHello& out);

}  // namespace netmeter::tls
