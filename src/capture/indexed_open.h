#pragma once

#include <string>
#include <vector>

#include "io/capture_files.h"
#include "io/time_offset_index.h"

namespace netmeter::capture {

// Opens the files of an analysed trace for a capture that starts at packet time `start`: with an
// index built during the analysis (Engine::setTimeIndex), each file is entered at the last indexed
// record before which every packet is older than `start - lookback`, instead of at its beginning.
// With `lookback` 0 the capture sees exactly the packets it would see reading from the beginning
// (see TimeOffsetIndex); a filter that needs connection state passes the flow timeout as lookback so
// that connections active at `start` are seen from (at most that long) before it.
// Without an index (null), or for a start before the trace, this is openCaptureFiles(paths).
OpenResult openIndexed(const std::vector<std::string>& paths, const TimeOffsetIndex* index, PacketTime start,
                       PacketTime lookback = 0);

}  // namespace netmeter::capture
