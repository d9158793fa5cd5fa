#pragma once

#include <cstdint>
#include <vector>

#include "core/ip_address.h"
#include "modules/app/host_names.h"
#include "modules/app/l7_payload.h"
#include "modules/common/counted_set.h"
#include "modules/common/keyed_stats.h"
#include "modules/quic/quic_session.h"
#include "modules/tls/tls_records.h"

namespace netmeter {

class TlsModule;

// One row of the "QUIC TLS server" table (quic-module.txt): a QUIC server (IP:port) with the server
// names clients asked for in the ClientHello of their Initial packets (gQUIC: in their CHLO).
// Counters with history: [connections whose ClientHello (or CHLO) was read, ServerHellos read, timed
// handshakes (both read), their handshake response times' sum in ns] (the sum gives the average of
// any interval or history point).
struct QuicServerRecord : TrafficRecord<4> {
  ServerNames serverNames;
  CountedSet<uint32_t, 4> versions;           // QUIC versions of those connections, and of the gQUIC
                                              // connections whose CHLO netmeter cannot read (Q047+, T0xx)
  CountedSet<uint16_t, 8> negotiatedCiphers;  // from the server's Initial (ServerHello)
  ResponseTimeStats handshakeTime;            // client Initial with the ClientHello -> server's ServerHello
  uint64_t decryptFailures = 0;               // Initial packets that did not authenticate

  void mergeFrom(const QuicServerRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    serverNames.mergeFrom(o.serverNames, account);
    versions.mergeFrom(o.versions);
    negotiatedCiphers.mergeFrom(o.negotiatedCiphers);
    handshakeTime.mergeFrom(o.handshakeTime);
    decryptFailures += o.decryptFailures;
  }
  void release(MemoryAccount& account) {
    TrafficRecord::release(account);
    serverNames.release(account);
  }
};

// QUIC over UDP: decrypts each connection's Initial packets (quic::QuicSession) to read the TLS
// ClientHello (SNI, ALPN, JA3/JA4, counted per client in TlsModule) and ServerHello, reads the CHLO
// of Google QUIC (SNI, user agent), and keeps the QUIC TLS server table. SNI values become
// alternative names of the server IP.
class QuicModule {
 public:
  static constexpr size_t kScratchBytes = 65536;  // one decrypted datagram, allocated once per worker

  static bool recognizes(const L7Payload& payload);
  void onPayload(const L7Payload& payload, HostNameTable& names, TlsModule& tls, MemoryAccount& account);

  void compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
    servers_.compact(nowSecond, policy, account);
  }
  void dropBefore(int64_t second, MemoryAccount& account) { servers_.dropBefore(second, account); }
  size_t evictBefore(PacketTime before, MemoryAccount& account) {
    return servers_.evictBefore(before, account);
  }
  void mergeFrom(const QuicModule& o, MemoryAccount& account) { servers_.mergeFrom(o.servers_, account); }

  const KeyedStats<TlsServerKey, QuicServerRecord>& servers() const { return servers_; }
  // The QUIC handshake details of a connection read by this module; nullptr for other connections.
  static const quic::QuicConnectionInfo* connectionInfo(const Connection& c);

 private:
  KeyedStats<TlsServerKey, QuicServerRecord> servers_;
  std::vector<uint8_t> scratch_;
};

}  // namespace netmeter
