#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/byte_source.h"
#include "io/capture_reader.h"
#include "io/packet_source.h"

namespace netmeter {

// A source, or why there is none (the error names the file).
struct OpenResult {
  std::unique_ptr<PacketSource> source;
  ReadError error;
  bool ok() const { return source != nullptr; }
};

enum class CaptureFormat { kUnknown, kPcap, kPcapng };

// Recognises pcap (both magics, both byte orders) and pcapng by their first 4 bytes.
CaptureFormat detectCaptureFormat(const uint8_t* data, size_t size);

// One pcap or pcapng file, gzip- or zstd-compressed or not (recognised by magic bytes, not by name).
OpenResult openCaptureFile(const std::string& path, const ReaderOptions& options = {});

// The same from any byte stream (e.g. an upload still arriving, io/growing_file.h): may block in the
// stream's read() until the headers are there. `options.name` names it in errors.
OpenResult openCaptureStream(std::unique_ptr<io::ByteSource> raw, const ReaderOptions& options);

// The same from memory that outlives the source (used by the fuzzers). `options.name` names it in errors.
OpenResult openCaptureMemory(const uint8_t* data, size_t size, const ReaderOptions& options = {});

struct OpenOptions {
  // Read buffer per file; with many files it shrinks so that all buffers together stay near 64 MiB.
  size_t bufferSize = 1 << 20;
  // Per file (in the order of the expanded paths): start reading at this record offset instead of
  // the beginning (CaptureReader::skipTo); missing or 0 = from the beginning.
  std::vector<uint64_t> startOffsets;
  // Per file, the blocks to process on the way to its start offset (TimeOffsetIndex::structureBlocks;
  // nullopt or absent: walk the file up to it).
  std::vector<std::optional<std::vector<uint64_t>>> structureBlocks;
};

// Opens paths as ONE trace. A directory stands for its regular files sorted by name. Several files are
// merged by timestamp (ties: file order, then record order) with interfaces unified across files by
// (name, description, link type); see MergedPacketSource. One file is returned as its own reader.
// Fails, naming the file, when a path cannot be opened or is not a capture.
OpenResult openCaptureFiles(const std::vector<std::string>& paths, const OpenOptions& options = {});

// Every read error of a source so far (all files of a merge), in the order they happened.
inline std::vector<ReadError> captureErrors(const PacketSource& source) {
  return source.errors();
}

// The files `paths` stand for (directories expanded, sorted by name); `error` set on failure.
std::vector<std::string> expandCapturePaths(const std::vector<std::string>& paths, ReadError& error);

}  // namespace netmeter
