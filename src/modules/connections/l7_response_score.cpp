#include "modules/connections/l7_response_score.h"

#include <cmath>

#include "engine/engine.h"
#include "engine/shard.h"
#include "modules/http/http_module.h"
#include "modules/tls/tls_module.h"

namespace netmeter {

std::optional<uint32_t> l7Score(double reference, double measured) {
  if (!(reference >= 0) || !(measured >= 0)) return std::nullopt;  // also NaN
  if (measured == 0) return 100;
  const double score = std::round(100.0 * reference / measured);
  return score >= 100 ? 100 : uint32_t(score);
}

std::optional<uint32_t> lowerL7Score(std::optional<uint32_t> a, std::optional<uint32_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

L7ResponseScores L7ResponseScores::build(const Engine& engine, const IpAddress* onlyServer) {
  L7ResponseScores scores;
  engine.forEachShard([&](const Shard& s) {
    s.modules().app.http.servers().forEach([&](const IpAddress& ip, const HttpServerRecord& r) {
      if (!onlyServer || ip == *onlyServer)
        scores.addHttp(ip, r.responseTime);
      else
        scores.http_.mergeFrom(r.responseTime);
    });
    s.modules().app.tls.servers().forEach([&](const TlsServerKey& k, const TlsServerRecord& r) {
      if (!onlyServer || k.ip == *onlyServer)
        scores.addTlsHandshakes(k.ip, r.handshakeTime);
      else
        scores.tls_.mergeFrom(r.handshakeTime);
    });
  });
  return scores;
}

void L7ResponseScores::addHttp(const IpAddress& server, const ResponseTimeStats& responseTimes) {
  if (responseTimes.count == 0) return;
  servers_[server].http.mergeFrom(responseTimes);
  http_.mergeFrom(responseTimes);
}

void L7ResponseScores::addTlsHandshakes(const IpAddress& server, const ResponseTimeStats& handshakeTimes) {
  if (handshakeTimes.count == 0) return;
  servers_[server].tls.mergeFrom(handshakeTimes);
  tls_.mergeFrom(handshakeTimes);
}

L7ConnectionScores L7ResponseScores::of(const Connection& c) const {
  const tls::TlsConnectionInfo* t = TlsModule::connectionInfo(c);
  return of(c.serverIp, HttpModule::transactions(c) != nullptr, HttpModule::maxResponseTime(c), t != nullptr,
            t ? t->handshakeResponseTime() : -1);
}

L7ConnectionScores L7ResponseScores::of(const IpAddress& server, bool http, PacketTime httpTime, bool tls,
                                        PacketTime tlsTime) const {
  L7ConnectionScores out;
  if (!http && !tls) return out;
  const auto it = servers_.find(server);
  if (it == servers_.end()) return out;
  const Server& s = it->second;
  // One kind: nothing when the server has no average of it (count 0), else its two scores.
  const auto kind = [](const ResponseTimeStats& own, const ResponseTimeStats& global, PacketTime time) {
    L7ConnectionScores k;
    if (own.count == 0) return k;
    if (time >= 0) k.response = l7Score(own.mean(), double(time));
    k.server = l7Score(global.mean(), own.mean());
    return k;
  };
  if (http) out = kind(s.http, http_, httpTime);
  if (tls) {
    const L7ConnectionScores k = kind(s.tls, tls_, tlsTime);
    out.response = lowerL7Score(out.response, k.response);
    out.server = lowerL7Score(out.server, k.server);
  }
  return out;
}

}  // namespace netmeter
