#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "io/packet_source.h"
#include "store/time_series.h"

namespace netmeter {

class OuiDatabase;

// An interval of packet time [fromSecond, toSecond) in epoch seconds: every counter object then also
// carries "interval" (the sum over it), "intervalPerSecond" and, with historyPoints > 0, a "history"
// dataset of at most that many points ({"starttime", "timespan" (step in s), "values": [[...], ...]}).
struct ReportWindow {
  // [fromSecond, toSecond) of a trace whose first packet lies in traceFirstSecond.
  ReportWindow(int64_t from, int64_t to, size_t points, int64_t traceFirstSecond)
      : fromSecond(from),
        toSecond(to),
        historyPoints(points),
        sumFromSecond(intervalSumStart(from, traceFirstSecond)) {}
  int64_t fromSecond;
  int64_t toSecond;
  size_t historyPoints;
  int64_t sumFromSecond;  // where the sums start (intervalSumStart)
};

// Rows per block when the report's large tables are rendered on several threads.
inline constexpr size_t kReportBlockRows = 2048;

struct ReportInput {
  std::vector<std::string> files;
  std::vector<ReadError> errors;
  std::vector<InterfaceInfo> interfaces;
  const OuiDatabase* vendors = nullptr;
  double wallSeconds = 0;
  std::optional<ReportWindow> window;
  // Threads that render the large tables (connections are the bulk of the report) at once, in blocks
  // of renderBlockRows rows; the output is the same for any number. Default: one per core.
  unsigned renderThreads = std::max(1u, std::thread::hardware_concurrency());
  size_t renderBlockRows = kReportBlockRows;
};

// Writes every statistic of a finished analysis as one JSON document. Per-entity objects have the
// shapes the REST API serves (an IP object carries "ip" and "allTime": [rx packets, rx bytes,
// tx packets, tx bytes]); all times are nanoseconds since the epoch (packet time). Output is sorted
// by key so that it does not depend on the number of worker threads.
// `merged`: engine.finishedModules().
void writeJsonReport(const Engine& engine, const ModuleSet& merged, const ReportInput& input, std::FILE* out);

}  // namespace netmeter
