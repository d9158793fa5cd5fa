#include "api/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "api/state_dir.h"

namespace netmeter::api {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string opensslError(std::string_view what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return std::string(what) + ": " + buf;
}

bool addExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string pemOf(int (*write)(BIO*, void*), void* object) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get(), object) != 1) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

int writeCert(BIO* bio, void* cert) {
  return PEM_write_bio_X509(bio, static_cast<X509*>(cert));
}
int writeKey(BIO* bio, void* key) {
  return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(key), nullptr, nullptr, 0, nullptr, nullptr);
}

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool generate(const CertificateFiles& files, std::string& error) {
  PKeyPtr key(EVP_EC_gen("P-256"));
  if (!key) {
    error = opensslError("cannot generate an EC P-256 key");
    return false;
  }
  X509Ptr cert(X509_new());
  if (!cert) {
    error = opensslError("X509_new");
    return false;
  }
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) {
    error = opensslError("RAND_bytes");
    return false;
  }
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);  // what browsers still accept
  X509_set_pubkey(cert.get(), key.get());

  const std::string host = localHostName();
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("netmeter"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(host.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);

  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  if (!host.empty() && host != "localhost") san = "DNS:" + host + "," + san;
  if (!addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !addExtension(cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !addExtension(cert.get(), NID_ext_key_usage, "serverAuth") ||
      !addExtension(cert.get(), NID_subject_key_identifier, "hash") ||
      !addExtension(cert.get(), NID_subject_alt_name, san.c_str())) {
    error = opensslError("cannot add certificate extensions");
    return false;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    error = opensslError("cannot sign the certificate");
    return false;
  }
  std::string keyPem = pemOf(writeKey, key.get());
  std::string certPem = pemOf(writeCert, cert.get());
  if (keyPem.empty() || certPem.empty()) {
    error = opensslError("cannot encode the certificate");
    return false;
  }
  // Key first: a certificate without its key would be reused and fail on every start.
  return writeFileAtomic(files.keyFile, keyPem, 0600, error) &&
         writeFileAtomic(files.certFile, certPem, 0644, error);
}

}  // namespace

bool isLoopbackAddress(std::string_view address) {
  if (address == "localhost" || address == "::1" || address == "[::1]") return true;
  in_addr v4{};
  std::string a(address);
  if (::inet_pton(AF_INET, a.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

bool tlsEnabledFor(TlsMode mode, std::string_view bindAddress) {
  switch (mode) {
    case TlsMode::On:
      return true;
    case TlsMode::Off:
      return false;
    case TlsMode::Auto:
      return !isLoopbackAddress(bindAddress);
  }
  return true;
}

std::string localHostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

bool ensureSelfSignedCertificate(const std::string& stateDir, CertificateFiles& files, std::string& error) {
  const std::string dir = stateDir + "/tls";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  files.certFile = dir + "/cert.pem";
  files.keyFile = dir + "/key.pem";
  files.created = false;
  if (fileExists(files.certFile) && fileExists(files.keyFile)) return true;
  if (!generate(files, error)) return false;
  files.created = true;
  return true;
}

}  // namespace netmeter::api
