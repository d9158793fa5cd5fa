#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "core/packet_time.h"
#include "modules/tls/server_hello.h"
#include "modules/tls/tls_client_summary.h"
#include "modules/tls/tls_record_follower.h"
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
  // Last cleartext alert (level 0 = none); encrypted alerts are only counted. Counts saturate.
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
inline constexpr uint8_t kEncryptedAlert = 16;
}  // namespace event

// Told of every alert record as a TlsSession sees it (TlsModule counts them per server). One call per
// alert, never per byte.
class AlertListener {
 public:
  virtual void onAlert(uint8_t level, uint8_t description) = 0;
  virtual void onEncryptedAlert() = 0;

 protected:
  ~AlertListener() = default;
};

// The TLS of one TCP connection, followed per direction from the TCP payload.
//
// Client side: the ClientHello (SNI, versions, cipher suites, JA3/JA4); server side: the ServerHello
// (after a HelloRetryRequest the next one gives the negotiated parameters). Record headers are then
// followed until the first application data exchange: the first client application data record (in
// TLS 1.3 the client's first encrypted record is its Finished, so the second one is taken) and the
// first server application data record after it give the first-data response time.
//
// This handshake analysis (`parsing_`, on the heap) is released as soon as it is no longer needed.
// From then on each direction's record layer is followed by a TlsRecordFollower (16 bytes inline,
// record headers only) until the connection ends or that direction has a hole, so that the alerts
// at the end of a connection are seen too.
//
// Alerts: an alert record (content type 21) of 2 bytes is a cleartext alert (level, description;
// the last one is kept); one of another length is encrypted (after ChangeCipherSpec: the MAC or
// AEAD tag makes it longer) and only counted — the rule tshark uses for "Encrypted Alert". In TLS 1.3
// an alert after the ServerHello is an encrypted application_data record (type 23), which cannot be
// told from data without the keys: not counted (a 1.3 alert is seen only in cleartext, before the
// handshake's encryption starts, e.g. a refused ClientHello).
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
  // bytes starting at sequence number `seq`. Returns event:: bits; `alerts`, when given, hears of
  // every alert record. During the handshake a segment ahead of the stream waits in a
  // TcpReorderBuffer for the bytes before it; a hole that cannot be waited for (the buffer is full,
  // or snap-length-cut data) ends that direction's handshake parse, and after the handshake any hole
  // ends that direction's record following.
  uint8_t onSegment(bool fromClient, uint32_t seq, std::span<const uint8_t> payload, uint32_t wireLength,
                    PacketTime t, MemoryAccount& account, AlertListener* alerts = nullptr);

  // The sender of a segment (with the ACK flag) acknowledged the peer's stream up to `ack`: where the
  // peer's stream starts when none of it has been seen yet, so that a first segment that overtook
  // the one before it waits for it (TlsModule calls this before onSegment).
  void acknowledged(bool fromClient, uint32_t ack);
  // The direction's stream starts at sequence number `seq` (a stream inside a CONNECT tunnel begins
  // after the HTTP heads): earlier bytes are not TLS, and a segment after it waits for the bytes before
  // it. Called before the direction's first segment.
  void startAt(bool fromClient, uint32_t seq);

  // The handshake analysis still holds its parsing state.
  bool parsing() const { return parsing_ != nullptr; }
  // Nothing more to read: parsing is over and no direction's record layer is followed.
  bool finished() const {
    return parsing_ == nullptr && !followers_[0].following() && !followers_[1].following();
  }
  // Ends the handshake analysis and frees its state (also called by finished parsing itself); the
  // directions without a hole go on with their record layer.
  void release(MemoryAccount& account);
  const TlsConnectionInfo& info() const { return info_; }
  // Bytes this session holds on the heap (parsing state and kept strings), for the memory account.
  int64_t heapBytes() const;

 private:
  struct Direction;
  struct Parsing;
  uint8_t onStream(bool fromClient, std::span<const uint8_t> bytes, PacketTime t, MemoryAccount& account,
                   AlertListener* alerts);
  void checkFinished(MemoryAccount& account);

  // What every segment after the handshake reads comes first: with the owner's vtable pointer and
  // account (TlsModule's TlsConnectionState) it fits in 64 bytes.
  std::unique_ptr<Parsing> parsing_;
  TlsRecordFollower followers_[2];  // client, server: once parsing_ is released
  Options options_;
  TlsConnectionInfo info_;
};

}  // namespace netmeter::tls
