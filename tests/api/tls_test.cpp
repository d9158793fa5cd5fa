// TLS: the generated self-signed certificate, its reuse, given certificates, and when TLS is on.

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "api/state_dir.h"
#include "test_client.h"

namespace netmeter::api::testing {
namespace {

// The DNS names and IP addresses (as text) in the certificate's subjectAltName.
std::vector<std::string> subjectAltNames(const std::string& certFile, int* curve) {
  std::vector<std::string> out;
  std::FILE* f = std::fopen(certFile.c_str(), "r");
  if (f == nullptr) return out;
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) return out;
  EVP_PKEY* key = X509_get0_pubkey(cert);
  char group[64] = {};
  size_t len = 0;
  *curve = EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len) == 1 &&
                   std::string(group) == "prime256v1"
               ? 1
               : 0;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)));
    } else if (n->type == GEN_IPADD && ASN1_STRING_length(n->d.iPAddress) == 4) {
      const unsigned char* ip = ASN1_STRING_get0_data(n->d.iPAddress);
      out.push_back(std::to_string(ip[0]) + "." + std::to_string(ip[1]) + "." + std::to_string(ip[2]) + "." +
                    std::to_string(ip[3]));
    }
  }
  GENERAL_NAMES_free(names);
  X509_free(cert);
  return out;
}

class TlsTest : public ServerFixture {
 protected:
  void startTls(ServerOptions options) {
    options.tls = TlsMode::On;
    makeServer(std::move(options));
    server_->route(Method::Get, "/API/stats/time", Role::ReadOnly, [](const Request& req) {
      return Response::json(nlohmann::json{{"tls", req.tls}}.dump());
    });
    startServer(false);
  }
};

TEST_F(TlsTest, GeneratedCertificateIsUsedAndReused) {
  startTls(baseOptions());
  ASSERT_TRUE(server_->tlsEnabled());
  const std::string certFile = server_->certificateFile();
  EXPECT_EQ(certFile, server_->stateDir() + "/tls/cert.pem");
  EXPECT_EQ(fileMode(server_->stateDir() + "/tls/key.pem"), 0600u);
  int p256 = 0;
  auto names = subjectAltNames(certFile, &p256);
  EXPECT_EQ(p256, 1);
  EXPECT_NE(std::find(names.begin(), names.end(), "localhost"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "127.0.0.1"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), localHostName()), names.end());

  {
    HttpClient c(port(), HttpClient::TlsSettings{certFile, "localhost"});  // verifies chain and name
    auto r = c.get("/API/stats/time", admin());
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["tls"], true);
    r = c.request(http::verb::post, "/API/auth/login", {},
                  nlohmann::json{{"user", "admin"}, {"password", kAdminPassword}}.dump());
    EXPECT_NE(r.header("set-cookie").find("; Secure"), std::string::npos);
    EXPECT_EQ(c.get("/API/stats/time", admin()).status, 200);  // keep-alive over TLS
  }
  EXPECT_THROW(HttpClient(port(), HttpClient::TlsSettings{certFile, "not-this-host.example"}),
               std::exception);
  {
    HttpClient plain(port());  // plain HTTP to a TLS port: no answer, and the server lives on
    EXPECT_THROW(plain.get("/API/stats/time", admin()), std::exception);
  }

  std::string pem;
  ASSERT_TRUE(readFile(certFile, pem));
  server_->stop();
  log_.clear();
  startTls(baseOptions());  // the restart reuses the certificate
  std::string pemAgain;
  ASSERT_TRUE(readFile(certFile, pemAgain));
  EXPECT_EQ(pem, pemAgain);
  for (const auto& line : logLines()) EXPECT_EQ(line.find("certificate"), std::string::npos);
  HttpClient c(port(), HttpClient::TlsSettings{certFile, "localhost"});
  EXPECT_EQ(c.get("/API/stats/time", admin()).status, 200);
}

TEST_F(TlsTest, GivenCertificateAndKey) {
  // Make a certificate elsewhere and hand it over with certFile / keyFile.
  TempDir other;
  CertificateFiles files;
  std::string error;
  ASSERT_TRUE(ensureSelfSignedCertificate(other.path(), files, error)) << error;
  auto options = baseOptions();
  options.certFile = files.certFile;
  options.keyFile = files.keyFile;
  startTls(options);
  EXPECT_EQ(server_->certificateFile(), files.certFile);
  HttpClient c(port(), HttpClient::TlsSettings{files.certFile, "localhost"});
  EXPECT_EQ(c.get("/API/stats/time", admin()).status, 200);

  // A key that does not belong to the certificate is refused at start.
  TempDir third;
  CertificateFiles otherFiles;
  ASSERT_TRUE(ensureSelfSignedCertificate(third.path(), otherFiles, error)) << error;
  auto bad = baseOptions();
  bad.tls = TlsMode::On;
  bad.certFile = files.certFile;
  bad.keyFile = otherFiles.keyFile;
  Server wrong(bad);
  auto failure = wrong.start();
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->find(otherFiles.keyFile), std::string::npos) << *failure;
  bad.keyFile = "";
  Server half(bad);
  EXPECT_TRUE(half.start().has_value());
}

TEST_F(TlsTest, AutoModeIsOnExceptOnLoopback) {
  EXPECT_TRUE(isLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(isLoopbackAddress("127.1.2.3"));
  EXPECT_TRUE(isLoopbackAddress("::1"));
  EXPECT_TRUE(isLoopbackAddress("localhost"));
  EXPECT_FALSE(isLoopbackAddress("0.0.0.0"));
  EXPECT_FALSE(isLoopbackAddress("::"));
  EXPECT_FALSE(isLoopbackAddress("192.168.1.10"));
  EXPECT_TRUE(tlsEnabledFor(TlsMode::Auto, "0.0.0.0"));
  EXPECT_FALSE(tlsEnabledFor(TlsMode::Auto, "127.0.0.1"));
  EXPECT_FALSE(tlsEnabledFor(TlsMode::Off, "0.0.0.0"));
  EXPECT_TRUE(tlsEnabledFor(TlsMode::On, "127.0.0.1"));

  makeServer(baseOptions());  // Auto on 127.0.0.1
  startServer(false);
  EXPECT_FALSE(server_->tlsEnabled());
  HttpClient c(port());
  EXPECT_EQ(c.get("/API/auth/me", admin()).status, 200);
}

}  // namespace
}  // namespace netmeter::api::testing
