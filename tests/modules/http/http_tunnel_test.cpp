// HTTP protocol switches: TLS inside CONNECT tunnels (handed from the HTTP analyzer to TLS), CONNECT
// refused by the proxy, 101 Switching Protocols, and a tunnel that does not carry TLS.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "l7_test_util.h"
#include "modules/tls/hello_builder.h"
#include "report/json_report.h"
#include "support/one_connection_analysis.h"

namespace netmeter {
namespace {

constexpr int64_t kTunnelMs = 1'000'000;
constexpr uint16_t kProxyPort = 8080;

std::string tunnelText(const test::Bytes& b) {
  return {b.begin(), b.end()};
}

// A TLS 1.3 ClientHello record naming `sni`.
std::string tunnelClientHello(const std::string& sni) {
  test::ClientHelloSpec spec;
  spec.ciphers = {0x1301, 0xc02f};
  spec.sni(sni).versions({0x0304, 0x0303}).groups({0x001d});
  return tunnelText(test::record(22, test::handshakeMessage(1, spec.body()), 0x0301));
}

// ServerHello (TLS 1.3, TLS_AES_128_GCM_SHA256) and ChangeCipherSpec records.
std::string tunnelServerHello() {
  return tunnelText(test::record(22, test::handshakeMessage(2, test::serverHelloBody(0x1301, 0x0304)))) +
         tunnelText(test::record(20, {1}));
}

std::string connectRequest(const std::string& authority, const std::string& extra = "") {
  return "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n" + extra + "\r\n";
}

const std::string kEstablished = "HTTP/1.1 200 Connection established\r\n\r\n";

// One TCP connection 10.0.0.1:40000 -> proxy 10.0.0.2:8080; each side's segments follow its stream.
struct ProxyFlow {
  test::SyntheticSource source;
  uint32_t clientSeq = 1;
  uint32_t serverSeq = 50001;

  void send(bool fromClient, const std::string& bytes, int64_t ms) {
    uint32_t& seq = fromClient ? clientSeq : serverSeq;
    test::FrameSpec f = test::segment(fromClient, bytes, seq, kProxyPort);
    f.tcpAck = fromClient ? serverSeq : clientSeq;
    source.add(test::buildFrame(f), 1000 * kTunnelMs + ms * kTunnelMs);
    seq += uint32_t(bytes.size());
  }
  void client(const std::string& bytes, int64_t ms) { send(true, bytes, ms); }
  void server(const std::string& bytes, int64_t ms) { send(false, bytes, ms); }
  // Bytes of a direction the capture missed.
  void lose(bool fromClient, size_t n) { (fromClient ? clientSeq : serverSeq) += uint32_t(n); }
};

using ProxyResult = test::OneConnection;

ProxyResult analyzeProxyFlow(ProxyFlow& flow, const EngineOptions& options = {}) {
  EngineOptions o = options;
  if (o.httpTransactionsPerConnection == 1) o.httpTransactionsPerConnection = 4;
  return test::analyzeOneConnection(flow.source, o);
}

std::vector<std::string> namesOf(const nlohmann::json& report, const std::string& ip) {
  std::vector<std::string> names;
  for (const auto& row : report["hostNames"])
    if (row["ip"] == ip)
      for (const auto& n : row["names"])
        names.push_back(n["name"].get<std::string>() + "/" + n["source"].get<std::string>());
  return names;
}

// CONNECT answered 200, then TLS: the connection shows the CONNECT transaction and the TLS read
// from the tunnel, the TLS server is the proxy's IP:port, and neither the SNI nor the CONNECT's Host
// (both name the origin server) becomes an alternative name of the proxy's address.
TEST(HttpTunnel, ReadsTlsInsideAConnectTunnel) {
  const auto makeFlow = [](ProxyFlow& flow) {
    flow.client(connectRequest("origin.example:443"), 0);
    flow.server(kEstablished, 10);
    flow.client(tunnelClientHello("sni.example"), 12);
    flow.server(tunnelServerHello(), 30);
    flow.client(tunnelText(test::record(23, test::Bytes(40, 7))), 31);
  };
  ProxyFlow flow;
  makeFlow(flow);
  const ProxyResult r = analyzeProxyFlow(flow);
  const auto& c = r.connection;
  ASSERT_EQ(c["http"].size(), 1u) << c.dump();
  EXPECT_EQ(c["http"][0]["method"], "CONNECT");
  EXPECT_EQ(c["http"][0]["url"], "origin.example:443");
  EXPECT_EQ(c["http"][0]["status"], 200);
  EXPECT_EQ(c["http"][0]["responseTime"], 10 * kTunnelMs);
  ASSERT_TRUE(c["tls"].is_object()) << c.dump();
  EXPECT_EQ(c["tls"]["sni"], "sni.example");
  EXPECT_EQ(c["tls"]["negotiatedVersion"], "TLSv1.3");
  EXPECT_EQ(c["tls"]["negotiatedCipherSuite"], "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(c["tls"]["handshakeResponseTime"], 18 * kTunnelMs);
  EXPECT_EQ(c["l7ResponseTime"], 18 * kTunnelMs);

  ASSERT_EQ(r.report["tlsServers"].size(), 1u);
  const auto& server = r.report["tlsServers"][0];
  EXPECT_EQ(server["ip"], "10.0.0.2");
  EXPECT_EQ(server["port"], kProxyPort);
  EXPECT_EQ(server["clientHellos"], 1);
  EXPECT_EQ(server["serverNames"][0]["name"], "sni.example");
  ASSERT_EQ(r.report["tlsClients"].size(), 1u);
  EXPECT_EQ(r.report["tlsClients"][0]["ip"], "10.0.0.1");
  EXPECT_EQ(namesOf(r.report, "10.0.0.2"), std::vector<std::string>{});
  ASSERT_EQ(r.report["httpServers"].size(), 1u);
  EXPECT_EQ(r.report["httpServers"][0]["allTime"][0], 1);  // one request, one response: the tunnel
  EXPECT_EQ(r.report["httpServers"][0]["allTime"][1], 1);  // is not read as HTTP

  // The TLS state lives inside the HTTP state and is accounted with it: the HTTP state alone is what
  // the same connection accounts without the TLS analyzer (which leaves the tunnel unread).
  EXPECT_GT(r.tlsStateBytes, 0);
  EXPECT_FALSE(r.analyzerDone);  // TLS follows the record layer (alerts) until the end
  EngineOptions noTls;
  noTls.l7 = *L7Analyzers::parse("dpi,http");
  ProxyFlow again;
  makeFlow(again);
  const ProxyResult without = analyzeProxyFlow(again, noTls);
  EXPECT_FALSE(without.connection.contains("tls"));
  EXPECT_TRUE(without.analyzerDone);
  EXPECT_EQ(without.tlsStateBytes, 0);
  EXPECT_EQ(r.accountedBytes, without.accountedBytes + r.tlsStateBytes);
}

// The tunnel's first bytes share a segment with the HTTP head before them: the client sends its
// ClientHello right behind the CONNECT without waiting for the answer (held until the answer), and
// the proxy's 200 head and the ServerHello come in one segment, the head itself split in two segments
// in the second variant. Both directions are handed over from the byte after the head.
TEST(HttpTunnel, HandsOverTheBytesAfterTheHeadsInTheSameSegment) {
  for (const bool splitHead : {false, true}) {
    SCOPED_TRACE(splitHead ? "head in two segments" : "head in one segment");
    ProxyFlow flow;
    flow.client(connectRequest("origin.example:443") + tunnelClientHello("origin.example"), 0);
    if (splitHead) {
      flow.server(kEstablished.substr(0, 20), 15);
      flow.server(kEstablished.substr(20) + tunnelServerHello(), 20);
    } else {
      flow.server(kEstablished + tunnelServerHello(), 20);
    }
    flow.client(tunnelText(test::record(20, {1})) + tunnelText(test::record(23, test::Bytes(40, 7))), 22);
    const ProxyResult r = analyzeProxyFlow(flow);
    const auto& c = r.connection;
    ASSERT_EQ(c["http"].size(), 1u) << c.dump();
    EXPECT_EQ(c["http"][0]["status"], 200);
    EXPECT_EQ(c["http"][0]["responseTime"], (splitHead ? 15 : 20) * kTunnelMs);
    ASSERT_TRUE(c["tls"].is_object()) << c.dump();
    EXPECT_EQ(c["tls"]["sni"], "origin.example");
    EXPECT_EQ(c["tls"]["negotiatedVersion"], "TLSv1.3");
    EXPECT_EQ(c["tls"]["handshakeResponseTime"], 20 * kTunnelMs);  // ClientHello sent at 0
    EXPECT_EQ(r.report["httpServers"][0]["allTime"][0], 1);
    EXPECT_EQ(r.report["httpServers"][0]["allTime"][1], 1);
  }
}

// A CONNECT the proxy refuses (407) does not open a tunnel: the client's next request is HTTP again
// (here the CONNECT with credentials, which then opens the tunnel), also when the client had already
// sent its ClientHello behind the refused CONNECT. A 407 followed by a plain request stays HTTP.
TEST(HttpTunnel, ARefusedConnectStaysHttp) {
  const std::string refused = "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 6\r\n\r\ndenied";
  for (const bool optimistic : {false, true}) {
    SCOPED_TRACE(optimistic ? "ClientHello sent behind the refused CONNECT" : "client waits");
    ProxyFlow flow;
    flow.client(
        connectRequest("origin.example:443") + (optimistic ? tunnelClientHello("origin.example") : ""), 0);
    flow.server(refused, 5);
    flow.client(connectRequest("origin.example:443", "Proxy-Authorization: Basic dTpw\r\n"), 10);
    flow.server(kEstablished, 20);
    flow.client(tunnelClientHello("origin.example"), 21);
    flow.server(tunnelServerHello(), 30);
    const ProxyResult r = analyzeProxyFlow(flow);
    const auto& c = r.connection;
    ASSERT_EQ(c["http"].size(), 2u) << c.dump();
    EXPECT_EQ(c["http"][0]["status"], 407);
    EXPECT_EQ(c["http"][0]["responseTime"], 5 * kTunnelMs);
    EXPECT_EQ(c["http"][1]["method"], "CONNECT");
    EXPECT_EQ(c["http"][1]["status"], 200);
    EXPECT_EQ(c["http"][1]["responseTime"], 10 * kTunnelMs);
    ASSERT_TRUE(c["tls"].is_object()) << c.dump();
    EXPECT_EQ(c["tls"]["handshakeResponseTime"], 9 * kTunnelMs);
    EXPECT_EQ(r.report["tlsServers"][0]["clientHellos"], 1);
  }
  ProxyFlow flow;
  flow.client(connectRequest("origin.example:443"), 0);
  flow.server(refused, 5);
  flow.client("GET http://origin.example/ HTTP/1.1\r\nHost: origin.example\r\n\r\n", 10);
  flow.server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 12);
  flow.client("GET http://origin.example/2 HTTP/1.1\r\nHost: origin.example\r\n\r\n", 13);
  flow.server("HTTP/1.1 204 No Content\r\n\r\n", 14);
  const ProxyResult r = analyzeProxyFlow(flow);
  ASSERT_EQ(r.connection["http"].size(), 3u) << r.connection.dump();
  EXPECT_EQ(r.connection["http"][1]["status"], 200);
  EXPECT_EQ(r.connection["http"][2]["status"], 204);
  EXPECT_FALSE(r.connection.contains("tls"));
  EXPECT_FALSE(r.analyzerDone);
}

// After 101 Switching Protocols (WebSocket) nothing of the stream is read as HTTP: not the frame in
// the 101's segment, not text that looks like HTTP messages (also after a lost segment, where a
// lost HTTP stream would resync), and the analyzer is done with the connection.
TEST(HttpTunnel, NothingIsHttpAfterSwitchingProtocols) {
  ProxyFlow flow;
  flow.client("GET /chat HTTP/1.1\r\nHost: ws.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
              0);
  flow.server(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi", 4);
  flow.client(std::string("\x81\x82\x01\x02\x03\x04", 6) + "ab", 5);
  flow.lose(false, 100);
  flow.server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 6);
  flow.lose(true, 100);
  flow.client("GET /not-http HTTP/1.1\r\nHost: ws.example\r\n\r\n", 7);
  flow.server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 8);
  const ProxyResult r = analyzeProxyFlow(flow);
  ASSERT_EQ(r.connection["http"].size(), 1u) << r.connection.dump();
  EXPECT_EQ(r.connection["http"][0]["status"], 101);
  EXPECT_EQ(r.connection["http"][0]["responseTime"], 4 * kTunnelMs);
  EXPECT_EQ(r.report["httpServers"][0]["allTime"][0], 1);
  EXPECT_EQ(r.report["httpServers"][0]["allTime"][1], 1);
  EXPECT_TRUE(r.analyzerDone);
}

// A tunnel whose first bytes are not TLS (SSH through the proxy) is left alone.
TEST(HttpTunnel, ATunnelWithoutTlsIsNotRead) {
  ProxyFlow flow;
  flow.client(connectRequest("git.example:22"), 0);
  flow.server(kEstablished + "SSH-2.0-OpenSSH_9.2\r\n", 10);
  flow.client("SSH-2.0-OpenSSH_9.6\r\n", 11);
  flow.client(tunnelClientHello("late.example"), 12);
  const ProxyResult r = analyzeProxyFlow(flow);
  ASSERT_EQ(r.connection["http"].size(), 1u) << r.connection.dump();
  EXPECT_EQ(r.connection["http"][0]["status"], 200);
  EXPECT_FALSE(r.connection.contains("tls"));
  EXPECT_TRUE(r.analyzerDone);
  EXPECT_EQ(r.tlsStateBytes, 0);
  EXPECT_TRUE(r.report["tlsServers"].empty());
}

// ndpi/http_connect.pcap: a browser's CONNECT apache.org:443 through the proxy 192.168.1.146:8080,
// then TLS in the tunnel (tshark: ClientHello frame 12, byte for byte the one the proxy forwards to
// 151.101.2.132:443 in frame 14, for which nDPI gives the JA3/JA4 below; ServerHello frame 24).
TEST(HttpTunnel, TlsInsideTheConnectTunnelOfARealCapture) {
  nlohmann::json reports[2];
  for (const unsigned threads : {1u, 3u}) {
    auto engine = test::analyzeCapture("ndpi/http_connect.pcap", threads);
    ASSERT_NE(engine, nullptr);
    reports[threads == 1 ? 0 : 1] = nlohmann::json::parse(test::reportText(*engine, ReportInput{}));
  }
  const nlohmann::json& j = reports[0];
  const nlohmann::json* tunnel = nullptr;
  for (const auto& c : j["connections"])
    if (c["clientIp"] == "192.168.1.103" && c["clientPort"] == 1714) tunnel = &c;
  ASSERT_NE(tunnel, nullptr);
  ASSERT_EQ((*tunnel)["http"].size(), 1u);
  EXPECT_EQ((*tunnel)["http"][0]["method"], "CONNECT");
  EXPECT_EQ((*tunnel)["http"][0]["host"], "apache.org");
  EXPECT_EQ((*tunnel)["http"][0]["status"], 200);
  EXPECT_EQ((*tunnel)["http"][0]["responseTime"], 9'646'000);  // tshark: frame 4 -> 11
  const auto& tls = (*tunnel)["tls"];
  ASSERT_TRUE(tls.is_object()) << tunnel->dump();
  EXPECT_EQ(tls["sni"], "apache.org");
  EXPECT_EQ(tls["ja3"], "c834494f5948ae026d160656c93c8871");
  EXPECT_EQ(tls["ja4"], "t13d1813h2_e8a523a41297_f81080dfc557");
  EXPECT_EQ(tls["negotiatedVersion"], "TLSv1.3");
  EXPECT_EQ(tls["negotiatedCipherSuite"], "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(tls["handshakeResponseTime"], 16'231'000);  // tshark: frame 12 -> 24
  bool proxyServer = false;
  for (const auto& s : j["tlsServers"])
    if (s["ip"] == "192.168.1.146" && s["port"] == 8080) {
      proxyServer = true;
      EXPECT_EQ(s["clientHellos"], 1);
      EXPECT_EQ(s["serverNames"][0]["name"], "apache.org");
    }
  EXPECT_TRUE(proxyServer);
  // Results do not depend on the worker count.
  for (const char* key : {"connections", "tlsServers", "tlsClients", "httpServers", "hostNames"})
    EXPECT_EQ(reports[0][key], reports[1][key]) << key;
}

// A request in absolute form (RFC 9112 §3.2.2) goes to a proxy: its Host names the origin server, so
// it is a name the proxy was asked for (httpServers) but not an alternative name of its address.
TEST(HttpTunnel, ProxyRequestsDoNotNameTheProxy) {
  ProxyFlow flow;
  flow.client("GET HTTP://origin.example/index.html HTTP/1.1\r\nHost: origin.example\r\n\r\n", 0);
  flow.server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 5);
  flow.client("GET /direct HTTP/1.1\r\nHost: proxy.example\r\n\r\n", 6);
  flow.server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 7);
  const ProxyResult r = analyzeProxyFlow(flow);
  EXPECT_EQ(namesOf(r.report, "10.0.0.2"), std::vector<std::string>{"proxy.example/HTTP"});
  ASSERT_EQ(r.report["httpServers"].size(), 1u);
  std::vector<std::string> asked;
  for (const auto& n : r.report["httpServers"][0]["hostNames"]) asked.push_back(n.get<std::string>());
  std::sort(asked.begin(), asked.end());
  EXPECT_EQ(asked, (std::vector<std::string>{"origin.example", "proxy.example"}));
}

}  // namespace
}  // namespace netmeter
