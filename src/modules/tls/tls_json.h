#pragma once

// The JSON of the TLS values that the report (src/report/tls_report.cpp) and the API (tls_api.cpp)
// both write, for either writer (core/json_emitter.h: the report's ReportJson, the API's JsonOut).
#include <cstdint>
#include <string_view>

#include "modules/tls/ja3.h"
#include "modules/tls/tls_records.h"
#include "modules/tls/tls_text.h"

namespace netmeter::tls_json {

// `key`: an array of each value's text.
template <typename Json, typename Set, typename Text>
void texts(Json& j, std::string_view key, const Set& set, Text&& text) {
  j.key(key);
  j.beginArray();
  for (const auto v : set) j.value(text(v));
  j.endArray();
}

// `key`: an array of objects, each value's fields (fields(j, value)) and its "count".
template <typename Json, typename Set, typename Fields>
void counted(Json& j, std::string_view key, const Set& set, Fields&& fields) {
  j.key(key);
  j.beginArray();
  for (const auto& e : set) {
    j.beginObject();
    fields(j, e.value);
    j.field("count", e.count);
    j.endObject();
  }
  j.endArray();
}

// `key`: the announced versions, by name.
template <typename Json, typename Set>
void versions(Json& j, std::string_view key, const Set& set) {
  texts(j, key, set, [](uint16_t v) { return tls::versionText(v); });
}

// `key`: the announced cipher suites, by name.
template <typename Json, typename Set>
void cipherSuites(Json& j, std::string_view key, const Set& set) {
  texts(j, key, set, [](uint16_t c) { return tls::cipherText(c); });
}

// "negotiated": (version, cipher suite) pairs with their counts.
template <typename Json>
void negotiated(Json& j, const CountedSet<uint32_t, 8>& set) {
  counted(j, "negotiated", set, [](Json& o, uint32_t v) {
    o.field("version", tls::versionText(uint16_t(v >> 16)));
    o.field("cipherSuite", tls::cipherText(uint16_t(v)));
  });
}

// "alerts": level, description and count of each alert seen.
template <typename Json>
void alerts(Json& j, const CountedSet<uint16_t, 8>& set) {
  counted(j, "alerts", set, [](Json& o, uint16_t v) {
    o.field("level", tls::alertLevelName(uint8_t(v >> 8)));
    o.field("description", tls::alertDescriptionText(uint8_t(v)));
  });
}

// "fingerprints": a client's JA3 and JA4 fingerprints with their counts.
template <typename Json>
void fingerprints(Json& j, const CountedSet<TlsFingerprint, 8>& set) {
  counted(j, "fingerprints", set, [](Json& o, const TlsFingerprint& f) {
    o.field("ja3", tls::ja3Hex(f.ja3));
    o.field("ja4", f.ja4View());
  });
}

}  // namespace netmeter::tls_json
