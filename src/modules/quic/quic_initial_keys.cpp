#include "modules/quic/quic_initial_keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <string>

namespace netmeter::quic {

namespace {

struct MacDeleter {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

constexpr size_t kHashLength = 32;  // SHA-256

// HMAC-SHA256 with the algorithm fetched once per process and one context per thread whose digest is
// set once: HKDF through EVP_KDF took a new context and looked "SHA256" up in the provider for each of
// the ten derivations of a QUIC connection's Initial keys, which cost more than its decryption.
EVP_MAC_CTX* hmacSha256Context() {
  static const std::unique_ptr<EVP_MAC, MacDeleter> kHmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  thread_local const std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> context([]() -> EVP_MAC_CTX* {
    if (!kHmac) return nullptr;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(kHmac.get());
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
      EVP_MAC_CTX_free(ctx);
      return nullptr;
    }
    return ctx;
  }());
  return context.get();
}

// HMAC-SHA256(key, a || b || c) into out (32 bytes).
bool hmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> a, std::span<const uint8_t> b,
                std::span<const uint8_t> c, uint8_t* out) {
  EVP_MAC_CTX* ctx = hmacSha256Context();
  size_t length = 0;
  return ctx != nullptr && EVP_MAC_init(ctx, key.data(), key.size(), nullptr) == 1 &&
         EVP_MAC_update(ctx, a.data(), a.size()) == 1 && EVP_MAC_update(ctx, b.data(), b.size()) == 1 &&
         EVP_MAC_update(ctx, c.data(), c.size()) == 1 && EVP_MAC_final(ctx, out, &length, kHashLength) == 1 &&
         length == kHashLength;
}

}  // namespace

// HKDF-Extract (RFC 5869 §2.2): PRK = HMAC(salt, IKM).
bool hkdfExtract(std::span<const uint8_t> salt, std::span<const uint8_t> ikm, std::span<uint8_t> prk) {
  if (prk.size() != kHashLength) return false;
  return hmacSha256(salt, ikm, {}, {}, prk.data());
}

// HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) || info || i), out = T(1) || T(2) || ...
bool hkdfExpand(std::span<const uint8_t> prk, std::span<const uint8_t> info, std::span<uint8_t> out) {
  if (out.size() > 255 * kHashLength) return false;
  uint8_t block[kHashLength];
  size_t previous = 0;
  for (size_t done = 0, i = 1; done < out.size(); ++i) {
    const uint8_t counter = static_cast<uint8_t>(i);
    if (!hmacSha256(prk, std::span<const uint8_t>(block, previous), info,
                    std::span<const uint8_t>(&counter, 1), block))
      return false;
    previous = kHashLength;
    const size_t n = std::min(kHashLength, out.size() - done);
    std::copy_n(block, n, out.data() + done);
    done += n;
  }
  return true;
}

bool hkdfExpandLabel(std::span<const uint8_t> secret, std::string_view label, std::span<uint8_t> out) {
  // struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255> = ""; }
  std::string full = "tls13 ";
  full += label;
  if (full.size() > 255 || out.size() > 0xffff) return false;
  uint8_t info[2 + 1 + 255 + 1];
  size_t n = 0;
  info[n++] = static_cast<uint8_t>(out.size() >> 8);
  info[n++] = static_cast<uint8_t>(out.size());
  info[n++] = static_cast<uint8_t>(full.size());
  for (char c : full) info[n++] = static_cast<uint8_t>(c);
  info[n++] = 0;
  return hkdfExpand(secret, std::span<const uint8_t>(info, n), out);
}

std::optional<InitialKeys> deriveInitialKeys(const VersionParameters& version, std::span<const uint8_t> dcid,
                                             Side side) {
  std::array<uint8_t, 32> initialSecret{};
  // HKDF-Extract(salt, dcid): the connection ID is the input keying material.
  if (!hkdfExtract(version.salt, dcid, initialSecret)) return std::nullopt;
  std::array<uint8_t, 32> secret{};
  if (!hkdfExpandLabel(initialSecret, side == Side::kClient ? "client in" : "server in", secret))
    return std::nullopt;
  InitialKeys keys;
  if (!hkdfExpandLabel(secret, version.keyLabel, keys.key) ||
      !hkdfExpandLabel(secret, version.ivLabel, keys.iv) ||
      !hkdfExpandLabel(secret, version.hpLabel, keys.hp))
    return std::nullopt;
  return keys;
}

}  // namespace netmeter::quic
