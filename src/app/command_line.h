#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/engine_options.h"

namespace netmeter {

// "512M", "2G", "1.5GiB", "1048576" -> bytes (K/M/G/T are binary multiples); nullopt when invalid.
std::optional<int64_t> parseByteSize(std::string_view text);
// A whole number in [min, max]; nullopt when invalid.
std::optional<int64_t> parseInteger(std::string_view text, int64_t min, int64_t max);
// --reader: "auto", "thread" (a reader thread beside the workers), "workers" (they read in turn).
std::optional<ReaderMode> parseReaderMode(std::string_view text);
// --ip-reassembly: "off" (0) or a size from 64K to 1G.
std::optional<int64_t> parseIpReassembly(std::string_view text);

}  // namespace netmeter

namespace netmeter {

// "1517306266", "1517306266.5", "1517306266.123456789" (epoch seconds, up to 9 decimals) -> ns since
// the epoch; nullopt when invalid.
std::optional<int64_t> parseEpochSeconds(std::string_view text);

}  // namespace netmeter
