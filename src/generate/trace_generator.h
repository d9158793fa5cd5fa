#pragma once

#include <string>

#include "generate/generator_options.h"

namespace netmeter {

// Writes options.packets packets of synthetic traffic to `path` (classic pcap, Ethernet, nanosecond
// timestamps). Deterministic: the same options give a byte-identical file. Memory grows with the
// number of hosts and of sessions active at once, not with the number of packets.
GeneratorResult generateTrace(const GeneratorOptions& options, const std::string& path,
                              const GeneratorProgress& progress = {});

}  // namespace netmeter
