#include "modules/quic/quic_initial_keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <memory>
#include <string>

namespace netmeter::quic {

namespace {

struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter>;

// The HKDF implementation, fetched once per process (EVP_KDF objects are shareable between threads).
EVP_KDF* hkdf() {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

bool runHkdf(int mode, std::span<const uint8_t> key, std::span<const uint8_t> saltOrInfo,
             std::span<uint8_t> out) {
  if (hkdf() == nullptr) return false;
  KdfCtx ctx(EVP_KDF_CTX_new(hkdf()));
  if (!ctx) return false;
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.data()), key.size());
  if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(saltOrInfo.data()), saltOrInfo.size());
  } else {
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(saltOrInfo.data()), saltOrInfo.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  return EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1;
}

}  // namespace

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
  return runHkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, std::span<const uint8_t>(info, n), out);
}

std::optional<InitialKeys> deriveInitialKeys(const VersionParameters& version, std::span<const uint8_t> dcid,
                                             Side side) {
  std::array<uint8_t, 32> initialSecret{};
  // HKDF-Extract(salt, dcid): the connection ID is the input keying material.
  if (!runHkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, version.salt, initialSecret)) return std::nullopt;
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
