#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/packet_time.h"
#include "modules/tls/server_hello.h"
#include "modules/tls/tls_client_summary.h"
#include "modules/tls/tls_record_parser.h"
#include "store/memory_account.h"

namespace netmeter::tls {

// What netmeter keeps about the TLS of one connection (TCP or QUIC) after parsing is over.
struct TlsConnectionInfo {
  bool hasClientHello = false;
  bool hasServerHello = false;
  bool helloRetryRequest = false;
  TlsClientSummary client;
  uint16_t negotiatedVersion = 0;
  uint16_t negotiatedCipher = 0;
  // Last cleartext alert (level 0 = none); encrypted alerts are only counted.
  uint8_t alertLevel = 0;
  uint8_t alertDescription = 0;
  bool alertFromServer = false;
  uint16_t alerts = 0;
  uint16_t encryptedAlerts = 0;
  PacketTime clientHelloTime = 0;
  PacketTime serverHelloTime = 0;
  PacketTime clientDataTime = 0;  // first client application data record
  PacketTime serverDataTime = 0;  // first server application data record after it

  PacketTime handshakeResponseTime() const {
    return hasClientHello && hasServerHello ? serverHelloTime - clientHelloTime : -1;
  }
  PacketTime firstDataResponseTime() const {
    return clientDataTime != 0 && serverDataTime != 0 ? serverDataTime - clientDataTime : -1;
  }
};

// Events of one TlsSession::onSegment call (bit mask).
namespace event {
inline constexpr uint8_t kClientHello = 1;
inline constexpr uint8_t kServerHello = 2;
inline constexpr uint8_t kAlert = 4;
inline constexpr uint8_t kFirstDataResponse = 8;
}  // namespace event

// The TLS handshake of one TCP connection, followed per direction from the TCP payload.
//
// Client side: the ClientHello (SNI, versions, cipher suites, JA3/JA4); server side: the ServerHello
// (after a HelloRetryRequest the next one gives the negotiated parameters). Record headers are then
// followed until the first application data exchange: the first client application data record (in
// TLS 1.3 the client's first encrypted record is its Finished, so the second one is taken) and the
// first server application data record after it give the first-data response time. Cleartext
// alerts are recorded; encrypted ones counted.
//
// Parsing state (`parsing_`) is released as soon as it is no longer needed (`finished()`), so a
// long connection keeps only the small TlsConnectionInfo.
class TlsSession {
 public:
  struct Options {
    uint32_t maxHandshakeMessage = 16384;  // per direction; larger messages stop the parser
    uint32_t maxRecords = 64;              // records per direction followed before giving up
  };

  TlsSession() : TlsSession(Options{}) {}
  explicit TlsSession(Options options);
  ~TlsSession();
  TlsSession(TlsSession&&) noexcept;
  TlsSession& operator=(TlsSession&&) noexcept;

  // One TCP segment of the connection: `payload` is what was captured of its `wireLength` payload
  // bytes starting at sequence number `seq`. Returns event:: bits. A hole in the stream (lost,
  // reordered or snap-length-cut data) ends parsing of that direction.
  uint8_t onSegment(bool fromClient, uint32_t seq, std::span<const uint8_t> payload, uint32_t wireLength,
                    PacketTime t, MemoryAccount& account);
  // In-order stream bytes of one direction (for callers that reassemble TCP themselves).
  uint8_t onStream(bool fromClient, std::span<const uint8_t> bytes, PacketTime t, MemoryAccount& account);

  bool finished() const { return parsing_ == nullptr; }
  // Ends parsing and frees its state (also called by finished parsing itself).
  void release(MemoryAccount& account);
  const TlsConnectionInfo& info() const { return info_; }
  // Bytes this session holds on the heap (parsing state and kept strings), for the memory account.
  int64_t heapBytes() const;

 private:
  struct Direction;
  struct Parsing;
  void checkFinished(MemoryAccount& account);

  Options options_;
  TlsConnectionInfo info_;
  std::unique_ptr<Parsing> parsing_;
};

}  // namespace netmeter::tls
