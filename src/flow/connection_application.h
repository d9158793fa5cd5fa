#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <memory>

#include "core/packet_time.h"
#include "store/memory_account.h"

namespace netmeter {

struct DpiIpRecord;
struct DpiProtocolRecord;

// Layer-7 classification of a connection, with nDPI protocol ids (modules/dpi/). `master` is the
// carrier protocol (e.g. TLS, DNS, HTTP), `app` the application (e.g. YouTube); either may be 0
// (unknown). nDPI's "guesses" (by port) are never taken: a connection nDPI could not recognise is
// kUnclassified.
enum class L7Status : uint8_t {
  kPending,       // still being classified (or never offered to the classifier yet)
  kClassified,    // master and/or app hold the result
  kUnclassified,  // the classifier gave up: shown as "unclassified"
};
struct L7Classification {
  uint16_t master = 0;
  uint16_t app = 0;
  L7Status status = L7Status::kPending;
  // The most specific protocol id (app when known, else master); 0 when unclassified.
  uint16_t protocol() const { return app != 0 ? app : master; }
};

// State a classifier or an application analyzer keeps for one connection (the nDPI flow, DNS
// queries waiting for replies, HTTP transactions, ...). Owned by the connection and released with
// it; `accountedBytes` is what its creator added to the shard's MemoryAccount. The virtual destructor
// is the only virtual call: analyzers reach their state through ConnectionApplication::analyzer
// (a switch), never per byte.
struct ConnectionAnalysisState {
  virtual ~ConnectionAnalysisState() = default;
  int64_t accountedBytes = 0;
};

// Which application analyzer reads a connection's payload (modules/app/application_module.h).
enum class AppAnalyzer : uint8_t {
  kUndecided,  // no payload recognised yet
  kNone,       // nothing recognised in the first payloads: payload is no longer looked at
  kDns,
  kHttp,
  kTls,       // TLS over TCP (modules/tls)
  kQuic,      // QUIC over UDP (modules/quic)
  kStartTls,  // SMTP, IMAP, POP3, FTP followed until a STARTTLS upgrade, then TLS (modules/starttls)
};

// Everything application-level a connection carries: its L7 classification, the records the DPI
// module counts it in, and the application analyzer that reads its payload with that analyzer's
// state. Released (memory accounted) when the flow table removes the connection.
struct ConnectionApplication {
  L7Classification l7;
  AppAnalyzer analyzer = AppAnalyzer::kUndecided;
  uint8_t undecidedPayloads = 0;  // payload packets seen while kUndecided
  // `analyzer` has read all it wants of this connection (QUIC once its handshake is parsed; TLS once
  // neither direction's record layer can be followed any more, for its alerts): its later payloads
  // are not offered to it, which spares the dispatch the look at its state (another cache line) for
  // every packet of a long connection.
  bool analyzerDone = false;
  // DPI records this connection's traffic is counted in once classified (see ConnectionRecords for
  // why remembering them is safe).
  DpiIpRecord* clientL7 = nullptr;
  DpiIpRecord* serverL7 = nullptr;
  DpiProtocolRecord* globalL7 = nullptr;
  // Traffic counted to those records since the last flush (DpiModule::flushTraffic), per Direction.
  std::array<uint32_t, 2> l7Packets{};
  std::array<uint64_t, 2> l7Bytes{};
  PacketTime l7First = INT64_MAX;
  PacketTime l7Last = INT64_MIN;
  std::unique_ptr<ConnectionAnalysisState> classifier;     // nDPI flow, only while classifying
  std::unique_ptr<ConnectionAnalysisState> analyzerState;  // of `analyzer`, created by it

  void releaseClassifier(MemoryAccount& account) { release(classifier, account); }
  void release(MemoryAccount& account) {
    release(classifier, account);
    release(analyzerState, account);
  }

 private:
  static void release(std::unique_ptr<ConnectionAnalysisState>& s, MemoryAccount& account) {
    if (s == nullptr) return;
    account.add(-s->accountedBytes);
    s.reset();
  }
};

}  // namespace netmeter
