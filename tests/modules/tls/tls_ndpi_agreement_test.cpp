// SNI, JA3 and JA4 of every TLS and QUIC flow of the nDPI reference captures, compared with the values
// ndpiReader (libndpi 4.11-dev) prints in the expected outputs (../shared/pcaps/ndpi/*.out). Prints the
// agreement per field and fails when it drops below the level recorded here.
//
// Known disagreements, all in JA4 part a (parts b and c, JA3 and SNI agree on every flow):
// - ALPN characters (positions 9-10): the JA4 specification takes the first and last character of the
//   first ALPN value ("http/1.1" -> "h1", "h3-29" -> "h9", FoxIO's own example is "h2"/"h1"); nDPI 4.11
//   prints the first two characters ("ht", "h3") and "h0" for a QUIC "h3". netmeter follows the
//   specification.
// - SNI flag (position 4): the specification sets 'd' exactly when the server_name extension is
//   present. nDPI prints 'i' for 1kxun.pcap's four flows whose server_name holds an IP literal, and
//   'd' for eight ClientHellos without the extension (alexa-app.pcapng: 6, doq.pcapng,
//   quic_frags_ch_in_multiple_packets.pcapng; tshark confirms the extension is absent): 12 flows.
// Together 30 of 180 JA4 values differ, every one of them in these characters only.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <regex>

#include "modules/tls/handshake_flows.h"
#include "test_paths.h"

namespace netmeter::test {
namespace {

struct NdpiFlow {
  std::string file;
  std::string protocol, client, server;
  std::string sni, ja3, ja4;
};

std::string field(const std::string& line, const std::string& name) {
  auto at = line.find("[" + name + ": ");
  if (at == std::string::npos) return {};
  at += name.size() + 3;
  return line.substr(at, line.find(']', at) - at);
}

// "1.2.3.4:5" / "[::1]:5" as netmeter prints it (nDPI compresses single zero groups of IPv6).
std::string normalEndpoint(const std::string& text) {
  auto colon = text.rfind(':');
  std::string host = text.substr(0, colon);
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  auto ip = IpAddress::parse(host);
  if (!ip) return text;
  return endpoint(*ip, static_cast<uint16_t>(std::stoi(text.substr(colon + 1))));
}

std::vector<NdpiFlow> ndpiTlsFlows(const std::string& file) {
  std::vector<NdpiFlow> flows;
  std::ifstream in(sharedPcap("ndpi/" + file + ".out"));
  static const std::regex kFlow(R"(^\s+\d+\s+(TCP|UDP) (\S+) <?-> (\S+) )");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, kFlow)) continue;
    NdpiFlow f{file,
               m[1],
               normalEndpoint(m[2]),
               normalEndpoint(m[3]),
               field(line, "Hostname/SNI"),
               field(line, "JA3C"),
               field(line, "JA4")};
    if (f.ja3.empty() && f.ja4.empty()) continue;  // not a TLS/QUIC flow whose ClientHello nDPI read
    flows.push_back(f);
  }
  return flows;
}

struct Agreement {
  int agree = 0;
  int total = 0;
  void count(bool ok) {
    agree += ok;
    ++total;
  }
  double rate() const { return total == 0 ? 1.0 : double(agree) / total; }
};

TEST(TlsNdpiAgreement, SniJa3Ja4MatchNdpi) {
  const std::vector<std::string> files = {
      "443-curl.pcap",  "443-firefox.pcap",    "6in4tunnel.pcap",
      "1kxun.pcap",     "alexa-app.pcapng",    "chrome.pcap",
      "dlt_ppp.pcap",   "doq.pcapng",          "http_connect.pcap",
      "http_ipv6.pcap", "quic-27.pcap",        "quic-29.pcap",
      "quic-v2.pcapng", "quic_0RTT.pcap",      "quic_frags_ch_in_multiple_packets.pcapng",
      "sites.pcapng",   "tls_2_reasms.pcapng", "tls_ech.pcapng",
      "vxlan.pcap"};
  Agreement sni, ja3, ja4, ja4bc, ja4aNoAlpn, found;
  MemoryAccount account;
  for (const std::string& file : files) {
    auto ours = handshakeFlows(sharedPcap("ndpi/" + file), account);
    std::map<std::string, const HandshakeFlow*> byKey;
    for (const HandshakeFlow& f : ours) {
      byKey[f.protocol + " " + f.client + " " + f.server] = &f;
      byKey[f.protocol + " " + f.server + " " + f.client] = &f;
    }
    for (const NdpiFlow& n : ndpiTlsFlows(file)) {
      auto it = byKey.find(n.protocol + " " + n.client + " " + n.server);
      const HandshakeFlow* f = it == byKey.end() ? nullptr : it->second;
      bool have = f != nullptr && f->hasClientHello;
      found.count(have);
      if (!have) {
        std::cout << "  no ClientHello: " << file << " " << n.protocol << " " << n.client << " " << n.server
                  << "\n";
        continue;
      }
      if (!n.sni.empty()) {
        sni.count(f->sni == n.sni);
        if (f->sni != n.sni)
          std::cout << "  SNI " << file << " " << n.client << ": ours '" << f->sni << "' nDPI '" << n.sni
                    << "'\n";
      }
      if (!n.ja3.empty()) {
        ja3.count(f->ja3 == n.ja3);
        if (f->ja3 != n.ja3)
          std::cout << "  JA3 " << file << " " << n.client << ": ours " << f->ja3 << " nDPI " << n.ja3
                    << "\n";
      }
      if (!n.ja4.empty()) {
        ja4.count(f->ja4 == n.ja4);
        ja4bc.count(f->ja4.substr(10) == n.ja4.substr(10));
        ja4aNoAlpn.count(f->ja4.substr(0, 8) == n.ja4.substr(0, 8));
        if (f->ja4 != n.ja4)
          std::cout << "  JA4 " << file << " " << n.client << ": ours " << f->ja4 << " nDPI " << n.ja4
                    << "\n";
      }
    }
  }
  auto print = [](const char* name, const Agreement& a) {
    std::cout << "agreement " << name << ": " << a.agree << "/" << a.total << " (" << 100.0 * a.rate()
              << " %)\n";
  };
  print("ClientHello found", found);
  print("SNI", sni);
  print("JA3", ja3);
  print("JA4", ja4);
  print("JA4 parts b and c", ja4bc);
  print("JA4 part a without the ALPN characters", ja4aNoAlpn);
  EXPECT_EQ(account.bytes, 0) << "parsing state not freed";
  // Recorded levels (see the comment at the top for the disagreements).
  EXPECT_EQ(found.total, 180);
  EXPECT_EQ(found.agree, 180);
  EXPECT_EQ(sni.agree, sni.total);
  EXPECT_EQ(ja3.agree, ja3.total);
  EXPECT_EQ(ja4bc.agree, ja4bc.total);
  EXPECT_GE(ja4aNoAlpn.agree, ja4aNoAlpn.total - 12);  // SNI flag, see above
  EXPECT_GE(ja4.agree, ja4.total - 30);                // ALPN characters and SNI flag
}

}  // namespace
}  // namespace netmeter::test
