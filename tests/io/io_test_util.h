#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/packet_source.h"

namespace netmeter::test {

// One packet as read, with a copy of its bytes (RawPacket::data is only valid until the next read).
struct PacketRecord {
  PacketTime timestamp = 0;
  uint32_t capturedLength = 0;
  uint32_t originalLength = 0;
  uint16_t linkType = 0;
  uint16_t interfaceId = 0;
  uint32_t sourceIndex = 0;
  uint64_t recordOffset = 0;
  std::string bytes;
  // Equal as packets of a trace (timestamp, lengths, link type, bytes), wherever they were read from.
  bool samePacket(const PacketRecord& o) const {
    return timestamp == o.timestamp && capturedLength == o.capturedLength &&
           originalLength == o.originalLength && linkType == o.linkType && bytes == o.bytes;
  }
};

struct ReadAll {
  bool opened = false;
  ReadError openError;
  std::vector<PacketRecord> packets;
  ReadStatus last = ReadStatus::kEnd;  // what ended the reading (kEnd or kError)
  std::vector<ReadError> errors;
  std::vector<InterfaceInfo> interfaces;
};

ReadAll readSource(PacketSource& source);
ReadAll readPaths(const std::vector<std::string>& paths);
ReadAll readMemory(const std::string& bytes, const std::string& name);

std::string readFileBytes(const std::filesystem::path& path);
void writeFileBytes(const std::filesystem::path& path, const std::string& bytes);
std::string gzipBytes(const std::string& bytes);
std::string zstdBytes(const std::string& bytes);

struct ManifestCapture {
  std::string path;  // relative to pcaps/
  std::string format;
  uint64_t packets = 0;
};
std::vector<ManifestCapture> manifestCaptures();

// A fresh temporary directory, removed with its contents at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace netmeter::test
