#include "modules/quic/quic_module.h"

#include <algorithm>

#include "modules/tls/tls_module.h"

namespace netmeter {

namespace {

struct QuicConnectionState : ConnectionAnalysisState {
  quic::QuicSession session;
  MemoryAccount parserBuffers;       // CRYPTO reassembly buffers currently held
  const void* serverHint = nullptr;  // the server's record (EntityTable::findOrCreateHinted)

  void sync(MemoryAccount& account) {
    const int64_t now = int64_t(sizeof(QuicConnectionState)) + session.heapBytes() + parserBuffers.bytes;
    account.add(now - accountedBytes);
    accountedBytes = now;
  }
};

}  // namespace

const quic::QuicConnectionInfo* QuicModule::connectionInfo(const Connection& c) {
  if (c.app.analyzer != AppAnalyzer::kQuic || c.app.analyzerState == nullptr) return nullptr;
  return &static_cast<const QuicConnectionState&>(*c.app.analyzerState).session.info();
}

bool QuicModule::recognizes(const L7Payload& payload) {
  return !payload.tcp() && payload.packet.l4Protocol == ipproto::kUdp &&
         quic::QuicSession::looksLikeQuic(payload.bytes);
}

void QuicModule::onPayload(const L7Payload& payload, HostNameTable& names, TlsModule& tls,
                           MemoryAccount& account) {
  Connection& c = payload.connection;
  if (c.app.analyzerState == nullptr) {
    c.app.analyzerState = std::make_unique<QuicConnectionState>();
    static_cast<QuicConnectionState&>(*c.app.analyzerState).sync(account);
  }
  auto& state = static_cast<QuicConnectionState&>(*c.app.analyzerState);
  if (scratch_.empty()) {
    scratch_.resize(kScratchBytes);
    account.add(int64_t(scratch_.capacity()));
  }
  const PacketTime t = payload.time();
  const uint32_t failuresBefore = state.session.info().decryptFailures;
  const uint8_t events =
      state.session.onDatagram(payload.fromClient(), payload.bytes, t, scratch_, state.parserBuffers);
  const quic::QuicConnectionInfo& info = state.session.info();
  if (events != 0 || info.decryptFailures != failuresBefore) {
    QuicServerRecord& server =
        servers_.findOrCreateHinted(TlsServerKey{c.serverIp, c.serverPort}, state.serverHint, account);
    server.touch(t);
    server.decryptFailures += info.decryptFailures - failuresBefore;
    if (events & quic::event::kClientHello) {
      server.add(t, {1}, account);
      server.versions.add(info.version);
      if (!info.client.sni.empty()) server.serverNames.add(info.client.sni, 1, t, account);
      tls.countClient(c.clientIp, c.records.hint(kClientToServer, &IpHints::tlsClient), info.client, t,
                      account);
      learnServerName(names, c, info.client.sni, t, account);
    }
    if (events & quic::event::kGoogleHello) {
      // A gQUIC CHLO: its SNI as a ClientHello's (no TLS, so nothing for the TLS client table).
      server.add(t, {1}, account);
      server.versions.add(info.version);
      if (!info.client.sni.empty()) server.serverNames.add(info.client.sni, 1, t, account);
      learnServerName(names, c, info.client.sni, t, account);
    }
    if (events & quic::event::kGoogleVersion) server.versions.add(info.version);
    if (events & quic::event::kServerHello) {
      server.negotiatedCiphers.add(info.negotiatedCipher);
      if (info.hasClientHello) {
        const PacketTime rt = info.serverHelloTime - info.clientHelloTime;
        server.handshakeTime.add(rt);
        server.add(t, {0, 1, 1, uint64_t(std::max<PacketTime>(0, rt))}, account);
      } else {
        server.add(t, {0, 1}, account);
      }
      tls.countClientNegotiated(c.clientIp, c.records.hint(kClientToServer, &IpHints::tlsClient),
                                versionCipher(info.negotiatedVersion, info.negotiatedCipher), t, account);
    }
  }
  state.sync(account);
  // A session finishes only here: the dispatch stops offering the connection's payloads.
  c.app.analyzerDone = state.session.finished();
}

}  // namespace netmeter
