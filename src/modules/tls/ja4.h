#pragma once

#include <string>

#include "modules/tls/client_hello.h"

namespace netmeter::tls {

enum class Ja4Transport : char { kTcp = 't', kQuic = 'q', kDtls = 'd' };

// JA4 client fingerprint (FoxIO JA4 specification, "JA4_a_JA4_b_JA4_c"), 36 characters:
//  a: transport, highest TLS version ("13", "12", ... "s3", "d2"; supported_versions wins over the
//     legacy field), 'd' when the server_name extension is present / 'i' without, cipher and extension counts
//     (2 digits, GREASE excluded, capped at 99), first and last character of the first ALPN value ("00"
//     without ALPN; hex digits of the value when either character is not alphanumeric);
//  b: first 12 hex digits of SHA-256 over the sorted cipher suites ("002f,0035,...");
//  c: same over the sorted extensions without SNI and ALPN, then '_' and the signature algorithms in
//     wire order (no '_' part when there are none). An empty list hashes to "000000000000".
std::string ja4(const ClientHello& hello, Ja4Transport transport);

// The unhashed form (JA4_r), for tests and debugging.
std::string ja4Raw(const ClientHello& hello, Ja4Transport transport);

}  // namespace netmeter::tls
