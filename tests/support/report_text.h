#pragma once

#include <cstdio>
#include <string>

#include "engine/engine.h"
#include "report/json_report.h"

namespace netmeter::test {

// A finished engine's JSON report, as `netmeter analyze --json` writes it (header-only: the tests
// that use it link the engine and the report themselves).
inline std::string reportText(Engine& engine, const ReportInput& input) {
  std::FILE* f = std::tmpfile();
  writeJsonReport(
      engine,
      engine.finishedModules(input.window ? Engine::MergedHistory::kKept : Engine::MergedHistory::kLeftOut),
      input, f);
  std::rewind(f);
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

}  // namespace netmeter::test
