#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "io/packet_source.h"

namespace netmeter {

class OuiDatabase;

struct ReportInput {
  std::vector<std::string> files;
  std::vector<ReadError> errors;
  std::vector<InterfaceInfo> interfaces;
  const OuiDatabase* vendors = nullptr;
  double wallSeconds = 0;
};

// Writes every statistic of a finished analysis as one JSON document. Per-entity objects have the
// shapes the REST API serves (an IP object carries "ip" and "allTime": [rx packets, rx bytes,
// tx packets, tx bytes]); all times are nanoseconds since the epoch (packet time). Output is sorted
// by key so that it does not depend on the number of worker threads.
void writeJsonReport(const Engine& engine, const ReportInput& input, std::FILE* out);

}  // namespace netmeter
