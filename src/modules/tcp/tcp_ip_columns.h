#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

#include "modules/tcp/tcp_stats.h"
#include "query/json_out.h"
#include "query/time_window.h"

namespace netmeter {

// The IP table's TCP columns (the reference's IP list: "TCP handshake time and TCP data response
// time", "TCP payload and retransmissions") over the selected interval, or all time without one, as
// the IP list's tcpPackets. Sums, so the values of several shards' records add up.
struct TcpIpColumns {
  uint64_t handshakesAsClient = 0, handshakeNsAsClient = 0;
  uint64_t handshakesAsServer = 0, handshakeNsAsServer = 0;
  uint64_t dataResponses = 0, dataResponseNs = 0;
  uint64_t payloadBytes = 0, retransmittedBytes = 0;

  // The sort columns of the IP list these give (lower case, as ListParams::sort).
  static bool isColumn(std::string_view c) {
    return c == "handshake" || c == "dataresponsetime" || c == "tcppayload" || c == "retransmissions" ||
           c == "retransmissionpercent";
  }

  void add(const TcpIpRecord& r, const query::TimeWindow& w) {
    const auto v = w.explicitInterval ? w.intervalSum(r.counters) : r.counters.allTime();
    handshakesAsClient += v[kTcpHandshakesAsClient];
    handshakeNsAsClient += v[kTcpHandshakeNsAsClient];
    handshakesAsServer += v[kTcpHandshakesAsServer];
    handshakeNsAsServer += v[kTcpHandshakeNsAsServer];
    dataResponses += v[kTcpDataResponses];
    dataResponseNs += v[kTcpDataResponseNs];
    payloadBytes += v[kTcpPayloadBytes];
    retransmittedBytes += v[kTcpRetransmittedBytes];
  }

  static std::optional<double> average(uint64_t sum, uint64_t count) {
    return count ? std::optional<double>(double(sum) / double(count)) : std::nullopt;
  }
  std::optional<double> handshakeAvgNsAsClient() const {
    return average(handshakeNsAsClient, handshakesAsClient);
  }
  std::optional<double> handshakeAvgNsAsServer() const {
    return average(handshakeNsAsServer, handshakesAsServer);
  }
  std::optional<double> dataResponseAvgNs() const { return average(dataResponseNs, dataResponses); }
  double retransmissionPercent() const {
    return payloadBytes ? 100.0 * double(retransmittedBytes) / double(payloadBytes) : 0.0;
  }

  // The value a sort column orders by: "handshake" the larger of the two roles' averages (the
  // reference sorts a field showing several times by their maximum); no time sorts below any time.
  double sortValue(std::string_view column) const {
    if (column == "handshake")
      return std::max(handshakeAvgNsAsClient().value_or(-1), handshakeAvgNsAsServer().value_or(-1));
    if (column == "dataresponsetime") return dataResponseAvgNs().value_or(-1);
    if (column == "tcppayload") return double(payloadBytes);
    if (column == "retransmissions") return double(retransmittedBytes);
    if (column == "retransmissionpercent") return retransmissionPercent();
    return 0;
  }

  // {"handshakeAvgNsAsClient", "handshakeAvgNsAsServer", "dataResponseAvgNs" (null without samples),
  //  "payloadBytes", "retransmittedBytes", "retransmissionPercent"}
  void write(query::JsonOut& j) const {
    auto optional = [&](std::string_view key, std::optional<double> v) {
      j.key(key);
      if (v)
        j.value(*v);
      else
        j.null();
    };
    j.beginObject();
    optional("handshakeAvgNsAsClient", handshakeAvgNsAsClient());
    optional("handshakeAvgNsAsServer", handshakeAvgNsAsServer());
    optional("dataResponseAvgNs", dataResponseAvgNs());
    j.field("payloadBytes", payloadBytes);
    j.field("retransmittedBytes", retransmittedBytes);
    j.field("retransmissionPercent", retransmissionPercent());
    j.endObject();
  }
};

}  // namespace netmeter
