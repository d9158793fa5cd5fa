#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>

#include "core/ip_address.h"
#include "modules/common/traffic_record.h"

namespace netmeter {

// Counters of TCP statistics with history, per IP and globally. The first twelve are what the IP sent
// or did in any role (they mirror TcpSideCounters); the others depend on its role in the connection.
// Times are sums in nanoseconds; averages are sum / count.
enum TcpStat : size_t {
  kTcpPayloadBytes = 0,        // TCP payload sent (retransmissions included)
  kTcpPayloadSegments,
  kTcpRetransmittedBytes,      // payload of retransmitted segments sent
  kTcpRetransmittedSegments,
  kTcpMissedBytes,             // sent, acknowledged by the peer, never seen
  kTcpDupAcks,                 // duplicate ACKs sent
  kTcpZeroWindows,             // segments announcing a zero window
  kTcpOutOfOrder,              // segments sent that arrived out of order
  kTcpDataResponses,           // data response time samples: this IP acknowledging its peer's data
  kTcpDataResponseNs,
  kTcpDataTransfers,           // data bursts sent (application times)
  kTcpDataTransferNs,
  kTcpHandshakesAsClient,      // completed handshakes, SYN -> ACK time
  kTcpHandshakeNsAsClient,
  kTcpHandshakesAsServer,
  kTcpHandshakeNsAsServer,
  kTcpTransactionsAsServer,    // client data answered with data (application times)
  kTcpFirstResponseNsAsServer,  // last client data -> first server data
  kTcpRequestResponsesAsServer,  // finished transactions
  kTcpRequestResponseNsAsServer,  // first client data -> last server data
  kTcpStatCount
};
static_assert(kTcpStatCount == 20, "TimeSeries<20> is instantiated in store/time_series.cpp");
// Their names in JSON ("counters" of the API's tcpStats and of the report), in TcpStat order.
inline constexpr const char* kTcpStatNames[kTcpStatCount] = {"payloadBytes",
                                                             "payloadSegments",
                                                             "retransmittedBytes",
                                                             "retransmittedSegments",
                                                             "missedBytes",
                                                             "dupAcks",
                                                             "zeroWindows",
                                                             "outOfOrder",
                                                             "dataResponses",
                                                             "dataResponseNs",
                                                             "dataTransfers",
                                                             "dataTransferNs",
                                                             "handshakesAsClient",
                                                             "handshakeNsAsClient",
                                                             "handshakesAsServer",
                                                             "handshakeNsAsServer",
                                                             "transactionsAsServer",
                                                             "firstResponseNsAsServer",
                                                             "requestResponsesAsServer",
                                                             "requestResponseNsAsServer"};

// All-time extremes that a sum cannot give.
struct TcpExtremes {
  int64_t handshakeMinNsAsClient = INT64_MAX;
  int64_t handshakeMaxNsAsClient = 0;
  int64_t handshakeMinNsAsServer = INT64_MAX;
  int64_t handshakeMaxNsAsServer = 0;
  int64_t dataResponseMaxNs = 0;
  int64_t firstResponseMaxNsAsServer = 0;
  int64_t requestResponseMaxNsAsServer = 0;

  void mergeFrom(const TcpExtremes& o) {
    handshakeMinNsAsClient = std::min(handshakeMinNsAsClient, o.handshakeMinNsAsClient);
    handshakeMaxNsAsClient = std::max(handshakeMaxNsAsClient, o.handshakeMaxNsAsClient);
    handshakeMinNsAsServer = std::min(handshakeMinNsAsServer, o.handshakeMinNsAsServer);
    handshakeMaxNsAsServer = std::max(handshakeMaxNsAsServer, o.handshakeMaxNsAsServer);
    dataResponseMaxNs = std::max(dataResponseMaxNs, o.dataResponseMaxNs);
    firstResponseMaxNsAsServer = std::max(firstResponseMaxNsAsServer, o.firstResponseMaxNsAsServer);
    requestResponseMaxNsAsServer = std::max(requestResponseMaxNsAsServer, o.requestResponseMaxNsAsServer);
  }
};

// TCP statistics of one IP (or of all traffic): counters with history, extremes, connection counts.
struct TcpIpRecord : TrafficRecord<kTcpStatCount> {
  TcpExtremes extremes;
  uint64_t connectionsAsClient = 0;  // TCP connections seen
  uint64_t connectionsAsServer = 0;
  uint64_t validAsClient = 0;        // of which valid (handshake complete or payload seen)
  uint64_t validAsServer = 0;

  void mergeFrom(const TcpIpRecord& o, MemoryAccount& account) {
    TrafficRecord::mergeFrom(o, account);
    extremes.mergeFrom(o.extremes);
    connectionsAsClient += o.connectionsAsClient;
    connectionsAsServer += o.connectionsAsServer;
    validAsClient += o.validAsClient;
    validAsServer += o.validAsServer;
  }
};

// An open TCP server port: an IP that answered a SYN with a SYN-ACK on it.
struct TcpServerPortKey {
  IpAddress ip;
  uint16_t port = 0;
  friend bool operator==(const TcpServerPortKey&, const TcpServerPortKey&) = default;
  friend auto operator<=>(const TcpServerPortKey&, const TcpServerPortKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const TcpServerPortKey& k) {
    return H::combine(std::move(h), k.ip, k.port);
  }
};

// First and last connection (start time of the connections accepted) and how many.
struct TcpServerPortRecord : Activity {
  uint64_t connections = 0;
  void release(MemoryAccount&) {}
  void compact(int64_t, const RetentionPolicy&, MemoryAccount&) {}
  void dropBefore(int64_t, MemoryAccount&) {}
  void mergeFrom(const TcpServerPortRecord& o, MemoryAccount&) {
    Activity::mergeFrom(o);
    connections += o.connections;
  }
};

}  // namespace netmeter
