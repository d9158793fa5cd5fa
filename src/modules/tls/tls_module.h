#pragma once

#include "core/ip_address.h"
#include "flow/connection_application.h"
#include "modules/app/host_names.h"
#include "modules/app/l7_payload.h"
#include "modules/common/keyed_stats.h"
#include "modules/tls/tls_client_summary.h"
#include "modules/tls/tls_records.h"
#include "modules/tls/tls_session.h"

namespace netmeter {

// TLS over TCP: follows each connection's handshake (tls::TlsSession) and keeps
// - per server (IP:port): server names (SNI), client-announced versions and cipher suites, negotiated
//   version and cipher, alerts, handshake and first-data response times (TlsServerRecord);
// - per client IP: JA3/JA4 fingerprints, announced and negotiated parameters (TlsClientRecord; QUIC
//   ClientHellos are counted here too);
// - per connection: the TlsConnectionInfo (TlsConnectionState, released with the connection).
// SNI values become alternative names of the server IP, except for TLS inside a CONNECT tunnel: there
// the SNI names the origin server behind the proxy, not the address the connection reaches.
//
// The TLS of a connection is either its own payload (AppAnalyzer::kTls, the state in
// Connection::app.analyzerState) or an InnerStream of another analyzer's state, handed over by the
// application dispatch (readStream): the stream inside an HTTP CONNECT tunnel (AppAnalyzer::kHttp),
// the TLS after a STARTTLS upgrade (AppAnalyzer::kStartTls).
class TlsModule {
 public:
  static bool recognizes(const L7Payload& payload);
  // Whether `bytes`, the first bytes of a direction's stream, begin like TLS: a handshake record
  // header (SSL 3.0 .. TLS 1.3 record versions) with a ClientHello from the client, a ServerHello from
  // the server. `mayBePartial`: fewer than 6 client bytes are taken when they begin a record header
  // (a ClientHello sent in pieces; the record parser joins them).
  static bool beginsLikeTls(std::span<const uint8_t> bytes, bool fromClient, bool mayBePartial);
  void onPayload(const L7Payload& payload, HostNameTable& names, MemoryAccount& account);

  // TLS carried as another analyzer's inner stream (a CONNECT tunnel, after STARTTLS): `state` is the
  // slot its per-connection state lives in, created by startStream with each direction's first
  // sequence number. Records are keyed by the connection's server IP:port as for direct TLS; the SNI
  // is learned as an alternative name of that address only when `namesServer` (InnerStream::namesServer).
  // Returns whether the stream is finished (nothing more to read).
  static void startStream(std::unique_ptr<ConnectionAnalysisState>& state, uint32_t clientSeq,
                          uint32_t serverSeq, MemoryAccount& account);
  bool readStream(Connection& c, ConnectionAnalysisState& state, const TcpStreamPiece& piece,
                  bool namesServer, HostNameTable& names, MemoryAccount& account);

  // Counts a ClientHello (TLS or QUIC) for its client IP. `hint`: the client address's hint to its
  // record (IpHints::tlsClient, for EntityTable::findOrCreateHinted), or null.
  void countClient(const IpAddress& client, const void** hint, const tls::TlsClientSummary& hello,
                   PacketTime t, MemoryAccount& account);
  void countClientNegotiated(const IpAddress& client, const void** hint, uint32_t versionCipher, PacketTime t,
                             MemoryAccount& account);

  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
    servers_.compact(nowSecond, policy, account);
    clients_.compact(nowSecond, policy, account);
  }
  void dropBefore(int64_t second, MemoryAccount& account) {
    servers_.dropBefore(second, account);
    clients_.dropBefore(second, account);
  }
  size_t evictBefore(PacketTime before, MemoryAccount& account) {
    return servers_.evictBefore(before, account) + clients_.evictBefore(before, account);
  }
  void mergeFrom(const TlsModule& o, MemoryAccount& account) {
    servers_.mergeFrom(o.servers_, account);
    clients_.mergeFrom(o.clients_, account);
  }

  const KeyedStats<TlsServerKey, TlsServerRecord>& servers() const { return servers_; }
  const KeyedStats<IpAddress, TlsClientRecord>& clients() const { return clients_; }
  // The TLS details of a connection read by this module; nullptr for other connections.
  static const tls::TlsConnectionInfo* connectionInfo(const Connection& c);
  // The TLS session of such a connection (nullptr for others), and the bytes its state holds (what
  // its ConnectionAnalysisState::accountedBytes must say).
  static const tls::TlsSession* session(const Connection& c);
  static int64_t connectionStateBytes(const Connection& c);

 private:
  bool read(Connection& c, ConnectionAnalysisState& state, const TcpStreamPiece& piece, bool learnNames,
            HostNameTable& names, MemoryAccount& account);

  KeyedStats<TlsServerKey, TlsServerRecord> servers_;
  KeyedStats<IpAddress, TlsClientRecord> clients_;
};

// Learns `sni` as an alternative name of the server of `c` unless it is empty or an IP literal.
void learnServerName(HostNameTable& names, Connection& c, std::string_view sni, PacketTime t,
                     MemoryAccount& account);

}  // namespace netmeter
