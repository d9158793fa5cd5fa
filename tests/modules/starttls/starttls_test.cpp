// STARTTLS: SMTP, IMAP, POP3 and FTP connections followed in cleartext until the upgrade, then read
// as TLS (handed from the STARTTLS analyzer to TLS through the dispatch, as a CONNECT tunnel's
// stream). The TLS bytes are real: the TCP payloads of zeek/traces/tls/tls1.2.pcap and of
// ndpi/443-curl.pcap, read with libpcap.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "decode/capture_reader.h"
#include "l7_test_util.h"
#include "modules/app/tcp_reorder_buffer.h"
#include "report/json_report.h"
#include "support/one_connection_analysis.h"

namespace netmeter {
namespace {

constexpr int64_t kMs = 1'000'000;

// One TCP payload of a captured TLS connection: its direction, bytes and time after the
// connection's first payload.
struct TlsSegment {
  bool fromClient = false;
  std::string bytes;
  int64_t offset = 0;
};

// The payloads of the first TCP connection of a shared capture, in capture order (at most `limit`);
// the client is the sender of the SYN.
std::vector<TlsSegment> capturedTls(const std::string& capture, size_t limit = SIZE_MAX) {
  std::vector<TlsSegment> out;
  std::string error;
  bool haveClient = false;
  IpAddress client;
  uint16_t clientPort = 0;
  PacketTime first = 0;
  for (const test::CapturedPacket& packet : test::readCapture(test::sharedPcap(capture), &error)) {
    const DecodedPacket& p = packet.decoded;
    if (!p.isTcp()) continue;
    if (!haveClient && (p.tcpFlags & (tcpflag::kSyn | tcpflag::kAck)) == tcpflag::kSyn) {
      haveClient = true;
      client = p.srcIp;
      clientPort = p.srcPort;
    }
    if (p.payloadLength == 0 || !haveClient || out.size() == limit) continue;
    if (out.empty()) first = p.timestamp;
    const auto* data = reinterpret_cast<const char*>(packet.bytes.data() + p.payloadOffset);
    out.push_back({p.srcIp == client && p.srcPort == clientPort, std::string(data, p.payloadLength),
                   p.timestamp - first});
  }
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_FALSE(out.empty()) << capture;
  return out;
}

// zeek/traces/tls/tls1.2.pcap, as tshark reads it: ClientHello (frame 4) JA3
// bd9c99b3a0f752c3ab8b052a79e9de3e, no SNI; ServerHello (frame 5, 41.085 ms later) TLS 1.2 with
// TLS_RSA_WITH_RC4_128_MD5; one encrypted alert from the client at the end (frame 20).
const std::vector<TlsSegment>& tls12() {
  static const std::vector<TlsSegment> segments = capturedTls("zeek/traces/tls/tls1.2.pcap");
  return segments;
}
// ndpi/443-curl.pcap's handshake (its first 8 payloads): SNI www.ntop.org, JA3
// 2a26b1a62e40d25d4de3babc9d532f30 (tshark), ServerHello 40.678 ms after the ClientHello.
const std::vector<TlsSegment>& curlTls() {
  static const std::vector<TlsSegment> segments = capturedTls("ndpi/443-curl.pcap", 8);
  return segments;
}
constexpr const char* kJa3Tls12 = "bd9c99b3a0f752c3ab8b052a79e9de3e";

// One TCP connection 10.0.0.1:40000 -> 10.0.0.2:port with a handshake; each side's segments follow
// its stream unless sent at an explicit sequence number.
struct MailFlow {
  test::SyntheticSource source;
  uint16_t port;
  uint32_t clientSeq = 1000;
  uint32_t serverSeq = 90000;

  explicit MailFlow(uint16_t serverPort) : port(serverPort) {
    frame(true, "", clientSeq - 1, 0x02, 0);
    frame(false, "", serverSeq - 1, 0x12, 1);
    frame(true, "", clientSeq, 0x10, 2);
  }
  void frame(bool fromClient, const std::string& bytes, uint32_t seq, uint8_t flags, int64_t ms) {
    test::FrameSpec f = test::segment(fromClient, bytes, seq, port);
    f.tcpFlags = flags;
    f.tcpAck = fromClient ? serverSeq : clientSeq;
    source.add(test::buildFrame(f), test::kTestEpoch + ms * kMs);
  }
  void send(bool fromClient, const std::string& bytes, int64_t ms) {
    uint32_t& seq = fromClient ? clientSeq : serverSeq;
    frame(fromClient, bytes, seq, 0x18, ms);
    seq += uint32_t(bytes.size());
  }
  void client(const std::string& bytes, int64_t ms) { send(true, bytes, ms); }
  void server(const std::string& bytes, int64_t ms) { send(false, bytes, ms); }
  // Bytes a side will send; `at` sends them later (reordered) at the sequence number they take now.
  uint32_t reserve(bool fromClient, size_t n) {
    uint32_t& seq = fromClient ? clientSeq : serverSeq;
    const uint32_t at = seq;
    seq += uint32_t(n);
    return at;
  }
  void at(bool fromClient, uint32_t seq, const std::string& bytes, int64_t ms) {
    frame(fromClient, bytes, seq, 0x18, ms);
  }
  // The captured TLS connection's payloads, from `ms` on with their own spacing.
  void tls(const std::vector<TlsSegment>& segments, int64_t ms) {
    for (const TlsSegment& s : segments) send(s.fromClient, s.bytes, ms + s.offset / kMs);
  }
};

using MailResult = test::OneConnection;

MailResult analyzeMailFlow(MailFlow& flow, const char* l7 = "all", unsigned threads = 1) {
  EngineOptions o;
  o.l7 = *L7Analyzers::parse(l7);
  o.threads = threads;
  return test::analyzeOneConnection(flow.source, o);
}

nlohmann::json upgradedAs(const char* protocol, bool upgraded = true) {
  return {{"protocol", protocol}, {"upgraded", upgraded}};
}

std::vector<std::string> serverNames(const nlohmann::json& report) {
  std::vector<std::string> names;
  for (const auto& row : report["hostNames"])
    if (row["ip"] == "10.0.0.2")
      for (const auto& n : row["names"])
        names.push_back(n["name"].get<std::string>() + "/" + n["source"].get<std::string>());
  return names;
}

// Expects the connection's TLS to be tls1.2.pcap's, with the ClientHello sent `clientHelloMs`
// before the flow's TLS began.
void expectTls12(const MailResult& r, uint16_t port) {
  const auto& tls = r.connection["tls"];
  ASSERT_TRUE(tls.is_object()) << r.connection.dump();
  EXPECT_EQ(tls["sni"], "");
  EXPECT_EQ(tls["ja3"], kJa3Tls12);
  EXPECT_EQ(tls["negotiatedVersion"], "TLSv1.2");
  EXPECT_EQ(tls["negotiatedCipherSuite"], "TLS_RSA_WITH_RC4_128_MD5");
  EXPECT_EQ(tls["handshakeResponseTime"], 41 * kMs);  // 41.085 ms in the capture, whole ms here
  EXPECT_EQ(tls["encryptedAlerts"], 1);
  ASSERT_EQ(r.report["tlsServers"].size(), 1u);
  EXPECT_EQ(r.report["tlsServers"][0]["ip"], "10.0.0.2");
  EXPECT_EQ(r.report["tlsServers"][0]["port"], port);
  EXPECT_EQ(r.report["tlsServers"][0]["clientHellos"], 1);
  ASSERT_EQ(r.report["tlsClients"].size(), 1u);
  EXPECT_EQ(r.report["tlsClients"][0]["ip"], "10.0.0.1");
}

struct Dialog {
  const char* protocol;
  uint16_t port;
  std::vector<std::pair<bool, std::string>> lines;  // (from client, segment)
};

// The four protocols' usual way to the upgrade.
std::vector<Dialog> dialogs() {
  return {
      {"smtp",
       25,
       {{false, "220 mx.example.org ESMTP Postfix\r\n"},
        {true, "EHLO client.example.org\r\n"},
        {false, "250-mx.example.org\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"},
        {true, "STARTTLS\r\n"},
        {false, "220 2.0.0 Ready to start TLS\r\n"}}},
      {"imap",
       143,
       {{false, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"},
        {true, "a1 CAPABILITY\r\n"},
        {false, "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na1 OK done\r\n"},
        {true, "a2 starttls\r\n"},
        {false, "a2 OK Begin TLS negotiation now\r\n"}}},
      {"pop3",
       110,
       {{false, "+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n"},
        {true, "CAPA\r\n"},
        {false, "+OK Capability list follows\r\nTOP\r\nUIDL\r\n+OK\r\nSTLS\r\n.\r\n"},
        {true, "STLS\r\n"},
        {false, "+OK Begin TLS negotiation\r\n"}}},
      {"ftp",
       21,
       {{false, "220-Welcome to the FTP service\r\n  no anonymous access\r\n220 ready\r\n"},
        {true, "FEAT\r\n"},
        {false, "211-Features:\r\n AUTH TLS\r\n PBSZ\r\n211 End\r\n"},
        {true, "AUTH TLS\r\n"},
        {false, "234 Proceed with negotiation.\r\n"}}},
      // AUTH SSL answered 334, as servers of the draft before RFC 4217 (and Wireshark) do.
      {"ftp",
       21,
       {{false, "220 ProFTPD Server ready.\r\n"}, {true, "AUTH SSL\r\n"}, {false, "334 AUTH SSL OK.\r\n"}}},
  };
}

// Each protocol's cleartext start, the upgrade, then a real TLS 1.2 session: the connection reports
// its upgrade and its TLS, its TLS server is the server's IP:port, and nDPI's classification is the
// one it has without the STARTTLS analyzer.
TEST(StartTls, ReadsTheTlsAfterTheUpgrade) {
  for (const Dialog& d : dialogs()) {
    SCOPED_TRACE(d.protocol);
    const auto makeFlow = [&](MailFlow& flow) {
      int64_t ms = 10;
      for (const auto& [fromClient, bytes] : d.lines) flow.send(fromClient, bytes, ms += 5);
      flow.tls(tls12(), ms + 2);
    };
    MailFlow flow(d.port);
    makeFlow(flow);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs(d.protocol)) << r.connection.dump();
    expectTls12(r, d.port);
    // The longer of the handshake and the first data response time: the client's data of frame 13
    // (3.067 s) answered by frame 16 (3.256 s).
    EXPECT_EQ(r.connection["l7ResponseTime"], 189 * kMs);
    EXPECT_FALSE(r.analyzerDone);  // TLS follows the record layer until the end

    MailFlow plain(d.port);
    makeFlow(plain);
    const MailResult dpiOnly = analyzeMailFlow(plain, "dpi,tls");
    EXPECT_EQ(r.connection["l7Protocol"], dpiOnly.connection["l7Protocol"]);
    EXPECT_FALSE(dpiOnly.connection.contains("starttls"));
  }
}

// The SNI of TLS after STARTTLS names the server the connection reaches (unlike a CONNECT tunnel's):
// it becomes an alternative name of its address, as for direct TLS.
TEST(StartTls, TheSniNamesTheServer) {
  MailFlow flow(587);
  flow.server("220 smtp.example.org ESMTP\r\n", 10);
  flow.client("EHLO me\r\n", 11);
  flow.server("250-smtp.example.org\r\n250 STARTTLS\r\n", 12);
  flow.client("STARTTLS\r\n", 13);
  flow.server("220 go ahead\r\n", 14);
  flow.tls(curlTls(), 20);
  const MailResult r = analyzeMailFlow(flow);
  EXPECT_EQ(r.connection["starttls"], upgradedAs("smtp"));
  ASSERT_TRUE(r.connection["tls"].is_object()) << r.connection.dump();
  EXPECT_EQ(r.connection["tls"]["sni"], "www.ntop.org");
  EXPECT_EQ(r.connection["tls"]["ja3"], "2a26b1a62e40d25d4de3babc9d532f30");
  EXPECT_EQ(r.connection["tls"]["negotiatedCipherSuite"], "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(serverNames(r.report), std::vector<std::string>{"www.ntop.org/TLS"});
  EXPECT_EQ(r.report["tlsServers"][0]["serverNames"][0]["name"], "www.ntop.org");
}

// A refused upgrade (SMTP 454, IMAP NO, POP3 -ERR, FTP 534) keeps the connection in cleartext and
// followed: the client's next attempt, answered positively, upgrades it.
TEST(StartTls, ARefusedUpgradeIsFollowedByAnAcceptedOne) {
  const std::vector<Dialog> refusedFirst = {
      {"smtp",
       25,
       {{false, "220 mx ESMTP\r\n"},
        {true, "EHLO c\r\n"},
        {false, "250-mx\r\n250 STARTTLS\r\n"},
        {true, "STARTTLS\r\n"},
        {false, "454 4.7.0 TLS not available due to temporary reason\r\n"},
        {true, "NOOP\r\n"},
        {false, "250 2.0.0 Ok\r\n"},
        {true, "STARTTLS\r\n"},
        {false, "220 2.0.0 Ready\r\n"}}},
      {"imap",
       143,
       {{false, "* OK ready\r\n"},
        {true, "x STARTTLS\r\n"},
        {false, "x NO not now\r\n"},
        {true, "y NOOP\r\n"},
        {false, "y OK\r\n"},
        {true, "z STARTTLS\r\n"},
        {false, "* BYE not you\r\nx OK wrong tag\r\n"},
        {false, "z OK go\r\n"}}},
      {"pop3",
       110,
       {{false, "+OK hi\r\n"},
        {true, "STLS\r\n"},
        {false, "-ERR not now\r\n"},
        {true, "STLS\r\n"},
        {false, "+OK\r\n"}}},
      {"ftp",
       21,
       {{false, "220 hi\r\n"},
        {true, "AUTH TLS\r\n"},
        {false, "534 not now\r\n"},
        {true, "AUTH SSL\r\n"},
        {false, "234 AUTH SSL OK\r\n"}}},
  };
  for (const Dialog& d : refusedFirst) {
    SCOPED_TRACE(d.protocol);
    MailFlow flow(d.port);
    int64_t ms = 10;
    for (const auto& [fromClient, bytes] : d.lines) flow.send(fromClient, bytes, ms += 5);
    flow.tls(tls12(), ms + 2);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs(d.protocol)) << r.connection.dump();
    expectTls12(r, d.port);
  }
}

// Refused for good: the connection goes on in cleartext (a mail sent: 354 ends the analysis), and
// the TLS-like bytes in it are not read.
TEST(StartTls, RefusedForGoodStaysCleartext) {
  MailFlow flow(25);
  flow.server("220 mx ESMTP\r\n", 10);
  flow.client("EHLO c\r\n", 11);
  flow.server("250 mx\r\n", 12);
  flow.client("STARTTLS\r\n", 13);
  flow.server("502 5.5.1 command not implemented\r\n", 14);
  flow.client("MAIL FROM:<a@example.org>\r\n", 15);
  flow.server("250 ok\r\n", 16);
  flow.client("DATA\r\n", 17);
  flow.server("354 go on\r\n", 18);
  flow.client(tls12()[0].bytes, 19);  // mail content that happens to look like a ClientHello
  flow.server(tls12()[1].bytes, 20);
  const MailResult r = analyzeMailFlow(flow);
  EXPECT_EQ(r.connection["starttls"], upgradedAs("smtp", false)) << r.connection.dump();
  EXPECT_FALSE(r.connection.contains("tls"));
  EXPECT_TRUE(r.analyzerDone);
  EXPECT_TRUE(r.report["tlsServers"].empty());
}

// Lines split anywhere over segments, commands pipelined in one segment, replies of several
// commands in one segment, the answer and the ServerHello in one segment, and a client that sends
// its ClientHello right behind STARTTLS, before the answer came.
TEST(StartTls, SplitPipelinedAndEarlyBytes) {
  const std::string& hello = tls12()[0].bytes;
  const std::string& serverHello = tls12()[1].bytes;
  {
    SCOPED_TRACE("SMTP pipelined, ClientHello behind STARTTLS");
    MailFlow flow(25);
    flow.server("220 mx", 10);
    flow.server(" ESMTP\r", 11);
    flow.server("\n", 12);
    flow.client("EHLO c\r\nSTARTTLS\r\n" + hello.substr(0, 100), 13);
    flow.client(hello.substr(100), 14);
    flow.server("250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n220 Ready\r\n" + serverHello, 55);
    for (size_t i = 2; i < tls12().size(); ++i) flow.send(tls12()[i].fromClient, tls12()[i].bytes, 56);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs("smtp")) << r.connection.dump();
    ASSERT_TRUE(r.connection["tls"].is_object()) << r.connection.dump();
    EXPECT_EQ(r.connection["tls"]["ja3"], kJa3Tls12);
    EXPECT_EQ(r.connection["tls"]["negotiatedVersion"], "TLSv1.2");
    EXPECT_EQ(r.connection["tls"]["handshakeResponseTime"], 42 * kMs);  // ClientHello's first byte at 13 ms
    EXPECT_EQ(r.connection["tls"]["encryptedAlerts"], 1);
  }
  {
    SCOPED_TRACE("IMAP, commands and answers split in the middle");
    MailFlow flow(143);
    flow.server("* OK h", 10);
    flow.server("i\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\n", 11);
    flow.client("t1 STAR", 12);
    flow.client("TTLS", 13);
    flow.client("\r\n", 14);
    flow.server("t1 O", 15);
    flow.server("K\r\n", 16);
    flow.tls(tls12(), 20);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs("imap")) << r.connection.dump();
    expectTls12(r, 143);
  }
  {
    SCOPED_TRACE("POP3, the ClientHello captured before the +OK");
    MailFlow flow(110);
    flow.server("+OK hi\r\n", 10);
    flow.client("STLS\r\n", 11);
    flow.client(hello, 12);
    flow.server("+OK go\r\n", 13);
    flow.server(serverHello, 53);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs("pop3")) << r.connection.dump();
    ASSERT_TRUE(r.connection["tls"].is_object()) << r.connection.dump();
    EXPECT_EQ(r.connection["tls"]["ja3"], kJa3Tls12);
    EXPECT_EQ(r.connection["tls"]["handshakeResponseTime"], 41 * kMs);
  }
}

// Retransmitted and reordered segments around the upgrade: a retransmitted STARTTLS is not a second
// command, a ClientHello that overtook the STARTTLS command waits for it, an answer retransmitted
// after the ServerHello is not TLS, and a greeting retransmitted is not a second reply.
TEST(StartTls, RetransmissionsAndReordering) {
  const std::string& hello = tls12()[0].bytes;
  MailFlow flow(25);
  flow.server("220 mx ESMTP\r\n", 10);
  flow.client("EHLO c\r\n", 11);
  flow.at(false, flow.serverSeq - 14, "220 mx ESMTP\r\n", 12);  // the greeting again
  flow.server("250 STARTTLS\r\n", 13);
  const uint32_t command = flow.reserve(true, 10);
  flow.client(hello, 15);                      // overtook the command
  flow.at(true, command, "STARTTLS\r\n", 16);  // arrives after it
  flow.at(true, command, "STARTTLS\r\n", 17);  // and again
  flow.server("220 Ready\r\n", 18);
  flow.server(tls12()[1].bytes, 56);
  flow.at(false, flow.serverSeq - uint32_t(tls12()[1].bytes.size()) - 11, "220 Ready\r\n", 57);
  for (size_t i = 2; i < tls12().size(); ++i) flow.send(tls12()[i].fromClient, tls12()[i].bytes, 58);
  const MailResult r = analyzeMailFlow(flow);
  EXPECT_EQ(r.connection["starttls"], upgradedAs("smtp")) << r.connection.dump();
  ASSERT_TRUE(r.connection["tls"].is_object()) << r.connection.dump();
  EXPECT_EQ(r.connection["tls"]["ja3"], kJa3Tls12);
  EXPECT_EQ(r.connection["tls"]["negotiatedVersion"], "TLSv1.2");
  EXPECT_EQ(r.connection["tls"]["handshakeResponseTime"], 40 * kMs);  // read at 16 ms, when it could be
  EXPECT_EQ(r.connection["tls"]["encryptedAlerts"], 1);
  EXPECT_EQ(r.report["tlsServers"][0]["clientHellos"], 1);
}

// "220" on a port that is neither FTP's nor SMTP's: the client's first command tells which.
TEST(StartTls, TheClientTellsSmtpFromFtpOnOtherPorts) {
  for (const bool ftp : {false, true}) {
    SCOPED_TRACE(ftp ? "ftp" : "smtp");
    MailFlow flow(ftp ? 2121 : 2525);
    flow.server("220 service ready\r\n", 10);
    if (ftp) {
      flow.client("AUTH TLS\r\n", 11);
      flow.server("234 go\r\n", 12);
    } else {
      flow.client("EHLO c\r\n", 11);
      flow.server("250 STARTTLS\r\n", 12);
      flow.client("STARTTLS\r\n", 13);
      flow.server("220 go\r\n", 14);
    }
    flow.tls(tls12(), 20);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs(ftp ? "ftp" : "smtp")) << r.connection.dump();
    expectTls12(r, ftp ? 2121 : 2525);
  }
  // Before the client said anything.
  MailFlow flow(2121);
  flow.server("220 service ready\r\n", 10);
  const MailResult r = analyzeMailFlow(flow);
  EXPECT_EQ(r.connection["starttls"], upgradedAs("smtp-or-ftp", false)) << r.connection.dump();
}

// Connections that never upgrade are given up after a bounded number of lines or bytes, on a line
// that is no reply of the protocol, and on a hole in the cleartext; from then on nothing is read.
TEST(StartTls, GivesUpWithoutAnUpgrade) {
  {
    SCOPED_TRACE("lines");
    MailFlow flow(143);
    flow.server("* OK ready\r\n", 10);
    for (uint32_t i = 0; i < StartTlsModule::kMaxLines / 2; ++i) {
      flow.client("a" + std::to_string(i) + " NOOP\r\n", 11 + i);
      flow.server("a" + std::to_string(i) + " OK\r\n", 11 + i);
    }
    flow.client("b STARTTLS\r\n", 200);
    flow.server("b OK\r\n", 201);
    flow.tls(tls12(), 210);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs("imap", false)) << r.connection.dump();
    EXPECT_FALSE(r.connection.contains("tls"));
    EXPECT_TRUE(r.analyzerDone);
  }
  {
    SCOPED_TRACE("bytes");
    MailFlow flow(110);
    flow.server("+OK ready\r\n", 10);
    flow.client("CAPA\r\n", 11);
    flow.server("+OK\r\n" + std::string(StartTlsModule::kMaxBytes, 'x') + "\r\n.\r\n", 12);
    flow.client("STLS\r\n", 13);
    flow.server("+OK\r\n", 14);
    flow.tls(tls12(), 20);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs("pop3", false)) << r.connection.dump();
    EXPECT_FALSE(r.connection.contains("tls"));
    EXPECT_TRUE(r.analyzerDone);
  }
  {
    SCOPED_TRACE("not a reply");
    MailFlow flow(2525);
    flow.server("220 hello\r\n", 10);
    flow.client("hello\r\n", 11);
    flow.server("SSH-2.0-OpenSSH_9.6\r\n", 12);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs("ftp", false)) << r.connection.dump();
    EXPECT_TRUE(r.analyzerDone);
  }
  {
    // The segments after it wait for the missing bytes (they could be a reordered segment) until
    // the reorder buffer is full.
    SCOPED_TRACE("a hole");
    MailFlow flow(25);
    flow.server("220 mx\r\n", 10);
    flow.reserve(true, 8);  // "EHLO c\r\n" not captured
    flow.client("STARTTLS\r\n", 12);
    for (size_t i = 0; i < TcpReorderBuffer::kMaxSegments; ++i) flow.client("NOOP\r\n", 13);
    const MailResult r = analyzeMailFlow(flow);
    EXPECT_EQ(r.connection["starttls"], upgradedAs("smtp", false)) << r.connection.dump();
    EXPECT_FALSE(r.connection.contains("tls"));
    EXPECT_TRUE(r.analyzerDone);
  }
}

// After the upgrade, a stream that does not begin like TLS is not read (and the analysis ends).
TEST(StartTls, AnUpgradeToSomethingElseIsNotRead) {
  MailFlow flow(25);
  flow.server("220 mx\r\n", 10);
  flow.client("STARTTLS\r\n", 11);
  flow.server("220 go\r\n", 12);
  flow.client("EHLO still cleartext\r\n", 13);
  flow.tls(tls12(), 20);
  const MailResult r = analyzeMailFlow(flow);
  EXPECT_EQ(r.connection["starttls"], upgradedAs("smtp")) << r.connection.dump();
  EXPECT_FALSE(r.connection.contains("tls"));
  EXPECT_TRUE(r.analyzerDone);
  EXPECT_EQ(r.tlsStateBytes, 0);
}

// The TLS state lives inside the STARTTLS state and is accounted with it: the STARTTLS state alone is
// what the same connection accounts without the TLS analyzer (which leaves the upgraded stream
// unread). Without the STARTTLS analyzer the connection has no analyzer state, nor TLS.
TEST(StartTls, TheTlsStateIsAccountedWithTheStartTlsState) {
  const auto makeFlow = [](MailFlow& flow) {
    flow.server("220 mx\r\n", 10);
    flow.client("EHLO c\r\n", 11);
    flow.server("250 STARTTLS\r\n", 12);
    flow.client("STARTTLS\r\n", 13);
    flow.server("220 go\r\n", 14);
    flow.tls(tls12(), 20);
  };
  MailFlow flow(25);
  makeFlow(flow);
  const MailResult r = analyzeMailFlow(flow);
  ASSERT_TRUE(r.connection["tls"].is_object());
  EXPECT_GT(r.tlsStateBytes, 0);
  EXPECT_GT(r.accountedBytes, r.tlsStateBytes);

  MailFlow again(25);
  makeFlow(again);
  const MailResult withoutTls = analyzeMailFlow(again, "dpi,starttls");
  EXPECT_EQ(withoutTls.connection["starttls"], upgradedAs("smtp"));
  EXPECT_FALSE(withoutTls.connection.contains("tls"));
  EXPECT_TRUE(withoutTls.analyzerDone);
  EXPECT_EQ(withoutTls.tlsStateBytes, 0);
  EXPECT_GT(withoutTls.accountedBytes, 0);
  EXPECT_EQ(r.accountedBytes, withoutTls.accountedBytes + r.tlsStateBytes);

  MailFlow plain(25);
  makeFlow(plain);
  const MailResult withoutStartTls = analyzeMailFlow(plain, "dpi,http,tls,dns,quic");
  EXPECT_FALSE(withoutStartTls.connection.contains("starttls"));
  EXPECT_FALSE(withoutStartTls.connection.contains("tls"));
  EXPECT_EQ(withoutStartTls.accountedBytes, 0);
}

// Held early bytes and reordered segments are released with the upgrade: what the connection
// accounts after it is the same as without them.
TEST(StartTls, BuffersAreReleasedAtTheUpgrade) {
  const auto run = [](bool early) {
    MailFlow flow(25);
    flow.server("220 mx\r\n", 10);
    if (early) {
      const uint32_t command = flow.reserve(true, 10);
      flow.client(tls12()[0].bytes, 11);           // overtook STARTTLS: held for reordering
      flow.at(true, command, "STARTTLS\r\n", 12);  // then held until the answer
    } else {
      flow.client("STARTTLS\r\n", 11);
    }
    flow.server("220 go\r\n", 13);
    if (!early) flow.client(tls12()[0].bytes, 14);
    flow.server(tls12()[1].bytes, 54);
    return analyzeMailFlow(flow);
  };
  const MailResult early = run(true);
  const MailResult waited = run(false);
  ASSERT_TRUE(early.connection["tls"].is_object()) << early.connection.dump();
  EXPECT_EQ(early.connection["tls"]["ja3"], kJa3Tls12);
  EXPECT_EQ(early.accountedBytes, waited.accountedBytes);
}

// Results do not depend on the worker count.
TEST(StartTls, ResultsDoNotDependOnTheWorkerCount) {
  nlohmann::json reports[2];
  for (const unsigned threads : {1u, 3u}) {
    MailFlow flow(25);
    flow.server("220 mx\r\n", 10);
    flow.client("STARTTLS\r\n", 11);
    flow.server("220 go\r\n", 12);
    flow.tls(curlTls(), 20);
    reports[threads == 1 ? 0 : 1] = analyzeMailFlow(flow, "all", threads).report;
  }
  for (const char* key : {"connections", "tlsServers", "tlsClients", "hostNames"})
    EXPECT_EQ(reports[0][key], reports[1][key]) << key;
}

}  // namespace
}  // namespace netmeter
