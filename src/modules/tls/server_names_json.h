#pragma once

// What the TLS and QUIC server tables of the API share: a server's names (SNI) as JSON, and the text
// their table filter searches.
#include <string>

#include "modules/tls/tls_records.h"
#include "query/json_out.h"

namespace netmeter {

// "serverNames": the names shown (ServerNames::shown()), each with its count and last time seen.
inline void writeServerNames(query::JsonOut& j, const ServerNames& names) {
  j.key("serverNames");
  j.beginArray();
  for (const ServerNames::Name* name : names.shown()) {
    j.beginObject();
    j.field("name", name->name);
    j.field("count", name->count);
    j.timeField("lastSeen", name->lastSeen);
    j.endObject();
  }
  j.endArray();
}

// "IP port name name ...": what a server table's text filter matches.
inline std::string serverSearchText(const TlsServerKey& k, const ServerNames& names) {
  std::string text = k.ip.toString() + " " + std::to_string(k.port);
  for (const ServerNames::Name* name : names.shown()) text += " " + name->name;
  return text;
}

}  // namespace netmeter
