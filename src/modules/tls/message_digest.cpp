#include "modules/tls/message_digest.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace netmeter::tls {
namespace {

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdContextDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD* fetched(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();  // MD5 and SHA-256 are in OpenSSL's default provider
  return md;
}

template <size_t Size>
std::array<uint8_t, Size> digest(const EVP_MD* md, std::string_view data) {
  thread_local std::unique_ptr<EVP_MD_CTX, MdContextDeleter> context(EVP_MD_CTX_new());
  std::array<uint8_t, Size> out{};
  unsigned int length = 0;
  if (!context || EVP_DigestInit_ex2(context.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), out.data(), &length) != 1 || length != Size)
    std::abort();  // only fails on allocation failure
  return out;
}

}  // namespace

std::array<uint8_t, 16> md5(std::string_view data) {
  static const std::unique_ptr<EVP_MD, MdDeleter> kMd5(fetched("MD5"));
  return digest<16>(kMd5.get(), data);
}

std::array<uint8_t, 32> sha256(std::string_view data) {
  static const std::unique_ptr<EVP_MD, MdDeleter> kSha256(fetched("SHA256"));
  return digest<32>(kSha256.get(), data);
}

}  // namespace netmeter::tls
