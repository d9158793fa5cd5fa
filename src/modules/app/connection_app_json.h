#pragma once

#include <algorithm>
#include <string_view>

#include "core/packet_time.h"
#include "flow/connection.h"
#include "modules/dns/dns_module.h"
#include "modules/dpi/ndpi_classifier.h"
#include "modules/http/http_module.h"
#include "modules/quic/quic_module.h"
#include "modules/starttls/starttls_module.h"
#include "modules/tls/ja3.h"
#include "modules/tls/tls_module.h"
#include "modules/tls/tls_text.h"

namespace netmeter {

// The application-level fields of a connection object, for any JSON writer with
// key/field/value/null/begin/end (the report's JsonWriter and the API's JsonOut), so that
// `netmeter analyze --json` and the REST API describe a connection alike. Points in time use the
// writer's `timeField` when it has one (the API: epoch microseconds), else ns; durations are ns.
namespace app_json {

template <typename W>
void time(W& w, std::string_view key, PacketTime t) {
  if constexpr (requires { w.timeField(key, t); }) {
    w.timeField(key, t);
  } else {
    w.field(key, int64_t{t});
  }
}

template <typename W>
void optionalNs(W& w, std::string_view key, PacketTime t) {
  w.key(key);
  if (t >= 0) w.value(int64_t{t});
  else w.null();
}

template <typename W, typename Versions>
void versions(W& w, std::string_view key, const Versions& set) {
  w.key(key);
  w.beginArray();
  for (uint16_t v : set) w.value(std::string_view(tls::versionText(v)));
  w.endArray();
}

template <typename W, typename Ciphers>
void ciphers(W& w, std::string_view key, const Ciphers& set) {
  w.key(key);
  w.beginArray();
  for (uint16_t c : set) w.value(std::string_view(tls::cipherText(c)));
  w.endArray();
}

template <typename W>
void clientHello(W& w, const tls::TlsClientSummary& c) {
  w.field("sni", std::string_view(c.sni));
  w.field("alpn", std::string_view(c.alpn));
  versions(w, "announcedVersions", c.versions);
  ciphers(w, "announcedCipherSuites", c.cipherSuites);
  w.field("ja3", std::string_view(tls::ja3Hex(c.ja3)));
  w.field("ja4", std::string_view(c.ja4));
}

}  // namespace app_json

// "l7Protocol" (nDPI's name, "unclassified" or "pending"), then "dns": {query, type} of a DNS
// connection, "http": [the last transactions kept] of an HTTP connection and "starttls": {protocol,
// upgraded} of a connection read by the STARTTLS analyzer.
template <typename W>
void writeConnectionL7Fields(W& w, const Connection& c) {
  w.field("l7Protocol", std::string_view(l7DisplayName(c.app.l7)));
  DnsModule::Query query;
  if (DnsModule::lastQuery(c, query)) {
    w.key("dns");
    w.beginObject();
    w.field("query", query.name);
    w.field("type", uint32_t{query.type});
    w.endObject();
  }
  if (const auto* transactions = HttpModule::transactions(c)) {
    w.key("http");
    w.beginArray();
    for (const HttpTransaction& t : *transactions) {
      w.beginObject();
      app_json::time(w, "requestTime", t.requestTime);
      w.field("method", std::string_view(t.method));
      w.field("host", std::string_view(t.host));
      w.field("url", std::string_view(t.url));
      w.key("status");
      if (t.status) w.value(uint32_t{t.status});
      else w.null();
      app_json::optionalNs(w, "responseTime", t.responseTime);
      w.endObject();
    }
    w.endArray();
  }
  if (const auto starttls = StartTlsModule::status(c)) {
    w.key("starttls");
    w.beginObject();
    w.field("protocol", startTlsProtocolName(starttls->protocol));
    w.field("upgraded", starttls->upgraded);
    w.endObject();
  }
}

// "tls": {...} or "quic": {...} of a connection whose handshake was read (nothing otherwise).
template <typename W>
void writeConnectionTlsFields(W& w, const Connection& c) {
  if (const tls::TlsConnectionInfo* t = TlsModule::connectionInfo(c)) {
    w.key("tls");
    w.beginObject();
    if (t->hasClientHello) app_json::clientHello(w, t->client);
    if (t->hasServerHello) {
      w.field("negotiatedVersion", std::string_view(tls::versionText(t->negotiatedVersion)));
      w.field("negotiatedCipherSuite", std::string_view(tls::cipherText(t->negotiatedCipher)));
    }
    if (t->alerts > 0) {
      w.key("alert");
      w.beginObject();
      w.field("level", tls::alertLevelName(t->alertLevel));
      w.field("description", tls::alertDescriptionName(t->alertDescription));
      w.field("fromServer", t->alertFromServer);
      w.field("count", uint32_t{t->alerts});
      w.endObject();
    }
    w.field("encryptedAlerts", uint32_t{t->encryptedAlerts});
    app_json::optionalNs(w, "handshakeResponseTime", t->handshakeResponseTime());
    app_json::optionalNs(w, "firstDataResponseTime", t->firstDataResponseTime());
    w.endObject();
  } else if (const quic::QuicConnectionInfo* q = QuicModule::connectionInfo(c)) {
    w.key("quic");
    w.beginObject();
    w.field("version", std::string_view(tls::quicVersionText(q->version)));
    if (q->hasClientHello) app_json::clientHello(w, q->client);
    if (q->hasGoogleHello) {  // gQUIC's CHLO: no TLS, so no ALPN, TLS versions, cipher suites, JA3/JA4
      w.field("sni", std::string_view(q->client.sni));
      w.field("userAgent", std::string_view(q->userAgent));
    }
    if (q->hasServerHello) w.field("negotiatedCipherSuite", std::string_view(tls::cipherText(q->negotiatedCipher)));
    w.field("decryptFailures", q->decryptFailures);
    w.endObject();
  }
}

// The reference's "Layer 7 response time" of a connection: the longest response time of its HTTP
// transactions (all of them, not only the kept ones), or its TLS handshake (or first data) response
// time, the larger when both; -1 when it has none.
inline PacketTime connectionL7ResponseTime(const Connection& c) {
  PacketTime best = HttpModule::maxResponseTime(c);
  if (const tls::TlsConnectionInfo* t = TlsModule::connectionInfo(c))
    best = std::max({best, t->handshakeResponseTime(), t->firstDataResponseTime()});
  return best;
}

// The name a connection's client asked its server for, when the connection says: TLS or QUIC SNI,
// else the Host of its last HTTP request; empty otherwise.
inline std::string_view connectionServerName(const Connection& c) {
  if (const tls::TlsConnectionInfo* t = TlsModule::connectionInfo(c); t && t->hasClientHello && !t->client.sni.empty())
    return t->client.sni;
  if (const quic::QuicConnectionInfo* q = QuicModule::connectionInfo(c);
      q && (q->hasClientHello || q->hasGoogleHello) && !q->client.sni.empty())
    return q->client.sni;
  if (const auto* transactions = HttpModule::transactions(c); transactions && !transactions->empty())
    return transactions->back().host;
  return {};
}

}  // namespace netmeter
