#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "decode/capture_reader.h"
#include "modules/quic/quic_session.h"
#include "modules/quic/quic_version.h"
#include "modules/tls/ja3.h"
#include "modules/tls/tls_session.h"

namespace netmeter::test {

// TLS/QUIC results of one flow of a capture, named like ndpiReader names flows.
struct HandshakeFlow {
  std::string protocol;  // "TCP" / "UDP"
  std::string client;    // "1.2.3.4:5" or "[::1]:5"
  std::string server;
  bool hasClientHello = false;  // a TLS ClientHello (TCP, IETF QUIC); gQUIC's CHLO: quic.hasGoogleHello
  std::string sni;
  std::string ja3;
  std::string ja4;
  std::string quicVersion;
  tls::TlsConnectionInfo tls;     // TCP flows
  quic::QuicConnectionInfo quic;  // UDP flows
};

inline std::string endpoint(const IpAddress& ip, uint16_t port) {
  std::string s = ip.toString();
  if (s.find(':') != std::string::npos) s = "[" + s + "]";
  return s + ":" + std::to_string(port);
}

// Follows every TCP and UDP flow of a capture with TlsSession / QuicSession, the way the modules do,
// without the engine: the client is the sender of the SYN, else of the first packet.
inline std::vector<HandshakeFlow> handshakeFlows(const std::filesystem::path& path, MemoryAccount& account) {
  struct State {
    HandshakeFlow flow;
    IpAddress clientIp;
    uint16_t clientPort = 0;
    std::unique_ptr<tls::TlsSession> tls;
    std::unique_ptr<quic::QuicSession> quic;
    bool quicRejected = false;
  };
  std::map<std::string, State> flows;
  std::vector<std::string> order;
  std::vector<uint8_t> scratch(65536);
  for (const CapturedPacket& packet : readCapture(path)) {
    const DecodedPacket& p = packet.decoded;
    if (!p.isTcp() && !p.isUdp()) continue;
    std::string a = endpoint(p.srcIp, p.srcPort);
    std::string b = endpoint(p.dstIp, p.dstPort);
    std::string proto = p.isTcp() ? "TCP" : "UDP";
    std::string key = proto + " " + std::min(a, b) + " " + std::max(a, b);
    auto [it, created] = flows.try_emplace(key);
    State& s = it->second;
    if (created) {
      order.push_back(key);
      bool synAck =
          p.isTcp() && (p.tcpFlags & (tcpflag::kSyn | tcpflag::kAck)) == (tcpflag::kSyn | tcpflag::kAck);
      s.clientIp = synAck ? p.dstIp : p.srcIp;
      s.clientPort = synAck ? p.dstPort : p.srcPort;
      s.flow.protocol = proto;
      s.flow.client = endpoint(s.clientIp, s.clientPort);
      s.flow.server = s.flow.client == a ? b : a;
    }
    bool fromClient = p.srcIp == s.clientIp && p.srcPort == s.clientPort;
    size_t available = packet.bytes.size() > p.payloadOffset ? packet.bytes.size() - p.payloadOffset : 0;
    std::span<const uint8_t> payload(packet.bytes.data() + p.payloadOffset,
                                     std::min<size_t>(available, p.payloadLength));
    if (p.isTcp()) {
      if (!s.tls) s.tls = std::make_unique<tls::TlsSession>();
      if (p.payloadLength > 0)
        s.tls->onSegment(fromClient, p.tcpSeq, payload, p.payloadLength, p.timestamp, account);
    } else if (!s.quicRejected) {
      if (!s.quic) {
        if (!fromClient || !quic::QuicSession::looksLikeQuic(payload)) {
          s.quicRejected = true;
          continue;
        }
        s.quic = std::make_unique<quic::QuicSession>();
      }
      s.quic->onDatagram(fromClient, payload, p.timestamp, scratch, account);
    }
  }
  std::vector<HandshakeFlow> result;
  for (const std::string& key : order) {
    State& s = flows[key];
    if (s.tls) {
      s.flow.tls = s.tls->info();
      s.flow.hasClientHello = s.tls->info().hasClientHello;
      s.tls->release(account);
    }
    if (s.quic) {
      s.flow.quic = s.quic->info();
      s.flow.hasClientHello = s.quic->info().hasClientHello;
      s.flow.quicVersion = std::string(quic::versionName(s.quic->info().version));
      s.quic->release(account);
    }
    const tls::TlsClientSummary& c = s.tls ? s.flow.tls.client : s.flow.quic.client;
    if (s.flow.hasClientHello) {
      s.flow.sni = c.sni;
      s.flow.ja3 = tls::ja3Hex(c.ja3);
      s.flow.ja4 = c.ja4;
    } else if (s.quic && s.flow.quic.hasGoogleHello) {
      s.flow.sni = c.sni;  // a gQUIC CHLO: no TLS, so no fingerprints
    }
    result.push_back(std::move(s.flow));
  }
  return result;
}

}  // namespace netmeter::test
