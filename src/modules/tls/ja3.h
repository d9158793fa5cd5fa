#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "modules/tls/client_hello.h"

namespace netmeter::tls {

// JA3 (Salesforce): "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats" with
// decimal values joined by '-', GREASE values removed; the fingerprint is its MD5.
std::string ja3String(const ClientHello& hello);

// MD5 of ja3String() (OpenSSL EVP), as 16 bytes; ja3Hex() renders the usual 32 hex digits.
std::array<uint8_t, 16> ja3Digest(const ClientHello& hello);
std::string ja3Hex(const std::array<uint8_t, 16>& digest);

}  // namespace netmeter::tls
