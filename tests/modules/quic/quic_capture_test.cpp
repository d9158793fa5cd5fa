// QUIC captures of the nDPI test suite: version, SNI and ALPN read from decrypted Initial packets.
#include <gtest/gtest.h>

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
