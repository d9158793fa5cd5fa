// The TLS and QUIC modules inside the engine: per-server, per-client and per-connection results in
// the JSON report for real captures (values cross-checked with tshark and the nDPI expected outputs).
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "io/capture_files.h"
#include "l7_test_util.h"
#include "modules/tls/hello_builder.h"
#include "modules/tls/tls_records.h"
#include "report/json_report.h"
#include "support/report_text.h"
#include "test_paths.h"

namespace netmeter::test {
namespace {

nlohmann::json analyze(const std::vector<std::string>& files, unsigned threads = 1) {
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(sharedPcap(f).string());
  auto opened = openCaptureFiles(paths);
  EXPECT_TRUE(opened.source) << opened.error.toString();
  EngineOptions options;
  options.threads = threads;
  Engine engine(options);
  engine.run(*opened.source);
  ReportInput input;
  input.interfaces = opened.source->interfaces();
  return nlohmann::json::parse(test::reportText(engine, input));
}

const nlohmann::json* find(const nlohmann::json& rows, const std::string& ip, int port = -1) {
  for (const auto& r : rows)
    if (r["ip"] == ip && (port < 0 || r["port"] == port)) return &r;
  return nullptr;
}

TEST(TlsModule, ServerStatisticsOfChromeCapture) {
  auto j = analyze({"ndpi/chrome.pcap"});
  const auto* s = find(j["tlsServers"], "146.48.58.18", 443);
  ASSERT_NE(s, nullptr);
  // 6 handshakes, 6 first-data responses, both timed six times (sums in ns: the averages below)
  const auto& all = (*s)["allTime"];
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ((std::vector<uint64_t>{all[0], all[1], all[2], all[4]}), (std::vector<uint64_t>{6, 6, 6, 6}));
  EXPECT_EQ(all[3].get<uint64_t>(), uint64_t((*s)["handshakeResponseTime"]["avg"].get<double>() * 6 + 0.5));
  EXPECT_EQ(all[5].get<uint64_t>(), uint64_t((*s)["firstDataResponseTime"]["avg"].get<double>() * 6 + 0.5));
  EXPECT_EQ((*s)["clientHellos"], 6);
  ASSERT_EQ((*s)["serverNames"].size(), 1u);
  EXPECT_EQ((*s)["serverNames"][0]["name"], "www.iit.cnr.it");
  EXPECT_EQ((*s)["serverNames"][0]["count"], 6);
  EXPECT_EQ((*s)["handshakeResponseTime"]["count"], 6);
  EXPECT_GT((*s)["handshakeResponseTime"]["min"].get<int64_t>(), 0);
  // tshark: all six ServerHellos select 0x1302 with supported_versions 0x0304.
  ASSERT_EQ((*s)["negotiated"].size(), 1u);
  EXPECT_EQ((*s)["negotiated"][0]["version"], "TLSv1.3");
  EXPECT_EQ((*s)["negotiated"][0]["cipherSuite"], "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ((*s)["negotiated"][0]["count"], 6);

  const auto* c = find(j["tlsClients"], "192.168.1.178");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ((*c)["allTime"], nlohmann::json{6});
  ASSERT_EQ((*c)["fingerprints"].size(), 2u);  // nDPI: 3 flows each
  EXPECT_EQ((*c)["fingerprints"][0]["ja4"], "t13d1516h2_8daaf6152771_9b887d9acb53");
  EXPECT_EQ((*c)["fingerprints"][0]["ja3"], "1b73862eae8f1711440a446b1ef357fd");
  EXPECT_EQ((*c)["fingerprints"][0]["count"], 3);

  int withTls = 0;
  for (const auto& conn : j["connections"]) {
    if (!conn.contains("tls")) continue;
    ++withTls;
    EXPECT_EQ(conn["tls"]["sni"], "www.iit.cnr.it");
    EXPECT_EQ(conn["tls"]["negotiatedCipherSuite"], "TLS_AES_256_GCM_SHA384");
    EXPECT_TRUE(conn["tls"]["handshakeResponseTime"].is_number());
  }
  EXPECT_EQ(withTls, 6);

  bool named = false;
  for (const auto& h : j["hostNames"])
    if (h["ip"] == "146.48.58.18")
      for (const auto& n : h["names"]) named |= n["name"] == "www.iit.cnr.it" && n["source"] == "TLS";
  EXPECT_TRUE(named);
}

// Once a connection's handshake is parsed its parsing state is freed, but its payloads are still
// offered to the analyzer, which follows only the record layer (for the alerts at the end) in the
// connection's state, whose account stays exact.
TEST(TlsModule, ConnectionsWithParsedHandshakesFollowOnlyTheRecordLayer) {
  auto opened = openCaptureFiles({sharedPcap("ndpi/chrome.pcap").string()});
  ASSERT_TRUE(opened.source) << opened.error.toString();
  Engine engine(EngineOptions{});
  engine.run(*opened.source);
  int tls = 0, released = 0, done = 0, accounted = 0;
  engine.forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) {
      if (c.app.analyzer != AppAnalyzer::kTls) return;
      ++tls;
      released += !TlsModule::session(c)->parsing();
      done += c.app.analyzerDone;
      accounted += c.app.analyzerState->accountedBytes == TlsModule::connectionStateBytes(c);
    });
  });
  EXPECT_EQ(tls, 6);
  EXPECT_EQ(released, 6);  // all six saw their first data response
  EXPECT_EQ(done, 0);      // no hole in any direction
  EXPECT_EQ(accounted, 6);
}

// tshark: each of the four TLS 1.2 connections to 192.168.115.75:443 ends with an encrypted alert
// from the server (frames 611, 783, 926, 1004), long after the first data response.
TEST(TlsModule, EncryptedAlertsAtTheEndOfConnections) {
  for (unsigned threads : {1u, 2u}) {
    auto j = analyze({"ndpi/1kxun.pcap"}, threads);
    const auto* s = find(j["tlsServers"], "192.168.115.75", 443);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ((*s)["encryptedAlerts"], 4);
    EXPECT_TRUE((*s)["alerts"].empty());
    EXPECT_EQ((*s)["lastActivity"], 1470104429321101000) << "the last alert's packet time (frame 1004)";
    int connections = 0;
    for (const auto& c : j["connections"]) {
      if (!c.contains("tls") || c["serverIp"] != "192.168.115.75") continue;
      ++connections;
      EXPECT_EQ(c["tls"]["encryptedAlerts"], 1) << c["clientPort"];
      EXPECT_FALSE(c["tls"].contains("alert"));
    }
    EXPECT_EQ(connections, 4);
  }
}

TEST(TlsModule, AlertsOfHttpIpv6Capture) {
  // tshark: four warning alerts (unrecognized_name) from 2a03:b0c0:3:d0::70:1001 port 443.
  auto j = analyze({"ndpi/http_ipv6.pcap"});
  const auto* s = find(j["tlsServers"], "2a03:b0c0:3:d0::70:1001", 443);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ((*s)["alerts"].size(), 1u);
  EXPECT_EQ((*s)["alerts"][0]["level"], "warning");
  EXPECT_EQ((*s)["alerts"][0]["description"], "unrecognized_name");
  EXPECT_EQ((*s)["alerts"][0]["count"], 4);
}

TEST(QuicModule, QuicTlsServerTable) {
  auto j = analyze({"ndpi/quic-29.pcap", "ndpi/quic-v2.pcapng"});
  const auto* draft = find(j["quicServers"], "10.9.0.2", 443);
  ASSERT_NE(draft, nullptr);
  EXPECT_EQ((*draft)["serverNames"][0]["name"], "localhost");
  EXPECT_EQ((*draft)["versions"][0]["version"], "Draft-29");
  EXPECT_EQ((*draft)["negotiatedCipherSuites"][0]["cipherSuite"], "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ((*draft)["decryptFailures"], 0);
  const auto* v2 = find(j["quicServers"], "::1", 4443);
  ASSERT_NE(v2, nullptr);
  EXPECT_EQ((*v2)["serverNames"][0]["name"], "test");
  EXPECT_EQ((*v2)["versions"][0]["version"], "V-2");
  int quicConnections = 0;
  for (const auto& conn : j["connections"])
    if (conn.contains("quic")) ++quicConnections;
  EXPECT_EQ(quicConnections, 2);
}

// Google QUIC: the four shared captures with gQUIC (tshark -Y gquic); one connection each, whose
// client's CHLO gives the SNI (tshark gquic.tag.sni) that the QUIC server table counts and that
// becomes an alternative name of the server's address, as an IETF QUIC SNI does.
TEST(QuicModule, GoogleQuicServersAndNames) {
  struct Expected {
    const char* file;
    const char* server;
    const char* version;
    const char* sni;
    const char* userAgent;
  };
  for (const Expected& e :
       {Expected{"ndpi/http_ipv6.pcap", "2a00:1450:4001:803::1017", "Q025", "www.google.it",
                 "Chrome/46.0.2490.80 Linux x86_64"},
        Expected{"ndpi/quic046.pcap", "216.58.206.86", "Q046", "i.ytimg.com",
                 "Chrome/80.0.3987.132 Windows NT 6.3; Win64; x64"},
        Expected{"pcapplusplus/many_interfaces-1.pcapng", "74.125.228.227", "Q025", "clients6.google.com",
                 "Chrome/44.0.2403.130"},
        Expected{"tcpdump/gquic.pcap", "216.58.195.67", "Q046", "clientservices.googleapis.com",
                 "Chrome/76.0.3809.89 Android 8.0.0; XT1650"}}) {
    SCOPED_TRACE(e.file);
    auto j = analyze({e.file});
    const auto* server = find(j["quicServers"], e.server, 443);
    ASSERT_NE(server, nullptr);
    EXPECT_EQ((*server)["allTime"][0], 1);  // connections whose ClientHello (CHLO) was read
    ASSERT_EQ((*server)["versions"].size(), 1u);
    EXPECT_EQ((*server)["versions"][0]["version"], e.version);
    ASSERT_EQ((*server)["serverNames"].size(), 1u);
    EXPECT_EQ((*server)["serverNames"][0]["name"], e.sni);
    const nlohmann::json* quic = nullptr;
    for (const auto& conn : j["connections"])
      if (conn.contains("quic")) {
        EXPECT_EQ(quic, nullptr) << "a second QUIC connection";
        quic = &conn["quic"];
      }
    ASSERT_NE(quic, nullptr);
    EXPECT_EQ((*quic)["version"], e.version);
    EXPECT_EQ((*quic)["sni"], e.sni);
    EXPECT_EQ((*quic)["userAgent"], e.userAgent);
    EXPECT_FALSE(quic->contains("ja3"));  // no TLS in gQUIC's handshake
    const auto* names = find(j["hostNames"], e.server);
    ASSERT_NE(names, nullptr);
    bool learned = false;
    for (const auto& n : (*names)["names"]) learned |= n["name"] == e.sni && n["source"] == "TLS";
    EXPECT_TRUE(learned) << names->dump();
  }
}

TEST(TlsModule, SameResultsWithTwoThreads) {
  const std::vector<std::string> files = {"ndpi/sites.pcapng"};
  auto one = analyze(files, 1);
  auto two = analyze(files, 2);
  for (const char* key : {"tlsServers", "tlsClients", "quicServers", "hostNames"})
    EXPECT_EQ(one[key], two[key]) << key;
  EXPECT_GT(one["tlsServers"].size(), 10u);
  uint64_t encrypted = 0;  // tshark: 5 encrypted alerts on 3 connections
  for (const auto& server : one["tlsServers"]) encrypted += server["encryptedAlerts"].get<uint64_t>();
  EXPECT_EQ(encrypted, 5u);
  EXPECT_GT(one["quicServers"].size(), 0u);
}

// A server's SNI list: a name seen again is counted in its entry (names of equal length that differ
// only in their last byte included); once kKept names are held, a newer name replaces the least
// recently seen one, which then counts from scratch when it returns.
// A ClientHello whose record header comes in pieces ("\x16", "\x03\x01", the rest): the first piece
// begins a handshake record, so the connection is TLS and the record parser joins the pieces.
TEST(TlsModule, RecognizesAClientHelloSentInPieces) {
  test::ClientHelloSpec spec;
  spec.ciphers = {0x1301, 0xc02f};
  spec.sni("pieces.example.org").versions({0x0304, 0x0303});
  const test::Bytes hello = test::record(22, test::handshakeMessage(1, spec.body()), 0x0301);
  const std::string bytes(hello.begin(), hello.end());
  test::SyntheticSource source;
  uint32_t seq = 1;
  PacketTime t = kNanosPerSecond;
  for (const std::string& piece : {bytes.substr(0, 1), bytes.substr(1, 2), bytes.substr(3)}) {
    source.add(test::buildFrame(test::segment(true, piece, seq, 443)), t += kNanosPerMilli);
    seq += uint32_t(piece.size());
  }
  Engine engine{EngineOptions{}};
  engine.run(source);
  const auto j = nlohmann::json::parse(test::reportText(engine, ReportInput{}));
  ASSERT_EQ(j["connections"].size(), 1u);
  ASSERT_TRUE(j["connections"][0]["tls"].is_object()) << j["connections"][0].dump();
  EXPECT_EQ(j["connections"][0]["tls"]["sni"], "pieces.example.org");
}

TEST(ServerNamesList, CountsRepeatsAndReplacesTheLeastRecent) {
  ServerNames names;
  MemoryAccount account;
  auto name = [](size_t i) {
    return "host-" + std::string(20, 'x') + char('A' + i % 26) + char('a' + i / 26);
  };
  for (size_t i = 0; i < ServerNames::kKept; ++i) names.add(name(i), 1, PacketTime(i), account);
  for (size_t i = 0; i < ServerNames::kKept; ++i) names.add(name(i), 2, PacketTime(100 + i), account);
  ASSERT_EQ(names.size, ServerNames::kKept);
  EXPECT_FALSE(names.overflow);
  for (size_t i = 0; i < ServerNames::kKept; ++i) {
    EXPECT_EQ(names.names[i].name, name(i));
    EXPECT_EQ(names.names[i].count, 3u);
    EXPECT_EQ(names.names[i].lastSeen, PacketTime(100 + i));
  }
  names.add("new.example", 1, 200, account);  // replaces name(0), the least recently seen
  EXPECT_TRUE(names.overflow);
  EXPECT_EQ(names.names[0].name, "new.example");
  names.add("new.example", 1, 201, account);
  EXPECT_EQ(names.names[0].count, 2u);
  names.add(name(0), 1, 300, account);  // back, replacing name(1): counted anew
  EXPECT_EQ(names.names[1].name, name(0));
  EXPECT_EQ(names.names[1].count, 1u);
  EXPECT_EQ(names.names[0].count, 2u);
  names.release(account);
  EXPECT_EQ(account.bytes, 0);
}

}  // namespace
}  // namespace netmeter::test
