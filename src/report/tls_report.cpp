#include "report/tls_report.h"

#include <cstdio>

#include "modules/app/connection_app_json.h"
#include "modules/common/response_time_json.h"
#include "modules/quic/quic_version.h"
#include "modules/tls/ja3.h"
#include "modules/tls/tls_constants.h"
#include "modules/tls/tls_json.h"
#include "report/parallel_rows.h"

namespace netmeter {

namespace {

using tls::cipherText;
using tls::quicVersionText;

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
    writeActivity(w, *r);  // TlsServerRecord's six counters
    w.field("clientHellos", r->clientHellos);
    writeServerNames(w, r->serverNames);
    writeResponseTimeObject(w, "handshakeResponseTime", r->handshakeTime);
    writeResponseTimeObject(w, "firstDataResponseTime", r->dataTime);
    tls_json::versions(w, "announcedVersions", r->announcedVersions);
    tls_json::cipherSuites(w, "announcedCipherSuites", r->announcedCiphers);
    tls_json::negotiated(w, r->negotiated);
    tls_json::alerts(w, r->alerts);
    w.field("encryptedAlerts", r->encryptedAlerts);
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
    tls_json::fingerprints(j, r->fingerprints);
    tls_json::versions(j, "announcedVersions", r->announcedVersions);
    tls_json::cipherSuites(j, "announcedCipherSuites", r->announcedCiphers);
    tls_json::negotiated(j, r->negotiated);
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
    writeResponseTimeObject(w, "handshakeResponseTime", r->handshakeTime);
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
