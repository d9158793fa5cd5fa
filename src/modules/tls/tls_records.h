#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "modules/common/counted_set.h"
#include "modules/common/name_hash.h"
#include "modules/common/response_time_stats.h"
#include "modules/common/small_set.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// A TLS (or QUIC) server: IP and port.
struct TlsServerKey {
  IpAddress ip;
  uint16_t port = 0;
  friend bool operator==(const TlsServerKey&, const TlsServerKey&) = default;
  friend bool operator<(const TlsServerKey& a, const TlsServerKey& b) {
    return a.ip < b.ip || (a.ip == b.ip && a.port < b.port);
  }
  template <typename H>
  friend H AbslHashValue(H h, const TlsServerKey& k) {
    return H::combine(std::move(h), k.ip, k.port);
  }
};

// The server names (SNI) clients asked a server for: the kMax most recently seen are shown, with
// counts. Up to kKept are kept, so that the counts are exact (and the same for any number of workers)
// for servers with up to kKept names; beyond that the least recently seen is replaced, and a name
// that comes back counts again from one (per worker). Which names are shown is exact in any case: the
// most recent ones of each shard include the most recent ones overall.
struct ServerNames {
  static constexpr size_t kMax = 8;
  static constexpr size_t kKept = 32;
  struct Name {
    std::string name;
    uint64_t count = 0;
    PacketTime lastSeen = INT64_MIN;
  };
  std::array<Name, kKept> names;
  // Hash of each name (nameHash), scanned before a name is compared: 2 cache lines instead of the
  // names' 24 and their heap strings.
  std::array<uint32_t, kKept> hashes{};
  uint8_t size = 0;
  bool overflow = false;

  void add(std::string_view name, uint64_t count, PacketTime t, MemoryAccount& account);
  void mergeFrom(const ServerNames& o, MemoryAccount& account) {
    for (uint8_t i = 0; i < o.size; ++i) add(o.names[i].name, o.names[i].count, o.names[i].lastSeen, account);
    overflow = overflow || o.overflow;
  }
  void release(MemoryAccount& account);
  // The kMax names shown: the most recently seen first (ties: by name).
  std::vector<const Name*> shown() const;
};

// Negotiated (version << 16 | cipher suite) pairs; alerts as (level << 8 | description).
inline uint32_t versionCipher(uint16_t version, uint16_t cipher) {
  return uint32_t{version} << 16 | cipher;
}
inline uint16_t alertCode(uint8_t level, uint8_t description) {
  return uint16_t(level << 8 | description);
}

// SSL/TLS statistics of one server (IP:port), from the server's view. Counters with history:
// [handshakes (ServerHello seen), first data responses, timed handshakes (ClientHello seen too),
// their handshake response times' sum in ns, timed first data responses, their sum in ns] (the sums
// give the average response times of any interval or history point).
struct TlsServerRecord : TrafficRecord<6> {
  ServerNames serverNames;
  ResponseTimeStats handshakeTime;  // ClientHello -> ServerHello
  ResponseTimeStats dataTime;       // first client application data -> first server application data
  uint64_t clientHellos = 0;
  SmallSet<uint16_t, 8> announcedVersions;
  SmallSet<uint16_t, 64> announcedCiphers;
  CountedSet<uint32_t, 8> negotiated;  // versionCipher()
  CountedSet<uint16_t, 8> alerts;      // alertCode() of cleartext alerts, either direction
  uint64_t encryptedAlerts = 0;        // alert records that are not cleartext, either direction

  void mergeFrom(const TlsServerRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    serverNames.mergeFrom(o.serverNames, account);
    handshakeTime.mergeFrom(o.handshakeTime);
    dataTime.mergeFrom(o.dataTime);
    clientHellos += o.clientHellos;
    announcedVersions.mergeFrom(o.announcedVersions);
    announcedCiphers.mergeFrom(o.announcedCiphers);
    negotiated.mergeFrom(o.negotiated);
    alerts.mergeFrom(o.alerts);
    encryptedAlerts += o.encryptedAlerts;
  }
  // Cleartext and encrypted alerts.
  uint64_t alertCount() const {
    uint64_t n = encryptedAlerts;
    for (const auto& e : alerts) n += e.count;
    return n;
  }
  void release(MemoryAccount& account) {
    TrafficRecord::release(account);
    serverNames.release(account);
  }
};

// A client fingerprint: JA3 (MD5) and JA4 ("t13d1516h2_8daaf6152771_e5627efa2ab1").
struct TlsFingerprint {
  std::array<uint8_t, 16> ja3{};
  std::array<char, 36> ja4{};
  friend bool operator==(const TlsFingerprint&, const TlsFingerprint&) = default;
  friend bool operator<(const TlsFingerprint& a, const TlsFingerprint& b) {
    return a.ja4 < b.ja4 || (a.ja4 == b.ja4 && a.ja3 < b.ja3);
  }
  std::string_view ja4View() const { return {ja4.data(), ja4.size()}; }
};

// SSL/TLS statistics of one client IP (TLS over TCP and QUIC): counter [ClientHellos] with history,
// its fingerprints, what it announced and what was negotiated with it.
struct TlsClientRecord : TrafficRecord<1> {
  CountedSet<TlsFingerprint, 8> fingerprints;
  SmallSet<uint16_t, 8> announcedVersions;
  SmallSet<uint16_t, 64> announcedCiphers;
  CountedSet<uint32_t, 8> negotiated;

  void mergeFrom(const TlsClientRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    fingerprints.mergeFrom(o.fingerprints);
    announcedVersions.mergeFrom(o.announcedVersions);
    announcedCiphers.mergeFrom(o.announcedCiphers);
    negotiated.mergeFrom(o.negotiated);
  }
};

}  // namespace netmeter
