// QUIC captures of the nDPI test suite: version, SNI and ALPN read from decrypted Initial packets;
// Google QUIC captures: version, SNI and user agent of the cleartext CHLO.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "modules/tls/handshake_flows.h"
#include "test_paths.h"

namespace netmeter::test {
namespace {

const HandshakeFlow* findClientHello(const std::vector<HandshakeFlow>& flows) {
  for (const auto& f : flows)
    if (f.protocol == "UDP" && f.hasClientHello) return &f;
  return nullptr;
}

struct Expected {
  const char* file;
  const char* version;
  const char* sni;
  const char* alpn;
};

class QuicCapture : public ::testing::TestWithParam<Expected> {};

TEST_P(QuicCapture, ClientHelloFromInitialPackets) {
  const Expected& e = GetParam();
  MemoryAccount account;
  auto flows = handshakeFlows(sharedPcap(std::string("ndpi/") + e.file), account);
  const HandshakeFlow* f = findClientHello(flows);
  ASSERT_NE(f, nullptr) << e.file;
  EXPECT_EQ(f->quicVersion, e.version);
  EXPECT_EQ(f->sni, e.sni);
  EXPECT_EQ(f->quic.client.alpn, e.alpn);
  EXPECT_EQ(account.bytes, 0);
}

// quic-29.pcap is an interop run with a Retry: the server's Initial (ServerHello) is protected with
// keys from the Retry's connection ID.
TEST(QuicCaptureRetry, ServerHelloAfterRetry) {
  MemoryAccount account;
  auto flows = handshakeFlows(sharedPcap("ndpi/quic-29.pcap"), account);
  const HandshakeFlow* f = findClientHello(flows);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->quic.hasServerHello);
  EXPECT_EQ(f->quic.negotiatedCipher, 0x1303);  // tshark: frame 4, tls.handshake.ciphersuite 0x1303
  EXPECT_EQ(f->quic.negotiatedVersion, 0x0304);
}

// quic_interop_V.pcapng (interop runs of the version negotiation test): every client Initial carries
// the reserved version 0x0a0a0a0a (RFC 9000 §15) and is protected with v1's keys; tshark 4.0 reads
// its ClientHello (frame 1: nghttp2.org, the drafts' ALPNs), nDPI reports only the version.
TEST(QuicCaptureReservedVersion, ClientHelloOfAVersionNegotiationProbe) {
  MemoryAccount account;
  auto flows = handshakeFlows(sharedPcap("ndpi/quic_interop_V.pcapng"), account);
  const HandshakeFlow* f = findClientHello(flows);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->quic.version, 0x0a0a0a0au);
  EXPECT_EQ(f->sni, "nghttp2.org");
  EXPECT_EQ(f->quic.client.alpn, "hq-30,h3-30,hq-29,h3-29,hq-28,h3-28,hq-27,h3-27");
  EXPECT_EQ(f->ja3, "7d9e7f6dec1cb1dd8b79d72b1366b6cf");  // tshark tls.handshake.ja3
  EXPECT_EQ(f->quic.decryptFailures, 0u);
  size_t read = 0;
  for (const auto& flow : flows) read += flow.protocol == "UDP" && flow.hasClientHello;
  EXPECT_EQ(read, 63u);  // tshark: 63 connections with a ClientHello
  EXPECT_EQ(account.bytes, 0);
}

// Google QUIC: the version of the client's first packet and the SNI and user agent of its CHLO
// (values from nDPI's expected outputs and tshark's gquic.tag.sni / gquic.tag.uaid). The fourth shared
// capture with gQUIC, pcapplusplus/many_interfaces-1.pcapng, has interfaces of several link types,
// which libpcap does not read: tests/modules/tls/tls_module_test.cpp reads it with netmeter.
struct GoogleExpected {
  const char* file;
  const char* client;
  const char* version;
  const char* sni;
  const char* userAgent;
};

class GoogleQuicCapture : public ::testing::TestWithParam<GoogleExpected> {};

TEST_P(GoogleQuicCapture, ChloOfTheClient) {
  const GoogleExpected& e = GetParam();
  MemoryAccount account;
  auto flows = handshakeFlows(sharedPcap(e.file), account);
  const HandshakeFlow* f = nullptr;
  for (const auto& flow : flows)
    if (flow.client == e.client) f = &flow;
  ASSERT_NE(f, nullptr) << e.file;
  EXPECT_EQ(f->quicVersion, e.version);
  EXPECT_TRUE(f->quic.hasGoogleHello);
  EXPECT_FALSE(f->hasClientHello);  // no TLS: no JA3/JA4
  EXPECT_EQ(f->sni, e.sni);
  EXPECT_EQ(f->quic.userAgent, e.userAgent);
  EXPECT_EQ(account.bytes, 0);
  size_t google = 0;
  for (const auto& flow : flows) google += flow.quic.hasGoogleHello;
  EXPECT_EQ(google, 1u);  // tshark: one gQUIC connection in each
}

INSTANTIATE_TEST_SUITE_P(
    Shared, GoogleQuicCapture,
    ::testing::Values(
        // nDPI: [QUIC ver: Q025][Hostname/SNI: www.google.it][User-Agent: Chrome/46.0.2490.80 Linux x86_64]
        GoogleExpected{"ndpi/http_ipv6.pcap", "[2a00:d40:1:3:7aac:c0ff:fea7:d4c]:45931", "Q025",
                       "www.google.it", "Chrome/46.0.2490.80 Linux x86_64"},
        // nDPI: [QUIC ver: Q046][Hostname/SNI: i.ytimg.com]; the CHLO in a Q046 long header
        GoogleExpected{"ndpi/quic046.pcap", "192.168.1.236:50587", "Q046", "i.ytimg.com",
                       "Chrome/80.0.3987.132 Windows NT 6.3; Win64; x64"},
        // tshark: a full CHLO at stream offset 1024 (packet number 3: the capture missed the first)
        GoogleExpected{"tcpdump/gquic.pcap", "10.7.0.3:38824", "Q046", "clientservices.googleapis.com",
                       "Chrome/76.0.3809.89 Android 8.0.0; XT1650"}),
    [](const auto& param) {
      std::string name = param.param.file;
      std::replace_if(
          name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
      return name;
    });

// tcpdump's own decode of gquic.pcap (tcpdump/gquic.out, `-v`) names the version in hexadecimal.
TEST(GoogleQuicCaptureTcpdump, VersionAsTcpdumpDecodesIt) {
  std::ifstream in(sharedPcap("tcpdump/gquic.out"));
  std::stringstream text;
  text << in.rdbuf();
  std::smatch m;
  const std::string out = text.str();
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(quic, initial, v([0-9a-f]{8}))"))) << out;
  MemoryAccount account;
  auto flows = handshakeFlows(sharedPcap("tcpdump/gquic.pcap"), account);
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0].quic.version, std::stoul(m[1].str(), nullptr, 16));
}

// Values from the captures' nDPI expected outputs ([QUIC ver], [Hostname/SNI], [(Advertised) ALPNs]).
INSTANTIATE_TEST_SUITE_P(
    Ndpi, QuicCapture,
    ::testing::Values(Expected{"quic-29.pcap", "Draft-29", "localhost", "h3-29"},
                      Expected{"quic-v2.pcapng", "V-2", "test", "h3"},
                      Expected{"quic-27.pcap", "Draft-27", "play.google.com", "h3-27"},
                      Expected{"doq.pcapng", "Draft-32", "", "doq-i00"},
                      Expected{
                          "quic_frags_ch_in_multiple_packets.pcapng", "V-1", "",
                          "h3-34,hq-34,h3-33,hq-33,h3-32,hq-32,h3-31,hq-31,h3-29,hq-29,h3-30,hq-30,h3-28,"
                          "hq-28,h3-27,hq-27,h3,hq-interop"},
                      Expected{"dlt_ppp.pcap", "Draft-29", "server4", "hq-29"}),
    [](const auto& param) {
      std::string name = param.param.file;
      std::replace_if(
          name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
      return name;
    });

}  // namespace
}  // namespace netmeter::test
