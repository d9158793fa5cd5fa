#include "capture/indexed_open.h"

namespace netmeter::capture {

OpenResult openIndexed(const std::vector<std::string>& paths, const TimeOffsetIndex* index, PacketTime start,
                       PacketTime lookback) {
  OpenOptions options;
  if (index != nullptr && start != INT64_MIN) {
    ReadError error;
    const size_t files = expandCapturePaths(paths, error).size();
    const PacketTime from = start < INT64_MIN + lookback ? INT64_MIN : start - lookback;
    options.startOffsets = index->seekOffsets(from, files);
    options.structureBlocks = index->structureBlocks(files);
  }
  return openCaptureFiles(paths, options);
}

}  // namespace netmeter::capture
