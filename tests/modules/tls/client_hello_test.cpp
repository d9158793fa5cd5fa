#include "modules/tls/client_hello.h"

#include <gtest/gtest.h>

#include "modules/tls/hello_builder.h"
#include "modules/tls/server_hello.h"
#include "modules/tls/tls_constants.h"

namespace netmeter::test {
namespace {

using tls::ParseResult;

TEST(ClientHello, ParsesEveryFingerprintedField) {
  ClientHelloSpec spec;
  spec.ciphers = {0x1a1a, 0x1301, 0xc02f};
  spec.sni("www.example.org")
      .alpn({"h2", "http/1.1"})
      .groups({0x2a2a, 0x001d, 0x0017})
      .pointFormats({0})
      .signatures({0x0403, 0x0804})
      .versions({0x3a3a, 0x0304, 0x0303})
      .empty(0xff01);
  Bytes body = spec.body();
  tls::ClientHello h;
  ASSERT_EQ(tls::parseClientHello(body, h), ParseResult::kOk);
  EXPECT_EQ(h.legacyVersion, 0x0303);
  EXPECT_EQ(h.cipherSuites.size, 3u);
  EXPECT_EQ(h.sni(), "www.example.org");
  EXPECT_EQ(h.alpn(), "h2");
  EXPECT_EQ(h.alpns(), "h2,http/1.1");
  EXPECT_EQ(h.supportedGroups.size, 3u);
  EXPECT_EQ(h.pointFormats.size, 1u);
  EXPECT_EQ(h.signatureAlgorithms.size, 2u);
  EXPECT_EQ(h.supportedVersions.size, 3u);
  EXPECT_EQ(h.maxVersion(), 0x0304);  // GREASE ignored
  ASSERT_EQ(h.extensions.size, 7u);
  EXPECT_EQ(h.extensions.values[0], 0x0000);
  EXPECT_EQ(h.extensions.values[6], 0xff01);
  EXPECT_FALSE(h.truncated());
}

TEST(ClientHello, WithoutExtensionsIsValid) {
  ClientHelloSpec spec;
  spec.ciphers = {0x002f};
  spec.withExtensionsBlock = false;
  tls::ClientHello h;
  EXPECT_EQ(tls::parseClientHello(spec.body(), h), ParseResult::kOk);
  EXPECT_FALSE(h.hasServerName);
  EXPECT_EQ(h.maxVersion(), 0x0303);
}

TEST(ClientHello, EveryTruncationIsMalformedNotACrash) {
  ClientHelloSpec spec;
  spec.ciphers = {0x1301, 0x1302};
  spec.sni("a.example").alpn({"h3"}).groups({0x001d}).versions({0x0304});
  Bytes body = spec.body();
  for (size_t n = 0; n < body.size(); ++n) {
    Bytes cut(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(n));
    tls::ClientHello h;
    auto r = tls::parseClientHello(cut, h);
    // A cut exactly after the compression methods is a valid extension-less hello.
    if (n == 2 + 32 + 33 + 2 + 4 + 2) {
      EXPECT_EQ(r, ParseResult::kOk);
    } else {
      EXPECT_EQ(r, ParseResult::kMalformed) << "cut at " << n;
    }
  }
}

TEST(ClientHello, LongListsOverflowInsteadOfAllocating) {
  ClientHelloSpec spec;
  for (uint16_t i = 0; i < 200; ++i) spec.ciphers.push_back(static_cast<uint16_t>(0x0100 + i));
  tls::ClientHello h;
  ASSERT_EQ(tls::parseClientHello(spec.body(), h), ParseResult::kOk);
  EXPECT_EQ(h.cipherSuites.size, 128u);
  EXPECT_TRUE(h.truncated());
}

TEST(ClientHello, OverlongNamesAreCut) {
  ClientHelloSpec spec;
  spec.ciphers = {0x1301};
  spec.sni(std::string(400, 'x')).alpn({std::string(200, 'a'), std::string(200, 'b')});
  tls::ClientHello h;
  ASSERT_EQ(tls::parseClientHello(spec.body(), h), ParseResult::kOk);
  EXPECT_EQ(h.sni().size(), tls::ClientHello::kMaxName);
  EXPECT_EQ(h.alpn().size(), 200u);
  EXPECT_EQ(h.alpns().size(), tls::ClientHello::kMaxName);
}

TEST(ServerHello, NegotiatedVersionPrefersSupportedVersions) {
  tls::ServerHello s;
  ASSERT_EQ(tls::parseServerHello(serverHelloBody(0x1301, 0x0304), s), ParseResult::kOk);
  EXPECT_EQ(s.version(), 0x0304);
  EXPECT_EQ(s.cipherSuite, 0x1301);
  EXPECT_FALSE(s.helloRetryRequest);
  tls::ServerHello t;
  ASSERT_EQ(tls::parseServerHello(serverHelloBody(0xc02f), t), ParseResult::kOk);
  EXPECT_EQ(t.version(), 0x0303);
  tls::ServerHello r;
  ASSERT_EQ(tls::parseServerHello(serverHelloBody(0x1302, 0x0304, true), r), ParseResult::kOk);
  EXPECT_TRUE(r.helloRetryRequest);
}

TEST(TlsNames, VersionsCiphersAlerts) {
  EXPECT_EQ(tls::versionName(0x0303), "TLSv1.2");
  EXPECT_EQ(tls::versionName(0x0304), "TLSv1.3");
  EXPECT_EQ(tls::cipherSuiteName(0x1301), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(tls::cipherSuiteName(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(tls::cipherSuiteName(0x1234), "");
  EXPECT_EQ(tls::alertDescriptionName(40), "handshake_failure");
  EXPECT_EQ(tls::alertLevelName(2), "fatal");
  EXPECT_TRUE(tls::isGrease(0x0a0a));
  EXPECT_TRUE(tls::isGrease(0xfafa));
  EXPECT_FALSE(tls::isGrease(0x0a1a));
}

}  // namespace
}  // namespace netmeter::test
