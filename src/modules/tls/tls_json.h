#pragma once

// The JSON of the TLS values that the report (src/report/tls_report.cpp) and the API (tls_api.cpp)
// both write, for either writer (core/json_emitter.h: the report's ReportJson, the API's JsonOut).
#include <cstdint>
#include <string_view>

#include "modules/tls/ja3.h"
#include "modules/tls/tls_records.h"
#include "modules/tls/tls_text.h"

namespace netmeter::tls_json {

// `key`: the announced versions, by name.
template <typename Json, typename Set>
void versions(Json& j, std::string_view key, const Set& set) {
  j.key(key);
  j.beginArray();
  for (uint16_t v : set) j.value(tls::versionText(v));
  j.endArray();
}

// `key`: the announced cipher suites, by name.
template <typename Json, typename Set>
void cipherSuites(Json& j, std::string_view key, const Set& set) {
  j.key(key);
  j.beginArray();
  for (uint16_t c : set) j.value(tls::cipherText(c));
  j.endArray();
}

// "negotiated": (version, cipher suite) pairs with their counts.
template <typename Json>
void negotiated(Json& j, const CountedSet<uint32_t, 8>& set) {
  j.key("negotiated");
  j.beginArray();
  for (const auto& e : set) {
    j.beginObject();
    j.field("version", tls::versionText(uint16_t(e.value >> 16)));
    j.field("cipherSuite", tls::cipherText(uint16_t(e.value)));
    j.field("count", e.count);
    j.endObject();
  }
  j.endArray();
}

// "alerts": level, description and count of each alert seen.
template <typename Json>
void alerts(Json& j, const CountedSet<uint16_t, 8>& set) {
  j.key("alerts");
  j.beginArray();
  for (const auto& e : set) {
    j.beginObject();
    j.field("level", tls::alertLevelName(uint8_t(e.value >> 8)));
    j.field("description", tls::alertDescriptionText(uint8_t(e.value)));
    j.field("count", e.count);
    j.endObject();
  }
  j.endArray();
}

// "fingerprints": a client's JA3 and JA4 fingerprints with their counts.
template <typename Json>
void fingerprints(Json& j, const CountedSet<TlsFingerprint, 8>& set) {
  j.key("fingerprints");
  j.beginArray();
  for (const auto& e : set) {
    j.beginObject();
    j.field("ja3", tls::ja3Hex(e.value.ja3));
    j.field("ja4", e.value.ja4View());
    j.field("count", e.count);
    j.endObject();
  }
  j.endArray();
}

}  // namespace netmeter::tls_json
