#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/packet_time.h"
#include "modules/tls/tls_client_summary.h"
#include "store/memory_account.h"

namespace netmeter::quic {

// What netmeter keeps about one QUIC connection's handshake.
struct QuicConnectionInfo {
  uint32_t version = 0;         // of the first long-header packet (a reserved one gives way to the next)
                                // or of the first gQUIC packet with a version
  bool hasClientHello = false;  // a TLS ClientHello (IETF QUIC)
  bool hasServerHello = false;
  bool hasGoogleHello = false;    // a gQUIC CHLO: its SNI in client.sni, its UAID in userAgent
  tls::TlsClientSummary client;   // SNI, ALPN, versions, cipher suites, JA3, JA4 ('q'); gQUIC: SNI
  std::string userAgent;          // gQUIC CHLO's UAID (at most 255 bytes)
  uint16_t negotiatedCipher = 0;  // from the server's Initial (ServerHello)
  uint16_t negotiatedVersion = 0;
  uint32_t clientInitials = 0;   // client Initial packets seen
  uint32_t decryptFailures = 0;  // Initial packets that did not authenticate
  PacketTime clientHelloTime = 0;
  PacketTime serverHelloTime = 0;
};

// Events of one onDatagram call (bit mask).
namespace event {
inline constexpr uint8_t kClientHello = 1;
inline constexpr uint8_t kServerHello = 2;
inline constexpr uint8_t kGoogleHello = 4;    // a gQUIC CHLO
inline constexpr uint8_t kGoogleVersion = 8;  // the first packet of a gQUIC version whose CHLO is not
                                              // read (Q047 and later, T0xx): the version alone
}  // namespace event

// Decrypts the Initial packets of one QUIC connection (versions of quic_version.h) and reads the TLS
// ClientHello from the client's CRYPTO frames (and the ServerHello from the server's), across packets
// and coalesced datagrams. Keys come from the Destination Connection ID of the client's first Initial,
// or of a server's Retry (its Source Connection ID); a client Initial that does not authenticate with
// them is retried with keys from its own DCID (a Retry the capture missed).
// The parsing state is released once both hellos were read or after `maxInitials` Initial packets.
// Google QUIC (quic_google.h): the version of the client's first packet that has one; for Q0xx up
// to Q046 the CHLO is read from the stream 1 data of the client's cleartext packets (across packets,
// at most `maxInitials` of them); for later versions the session ends at the version.
class QuicSession {
 public:
  struct Options {
    uint32_t maxCryptoBytes = 16384;  // per direction
    uint32_t maxInitials = 8;         // Initial packets tried per direction
    uint32_t maxGooglePackets = 32;   // gQUIC: client packets after the first with a version
  };
  QuicSession() : QuicSession(Options{}) {}
  explicit QuicSession(Options options);
  ~QuicSession();
  QuicSession(const QuicSession&) = delete;
  QuicSession& operator=(const QuicSession&) = delete;

  // One UDP payload; `scratch` (at least the datagram's size) receives decrypted frames. Returns
  // event:: bits.
  uint8_t onDatagram(bool fromClient, std::span<const uint8_t> datagram, PacketTime t,
                     std::span<uint8_t> scratch, MemoryAccount& account);

  bool finished() const { return parsing_ == nullptr; }
  void release(MemoryAccount& account);
  const QuicConnectionInfo& info() const { return info_; }
  int64_t heapBytes() const;

  // Cheap check for a datagram of a QUIC connection netmeter decodes: a long header of a decryptable
  // version (the module only creates sessions for these; 0-RTT packets may precede the Initial), or a
  // gQUIC packet with a version (parseGoogleHeader).
  static bool looksLikeQuic(std::span<const uint8_t> datagram);

 private:
  struct Parsing;
  uint8_t onInitial(bool fromClient, std::span<const uint8_t> packet, const struct LongHeader& header,
                    PacketTime t, std::span<uint8_t> scratch, MemoryAccount& account);
  uint8_t onFrames(bool fromClient, std::span<const uint8_t> frames, PacketTime t, MemoryAccount& account);
  uint8_t onGooglePacket(bool fromClient, const struct GoogleHeader& header, PacketTime t,
                         MemoryAccount& account);
  uint8_t onGoogleMessage(std::span<const uint8_t> message, PacketTime t);

  Options options_;
  QuicConnectionInfo info_;
  std::unique_ptr<Parsing> parsing_;
};

}  // namespace netmeter::quic
