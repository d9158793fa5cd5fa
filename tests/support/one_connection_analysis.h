#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "io/packet_source.h"
#include "modules/tls/tls_module.h"
#include "support/report_text.h"

namespace netmeter::test {

// A capture of one connection, analyzed: its report, the report's connection, and what its
// application analyzer holds (header-only: the tests that use it link the engine and the report).
struct OneConnection {
  nlohmann::json report;
  nlohmann::json connection;  // the report's one connection
  bool analyzerDone = false;
  int64_t accountedBytes = 0;  // the connection's analyzer state, as accounted
  int64_t tlsStateBytes = 0;   // of which the TLS state it holds (a CONNECT tunnel's, a STARTTLS upgrade's)
};

inline OneConnection analyzeOneConnection(PacketSource& source, const EngineOptions& options) {
  Engine engine(options);
  engine.run(source);
  OneConnection r;
  r.report = nlohmann::json::parse(reportText(engine, ReportInput{}));
  EXPECT_EQ(r.report["connections"].size(), 1u);
  if (!r.report["connections"].empty()) r.connection = r.report["connections"][0];
  engine.forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) {
      r.analyzerDone = c.app.analyzerDone;
      r.accountedBytes = c.app.analyzerState ? c.app.analyzerState->accountedBytes : 0;
      r.tlsStateBytes = TlsModule::connectionStateBytes(c);
    });
  });
  return r;
}

}  // namespace netmeter::test
