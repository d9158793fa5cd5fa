#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace netmeter::tls {

// MD5 and SHA-256 of a short string (the JA3 and JA4 fingerprints), through OpenSSL with the algorithm
// fetched once per process and one digest context per thread: a plain EVP_Digest() call looks the
// algorithm up in the provider and allocates a context every time, which costs more than hashing the
// few hundred bytes of a fingerprint.
std::array<uint8_t, 16> md5(std::string_view data);
std::array<uint8_t, 32> sha256(std::string_view data);

}  // namespace netmeter::tls
