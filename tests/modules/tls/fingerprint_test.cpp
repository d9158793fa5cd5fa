#include <gtest/gtest.h>

#include "modules/tls/client_hello.h"
#include "modules/tls/hello_builder.h"
#include "modules/tls/ja3.h"
#include "modules/tls/ja4.h"

namespace netmeter::test {
namespace {

tls::ClientHello parse(const ClientHelloSpec& spec) {
  tls::ClientHello h;
  EXPECT_EQ(tls::parseClientHello(spec.body(), h), tls::ParseResult::kOk);
  return h;
}

// The example of the JA3 README (salesforce/ja3): string and MD5.
TEST(Ja3, PublishedExample) {
  ClientHelloSpec spec;
  spec.version = 769;
  spec.ciphers = {47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4};
  spec.sni("example.com").groups({23, 24, 25}).pointFormats({0});
  tls::ClientHello h = parse(spec);
  EXPECT_EQ(tls::ja3String(h), "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
  EXPECT_EQ(tls::ja3Hex(tls::ja3Digest(h)), "ada70206e40642a3e4461f35503241d5");
}

TEST(Ja3, GreaseIsRemovedEverywhere) {
  ClientHelloSpec spec;
  spec.ciphers = {0x0a0a, 0x1301};
  spec.empty(0x1a1a).groups({0x2a2a, 29}).pointFormats({0});
  EXPECT_EQ(tls::ja3String(parse(spec)), "771,4865,10-11,29,0");
}

// The Chrome example of the JA4 specification (FoxIO-LLC/ja4, README): JA4 and JA4_r, here with
// GREASE values added, which JA4 ignores.
TEST(Ja4, PublishedChromeExample) {
  ClientHelloSpec spec;
  spec.ciphers = {0x4a4a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                  0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  spec.empty(0x8a8a)
      .sni("example.com")
      .empty(0x0017)
      .empty(0xff01)
      .groups({0x001d, 0x0017})
      .pointFormats({0})
      .empty(0x0023)
      .alpn({"h2", "http/1.1"})
      .empty(0x0005)
      .signatures({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601})
      .empty(0x0012)
      .empty(0x0033)
      .empty(0x002d)
      .versions({0x0304, 0x0303})
      .empty(0x001b)
      .empty(0x4469)
      .empty(0x0015);
  tls::ClientHello h = parse(spec);
  EXPECT_EQ(tls::ja4(h, tls::Ja4Transport::kTcp), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  EXPECT_EQ(tls::ja4Raw(h, tls::Ja4Transport::kTcp),
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
            "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
            "0403,0804,0401,0503,0805,0501,0806,0601");
  EXPECT_EQ(tls::ja4(h, tls::Ja4Transport::kQuic).substr(0, 1), "q");
}

TEST(Ja4, EdgeCasesOfPartA) {
  ClientHelloSpec spec;  // no SNI, no ALPN, TLS 1.0, no extensions at all
  spec.version = 0x0301;
  spec.ciphers = {0x002f};
  spec.withExtensionsBlock = false;
  EXPECT_EQ(tls::ja4(parse(spec), tls::Ja4Transport::kTcp).substr(0, 10), "t10i010000");
  EXPECT_EQ(tls::ja4(parse(spec), tls::Ja4Transport::kTcp).substr(24), "000000000000");

  ClientHelloSpec alpn;  // non-alphanumeric ALPN: first/last hex digit of the value
  alpn.ciphers = {0x1301};
  alpn.alpn({std::string("\xab\x01\xcd", 3)});
  EXPECT_EQ(tls::ja4(parse(alpn), tls::Ja4Transport::kTcp).substr(0, 10), "t12i0101ad");

  ClientHelloSpec none;  // no cipher suites at all
  EXPECT_EQ(tls::ja4(parse(none), tls::Ja4Transport::kTcp), "t12i000000_000000000000_000000000000");

  ClientHelloSpec many;  // counts are capped at 99
  for (uint16_t i = 0; i < 120; ++i) many.ciphers.push_back(static_cast<uint16_t>(0x0100 + i));
  EXPECT_EQ(tls::ja4(parse(many), tls::Ja4Transport::kTcp).substr(0, 10), "t12i990000");
}

TEST(Ja4, SignatureAlgorithmsKeepWireOrderAndOmitUnderscoreWhenAbsent) {
  ClientHelloSpec spec;
  spec.ciphers = {0x1301};
  spec.empty(0x0017);
  EXPECT_EQ(tls::ja4Raw(parse(spec), tls::Ja4Transport::kTcp), "t12i010100_1301_0017");
  spec.signatures({0x0804, 0x0403});
  EXPECT_EQ(tls::ja4Raw(parse(spec), tls::Ja4Transport::kTcp), "t12i010200_1301_000d,0017_0804,0403");
}

}  // namespace
}  // namespace netmeter::test
