#include "modules/tls/tls_module.h"

#include <algorithm>

#include "modules/http/http_module.h"
#include "modules/starttls/starttls_module.h"
#include "modules/tls/tls_constants.h"

namespace netmeter {

void ServerNames::add(std::string_view name, uint64_t count, PacketTime t, MemoryAccount& account) {
  const uint32_t hash = nameHash(name);
  for (uint8_t i = 0; i < size; ++i) {
    if (hashes[i] == hash && names[i].name == name) {
      names[i].count += count;
      names[i].lastSeen = std::max(names[i].lastSeen, t);
      return;
    }
  }
  uint8_t slot = size;
  if (size == kKept) {
    overflow = true;
    // Replace the least recently seen name (ties: the larger name), if this one is newer.
    slot = 0;
    for (uint8_t i = 1; i < size; ++i)
      if (std::tie(names[i].lastSeen, names[slot].name) < std::tie(names[slot].lastSeen, names[i].name))
        slot = i;
    const std::string_view current = names[slot].name;
    if (std::tie(t, current) < std::tie(names[slot].lastSeen, name)) return;
    account.add(-static_cast<int64_t>(names[slot].name.capacity()));
  } else {
    ++size;
  }
  names[slot].name.assign(name);
  hashes[slot] = hash;
  names[slot].count = count;
  names[slot].lastSeen = t;
  account.add(static_cast<int64_t>(names[slot].name.capacity()));
}

std::vector<const ServerNames::Name*> ServerNames::shown() const {
  std::vector<const Name*> out;
  for (uint8_t i = 0; i < size; ++i) out.push_back(&names[i]);
  const auto newer = [](const Name* a, const Name* b) {
    return a->lastSeen != b->lastSeen ? a->lastSeen > b->lastSeen : a->name < b->name;
  };
  const size_t n = std::min(out.size(), kMax);
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), newer);
  out.resize(n);
  return out;
}

void ServerNames::release(MemoryAccount& account) {
  for (uint8_t i = 0; i < size; ++i) {
    account.add(-static_cast<int64_t>(names[i].name.capacity()));
    names[i].name = std::string();
  }
  size = 0;
}

void learnServerName(HostNameTable& names, Connection& c, std::string_view sni, PacketTime t,
                     MemoryAccount& account) {
  if (sni.empty() || IpAddress::parse(sni)) return;
  names.learn(c.serverIp, sni, NameSource::kTls, t, c.records.hint(kServerToClient, &IpHints::names),
              account);
}

namespace {

// Per-connection state: the handshake follower and what its parsers hold on the heap.
struct TlsConnectionState : ConnectionAnalysisState {
  tls::TlsSession session;
  MemoryAccount parserBuffers;  // message buffers currently held by the session's parsers

  int64_t heldBytes() const {
    return int64_t(sizeof(TlsConnectionState)) + session.heapBytes() + parserBuffers.bytes;
  }
  // Brings `accountedBytes` (and the shard's account) up to date after the session changed.
  void sync(MemoryAccount& account) {
    const int64_t now = heldBytes();
    account.add(now - accountedBytes);
    accountedBytes = now;
  }
};

// The TLS state of a connection: its own payload's, or that of the TLS inside its CONNECT tunnel or
// after its STARTTLS upgrade.
const TlsConnectionState* stateOf(const Connection& c) {
  const InnerStream* inner = nullptr;
  switch (c.app.analyzer) {
    case AppAnalyzer::kTls:
      return static_cast<const TlsConnectionState*>(c.app.analyzerState.get());
    case AppAnalyzer::kHttp:
      inner = HttpModule::tunnel(c);
      break;
    case AppAnalyzer::kStartTls:
      inner = StartTlsModule::upgraded(c);
      break;
    default:
      break;
  }
  if (inner == nullptr || inner->reader != InnerStream::Reader::kTls) return nullptr;
  return static_cast<const TlsConnectionState*>(inner->state.get());
}

}  // namespace

const tls::TlsConnectionInfo* TlsModule::connectionInfo(const Connection& c) {
  const TlsConnectionState* s = stateOf(c);
  return s ? &s->session.info() : nullptr;
}

const tls::TlsSession* TlsModule::session(const Connection& c) {
  const TlsConnectionState* s = stateOf(c);
  return s ? &s->session : nullptr;
}

int64_t TlsModule::connectionStateBytes(const Connection& c) {
  const TlsConnectionState* s = stateOf(c);
  return s ? s->heldBytes() : 0;
}

bool TlsModule::beginsLikeTls(std::span<const uint8_t> b, bool fromClient, bool mayBePartial) {
  if (b.size() < 6) {
    if (b.empty() || !fromClient || !mayBePartial) return false;
    return b[0] == tls::content::kHandshake && (b.size() < 2 || b[1] == 3) && (b.size() < 3 || b[2] <= 4);
  }
  if (b[0] != tls::content::kHandshake || b[1] != 3 || b[2] > 4) return false;
  return b[5] == (fromClient ? tls::handshake::kClientHello : tls::handshake::kServerHello);
}

bool TlsModule::recognizes(const L7Payload& payload) {
  // From the client a ClientHello, from the server a ServerHello (when the capture missed the client's
  // first bytes). The connection's first client payload may be only the start of the ClientHello's
  // record header (as HTTP's first piece, HttpModule::recognizes).
  return payload.tcp() &&
         beginsLikeTls(payload.bytes, payload.fromClient(), payload.connection.app.undecidedPayloads == 0);
}

void TlsModule::countClient(const IpAddress& client, const void** hint, const tls::TlsClientSummary& hello,
                            PacketTime t, MemoryAccount& account) {
  TlsClientRecord& r = clients_.findOrCreateHinted(client, hint, account);
  r.add(t, {1}, account);
  TlsFingerprint f;
  f.ja3 = hello.ja3;
  std::copy_n(hello.ja4.data(), std::min(hello.ja4.size(), f.ja4.size()), f.ja4.data());
  r.fingerprints.add(f);
  for (uint16_t v : hello.versions) r.announcedVersions.insert(v);
  for (uint16_t c : hello.cipherSuites) r.announcedCiphers.insert(c);
}

void TlsModule::countClientNegotiated(const IpAddress& client, const void** hint, uint32_t versionCipher,
                                      PacketTime t, MemoryAccount& account) {
  TlsClientRecord& r = clients_.findOrCreateHinted(client, hint, account);
  r.touch(t);
  r.negotiated.add(versionCipher);
}

namespace {

// Counts a connection's alert records in its server's record, at the packet time they were seen.
struct ServerAlerts final : tls::AlertListener {
  KeyedStats<TlsServerKey, TlsServerRecord>& servers;
  Connection& c;
  PacketTime t;
  MemoryAccount& account;

  ServerAlerts(KeyedStats<TlsServerKey, TlsServerRecord>& s, Connection& conn, PacketTime time,
               MemoryAccount& a)
      : servers(s), c(conn), t(time), account(a) {}
  TlsServerRecord& server() {
    TlsServerRecord& r =
        servers.findOrCreateHinted(TlsServerKey{c.serverIp, c.serverPort},
                                   c.records.hint(kServerToClient, &IpHints::tlsServer), account);
    r.touch(t);
    return r;
  }
  void onAlert(uint8_t level, uint8_t description) override {
    server().alerts.add(alertCode(level, description));
  }
  void onEncryptedAlert() override { ++server().encryptedAlerts; }
};

}  // namespace

void TlsModule::onPayload(const L7Payload& payload, HostNameTable& names, MemoryAccount& account) {
  Connection& c = payload.connection;
  if (c.app.analyzerState == nullptr) {
    c.app.analyzerState = std::make_unique<TlsConnectionState>();
    static_cast<TlsConnectionState&>(*c.app.analyzerState).sync(account);
  }
  // A session finishes only here: the dispatch stops offering the connection's payloads.
  c.app.analyzerDone = read(c, *c.app.analyzerState, TcpStreamPiece::of(payload), true, names, account);
}

void TlsModule::startStream(std::unique_ptr<ConnectionAnalysisState>& slot, uint32_t clientSeq,
                            uint32_t serverSeq, MemoryAccount& account) {
  auto state = std::make_unique<TlsConnectionState>();
  state->session.startAt(true, clientSeq);
  state->session.startAt(false, serverSeq);
  state->sync(account);
  slot = std::move(state);
}

bool TlsModule::readStream(Connection& c, ConnectionAnalysisState& state, const TcpStreamPiece& piece,
                           bool namesServer, HostNameTable& names, MemoryAccount& account) {
  return read(c, state, piece, namesServer, names, account);
}

bool TlsModule::read(Connection& c, ConnectionAnalysisState& base, const TcpStreamPiece& piece,
                     bool learnNames, HostNameTable& names, MemoryAccount& account) {
  auto& state = static_cast<TlsConnectionState&>(base);
  const PacketTime t = piece.time;
  ServerAlerts alerts(servers_, c, t, account);
  if (!state.session.parsing()) {
    // After the handshake only the record layer is followed (for alerts): nothing on the heap
    // changes, so the account stays as it is.
    state.session.onSegment(piece.fromClient(), piece.seq, piece.bytes, piece.wireLength, t,
                            state.parserBuffers, &alerts);
    return state.session.finished();
  }
  if (piece.hasAck) state.session.acknowledged(piece.fromClient(), piece.ack);
  const uint8_t events = state.session.onSegment(piece.fromClient(), piece.seq, piece.bytes, piece.wireLength,
                                                 t, state.parserBuffers, &alerts);
  constexpr uint8_t kServerEvents =
      tls::event::kClientHello | tls::event::kServerHello | tls::event::kFirstDataResponse;
  if (events & kServerEvents) {
    const tls::TlsConnectionInfo& info = state.session.info();
    TlsServerRecord& server =
        servers_.findOrCreateHinted(TlsServerKey{c.serverIp, c.serverPort},
                                    c.records.hint(kServerToClient, &IpHints::tlsServer), account);
    server.touch(t);
    if (events & tls::event::kClientHello) {
      ++server.clientHellos;
      if (!info.client.sni.empty()) server.serverNames.add(info.client.sni, 1, t, account);
      for (uint16_t v : info.client.versions) server.announcedVersions.insert(v);
      for (uint16_t s : info.client.cipherSuites) server.announcedCiphers.insert(s);
      countClient(c.clientIp, c.records.hint(kClientToServer, &IpHints::tlsClient), info.client, t, account);
      if (learnNames) learnServerName(names, c, info.client.sni, t, account);
    }
    if (events & tls::event::kServerHello) {
      if (info.hasClientHello) {
        const PacketTime rt = info.handshakeResponseTime();
        server.handshakeTime.add(rt);
        server.add(t, {1, 0, 1, uint64_t(std::max<PacketTime>(0, rt))}, account);
      } else {
        server.add(t, {1, 0}, account);
      }
      server.negotiated.add(versionCipher(info.negotiatedVersion, info.negotiatedCipher));
      countClientNegotiated(c.clientIp, c.records.hint(kClientToServer, &IpHints::tlsClient),
                            versionCipher(info.negotiatedVersion, info.negotiatedCipher), t, account);
    }
    if (events & tls::event::kFirstDataResponse) {
      const PacketTime rt = info.firstDataResponseTime();
      server.add(t, {0, 1, 0, 0, 1, uint64_t(std::max<PacketTime>(0, rt))}, account);
      server.dataTime.add(rt);
    }
  }
  state.sync(account);
  return state.session.finished();
}

}  // namespace netmeter
