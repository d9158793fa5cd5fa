#include "modules/quic/quic_packet_protection.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

namespace netmeter::quic {

namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct CipherDeleter {
  void operator()(EVP_CIPHER* c) const { EVP_CIPHER_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
using Cipher = std::unique_ptr<EVP_CIPHER, CipherDeleter>;

// The ciphers are fetched from OpenSSL's provider once per process and each thread reuses one context
// per cipher: EVP_aes_128_gcm() with a fresh context looks the implementation up and allocates for
// every packet, which costs more than decrypting a 1200-byte Initial.
const EVP_CIPHER* aes128Ecb() {
  static const Cipher kCipher(EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr));
  return kCipher.get();
}
const EVP_CIPHER* aes128Gcm() {
  static const Cipher kCipher(EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr));
  return kCipher.get();
}
EVP_CIPHER_CTX* headerContext() {
  thread_local CipherCtx ctx(EVP_CIPHER_CTX_new());
  return ctx.get();
}
EVP_CIPHER_CTX* payloadContext() {
  thread_local CipherCtx ctx(EVP_CIPHER_CTX_new());
  return ctx.get();
}

constexpr size_t kTagLength = 16;
constexpr size_t kSampleLength = 16;
constexpr size_t kMaxHeader = 1 + 4 + 1 + 255 + 1 + 255 + 8 + 8 + 4;

}  // namespace

bool headerMask(const InitialKeys& keys, std::span<const uint8_t> sample, std::array<uint8_t, 16>& mask) {
  if (sample.size() < kSampleLength) return false;
  EVP_CIPHER_CTX* ctx = headerContext();
  int length = 0;
  return ctx != nullptr && aes128Ecb() != nullptr &&
         EVP_EncryptInit_ex2(ctx, aes128Ecb(), keys.hp.data(), nullptr, nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
         EVP_EncryptUpdate(ctx, mask.data(), &length, sample.data(), static_cast<int>(kSampleLength)) == 1 &&
         length == 16;
}

std::span<const uint8_t> openPacket(std::span<const uint8_t> packet, const LongHeader& header,
                                    const InitialKeys& keys, std::span<uint8_t> scratch) {
  size_t pnOffset = header.packetNumberOffset;
  // The sample starts 4 bytes after the start of the packet number (RFC 9001 §5.4.2).
  if (header.size > packet.size() || header.packetLength < 4 + kSampleLength || pnOffset > kMaxHeader ||
      scratch.size() < header.packetLength)
    return {};
  std::array<uint8_t, 16> mask{};
  if (!headerMask(keys, packet.subspan(pnOffset + 4, kSampleLength), mask)) return {};

  // Unprotected header (first byte and packet number) in a local copy: it is the AEAD's associated data.
  std::array<uint8_t, kMaxHeader + 4> aad{};
  std::copy_n(packet.data(), pnOffset + 4, aad.data());
  aad[0] ^= mask[0] & 0x0f;
  size_t pnLength = (aad[0] & 0x03) + 1;
  uint64_t packetNumber = 0;
  for (size_t i = 0; i < pnLength; ++i) {
    aad[pnOffset + i] ^= mask[1 + i];
    packetNumber = (packetNumber << 8) | aad[pnOffset + i];
  }
  size_t aadLength = pnOffset + pnLength;
  size_t cipherLength = header.packetLength - pnLength;
  if (cipherLength < kTagLength) return {};
  size_t plainLength = cipherLength - kTagLength;

  std::array<uint8_t, 12> nonce = keys.iv;
  for (size_t i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<uint8_t>(packetNumber >> (8 * i));

  const uint8_t* ciphertext = packet.data() + aadLength;
  EVP_CIPHER_CTX* ctx = payloadContext();
  int length = 0;
  // GCM's default IV length is the 12 bytes QUIC uses (RFC 9001 §5.3).
  if (ctx == nullptr || aes128Gcm() == nullptr ||
      EVP_DecryptInit_ex2(ctx, aes128Gcm(), keys.key.data(), nonce.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx, nullptr, &length, aad.data(), static_cast<int>(aadLength)) != 1 ||
      EVP_DecryptUpdate(ctx, scratch.data(), &length, ciphertext, static_cast<int>(plainLength)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagLength),
                          const_cast<uint8_t*>(ciphertext + plainLength)) != 1)
    return {};
  int finalLength = 0;
  if (EVP_DecryptFinal_ex(ctx, scratch.data() + length, &finalLength) != 1) return {};
  return scratch.first(plainLength);
}

}  // namespace netmeter::quic
