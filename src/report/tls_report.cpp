#include "report/tls_report.h"

#include <cstdio>

#include "modules/app/connection_app_json.h"
#include "modules/quic/quic_version.h"
#include "modules/tls/ja3.h"
#include "modules/tls/tls_constants.h"
#include "report/parallel_rows.h"

namespace netmeter {

namespace {

using tls::cipherText;
using tls::quicVersionText;
using tls::versionText;

void writeResponseTimes(ReportJson& w, std::string_view key, const ResponseTimeStats& rt) {
  w.key(key);
  w.beginObject();
  w.field("count", rt.count);
  w.field("avg", rt.mean());
  w.field("stddev", rt.stddev());
  w.key("min");
  if (rt.count)
    w.value(rt.min);
  else
    w.null();
  w.field("max", rt.max);
  w.endObject();
}

template <typename Set>
void writeVersions(ReportJson& w, std::string_view key, const Set& set) {
  w.key(key);
  w.beginArray();
  for (uint16_t v : set) w.value(versionText(v));
  w.endArray();
}
template <typename Set>
void writeCiphers(ReportJson& w, std::string_view key, const Set& set) {
  w.key(key);
  w.beginArray();
  for (uint16_t c : set) w.value(cipherText(c));
  w.endArray();
}

void writeNegotiated(ReportJson& w, const CountedSet<uint32_t, 8>& negotiated) {
  w.key("negotiated");
  w.beginArray();
  for (const auto& e : negotiated) {
    w.beginObject();
    w.field("version", versionText(uint16_t(e.value >> 16)));
    w.field("cipherSuite", cipherText(uint16_t(e.value)));
    w.field("count", e.count);
    w.endObject();
  }
  w.endArray();
}

void writeServerNames(ReportJson& w, const ServerNames& names) {
  w.key("serverNames");
  w.beginArray();
  for (const ServerNames::Name* name : names.shown()) {
    w.beginObject();
    w.field("name", name->name);
    w.field("count", name->count);
    w.field("lastSeen", name->lastSeen);
    w.endObject();
  }
  w.endArray();
}

void writeTlsServers(ReportJson& w, const TlsModule& m) {
  w.key("tlsServers");
  w.beginArray();
  for (const auto& [key, r] : sortedByKey(m.servers())) {
    w.beginObject();
    w.field("ip", key.ip.toString());
    w.field("port", uint32_t{key.port});
    writeActivity(w, *r);  // [handshakes, first data responses]
    w.field("clientHellos", r->clientHellos);
    writeServerNames(w, r->serverNames);
    writeResponseTimes(w, "handshakeResponseTime", r->handshakeTime);
    writeResponseTimes(w, "firstDataResponseTime", r->dataTime);
    writeVersions(w, "announcedVersions", r->announcedVersions);
    writeCiphers(w, "announcedCipherSuites", r->announcedCiphers);
    writeNegotiated(w, r->negotiated);
    w.key("alerts");
    w.beginArray();
    for (const auto& e : r->alerts) {
      w.beginObject();
      w.field("level", tls::alertLevelName(uint8_t(e.value >> 8)));
      auto description = tls::alertDescriptionName(uint8_t(e.value));
      w.field("description", description.empty() ? std::to_string(e.value & 0xff) : std::string(description));
      w.field("count", e.count);
      w.endObject();
    }
    w.endArray();
    w.endObject();
  }
  w.endArray();
}

void writeTlsClients(ReportJson& w, const TlsModule& m) {
  w.key("tlsClients");
  w.beginArray();
  const auto clients = sortedByKey(m.clients());
  writeRowsInParallel(w, clients.size(), [&](ReportJson& j, size_t row) {
    const auto& [ip, r] = clients[row];
    j.beginObject();
    j.field("ip", ip.toString());
    writeActivity(j, *r);  // [ClientHellos]
    j.key("fingerprints");
    j.beginArray();
    for (const auto& e : r->fingerprints) {
      j.beginObject();
      j.field("ja3", tls::ja3Hex(e.value.ja3));
      j.field("ja4", e.value.ja4View());
      j.field("count", e.count);
      j.endObject();
    }
    j.endArray();
    writeVersions(j, "announcedVersions", r->announcedVersions);
    writeCiphers(j, "announcedCipherSuites", r->announcedCiphers);
    writeNegotiated(j, r->negotiated);
    j.endObject();
  });
  w.endArray();
}

void writeQuicServers(ReportJson& w, const QuicModule& m) {
  w.key("quicServers");
  w.beginArray();
  for (const auto& [key, r] : sortedByKey(m.servers())) {
    w.beginObject();
    w.field("ip", key.ip.toString());
    w.field("port", uint32_t{key.port});
    writeActivity(w, *r);  // [connections with a ClientHello]
    writeServerNames(w, r->serverNames);
    w.key("versions");
    w.beginArray();
    for (const auto& e : r->versions) {
      w.beginObject();
      w.field("version", quicVersionText(e.value));
      w.field("count", e.count);
      w.endObject();
    }
    w.endArray();
    w.key("negotiatedCipherSuites");
    w.beginArray();
    for (const auto& e : r->negotiatedCiphers) {
      w.beginObject();
      w.field("cipherSuite", cipherText(e.value));
      w.field("count", e.count);
      w.endObject();
    }
    w.endArray();
    writeResponseTimes(w, "handshakeResponseTime", r->handshakeTime);
    w.field("decryptFailures", r->decryptFailures);
    w.endObject();
  }
  w.endArray();
}

}  // namespace

void writeConnectionTls(ReportJson& w, const Connection& c) {
  writeConnectionTlsFields(w, c);
}

void writeTlsModules(ReportJson& w, const ModuleSet& m) {
  writeTlsServers(w, m.app.tls);
  writeTlsClients(w, m.app.tls);
  writeQuicServers(w, m.app.quic);
}

}  // namespace netmeter
