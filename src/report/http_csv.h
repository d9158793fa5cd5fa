#pragma once

#include <cstdio>

#include "engine/engine.h"

namespace netmeter {

// Writes the HTTP request/response pairs kept per connection as CSV (RFC 4180), one line per
// connection with its last pair, or with `all` one line per kept pair (a connection repeated for each,
// oldest first), as the reference's connection CSV download does. Connections sorted like the report.
void writeHttpTransactionsCsv(const Engine& engine, bool all, std::FILE* out);

}  // namespace netmeter
