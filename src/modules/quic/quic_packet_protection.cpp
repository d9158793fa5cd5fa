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
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

constexpr size_t kTagLength = 16;
constexpr size_t kSampleLength = 16;
constexpr size_t kMaxHeader = 1 + 4 + 1 + 255 + 1 + 255 + 8 + 8 + 4;

}  // namespace

bool headerMask(const InitialKeys& keys, std::span<const uint8_t> sample, std::array<uint8_t, 16>& mask) {
  if (sample.size() < kSampleLength) return false;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  return ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, keys.hp.data(), nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
         EVP_EncryptUpdate(ctx.get(), mask.data(), &length, sample.data(), static_cast<int>(kSampleLength)) ==
             1 &&
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
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, keys.key.data(), nonce.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, aad.data(), static_cast<int>(aadLength)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), scratch.data(), &length, ciphertext, static_cast<int>(plainLength)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagLength),
                          const_cast<uint8_t*>(ciphertext + plainLength)) != 1)
    return {};
  int finalLength = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), scratch.data() + length, &finalLength) != 1) return {};
  return scratch.first(plainLength);
}

}  // namespace netmeter::quic
