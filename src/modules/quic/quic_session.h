#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "core/packet_time.h"
#include "modules/tls/tls_client_summary.h"
#include "store/memory_account.h"

namespace netmeter::quic {

// What netmeter keeps about one QUIC connection's handshake.
struct QuicConnectionInfo {
  uint32_t version = 0;  // of the first long-header packet (a reserved one gives way to the next)
  bool hasClientHello = false;
  bool hasServerHello = false;
  tls::TlsClientSummary client;   // SNI, ALPN, versions, cipher suites, JA3, JA4 ('q')
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
}  // namespace event

// Decrypts the Initial packets of one QUIC connection (versions of quic_version.h) and reads the TLS
// ClientHello from the client's CRYPTO frames (and the ServerHello from the server's), across packets
// and coalesced datagrams. Keys come from the Destination Connection ID of the client's first Initial,
// or of a server's Retry (its Source Connection ID); a client Initial that does not authenticate with
// them is retried with keys from its own DCID (a Retry the capture missed).
// The parsing state is released once both hellos were read or after `maxInitials` Initial packets.
class QuicSession {
 public:
  struct Options {
    uint32_t maxCryptoBytes = 16384;  // per direction
    uint32_t maxInitials = 8;         // Initial packets tried per direction
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
  // version (the module only creates sessions for these; 0-RTT packets may precede the Initial).
  static bool looksLikeLongHeader(std::span<const uint8_t> datagram);

 private:
  struct Parsing;
  uint8_t onInitial(bool fromClient, std::span<const uint8_t> packet, const struct LongHeader& header,
                    PacketTime t, std::span<uint8_t> scratch, MemoryAccount& account);
  uint8_t onFrames(bool fromClient, std::span<const uint8_t> frames, PacketTime t, MemoryAccount& account);

  Options options_;
  QuicConnectionInfo info_;
  std::unique_ptr<Parsing> parsing_;
};

}  // namespace netmeter::quic
