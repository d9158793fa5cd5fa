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
// SNI values become alternative names of the server IP.
class TlsModule {
 public:
  static bool recognizes(const L7Payload& payload);
  void onPayload(const L7Payload& payload, HostNameTable& names, MemoryAccount& account);

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
  KeyedStats<TlsServerKey, TlsServerRecord> servers_;
  KeyedStats<IpAddress, TlsClientRecord> clients_;
};

// Learns `sni` as an alternative name of the server of `c` unless it is empty or an IP literal.
void learnServerName(HostNameTable& names, Connection& c, std::string_view sni, PacketTime t,
                     MemoryAccount& account);

}  // namespace netmeter
