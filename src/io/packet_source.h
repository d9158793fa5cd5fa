#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/raw_packet.h"

namespace netmeter {

// A capture interface as the trace declares it (pcapng IDB, or the single interface of a pcap file).
struct InterfaceInfo {
  std::string name;         // if_name option, or "" when the file has none
  std::string description;  // if_description option
  uint16_t linkType = 0;
  uint32_t snapLength = 0;
  uint32_t timestampDigits = 6;        // decimal resolution of the file's timestamps (6 = us, 9 = ns)
  uint8_t fcsBytes = 0;                // frames end with an FCS of this many bytes (pcap header / if_fcslen)
  int64_t timestampOffsetSeconds = 0;  // pcapng if_tsoffset, already added to packet timestamps
};

enum class ReadStatus { kPacket, kEnd, kError };

// Where a read failed: the file and the byte offset in the decompressed stream, plus what was wrong.
struct ReadError {
  std::string file;
  uint64_t offset = 0;
  std::string message;
  bool decompressed = false;     // the file was compressed: `offset` counts decompressed bytes
  std::string toString() const;  // "FILE: offset N: MESSAGE" ("offset N (decompressed)" if so)
};

// A sequence of packets in timestamp order (as far as the capture is ordered). Implementations:
// a single pcap/pcapng file, and the merge of several files into one trace.
class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // Reads the next packet into `packet`. After kError, error() says what and where; everything read
  // before stays valid and the source returns kEnd from then on.
  virtual ReadStatus next(RawPacket& packet) = 0;
  virtual const ReadError& error() const = 0;
  // Every error so far. A merge of several files goes on after one file fails, so it can hold more
  // than one; error() is the first. Default: error() alone once it is set.
  virtual std::vector<ReadError> errors() const {
    if (error().message.empty()) return {};
    return {error()};
  }
  // Interfaces known so far, indexed by RawPacket::interfaceId. Grows as pcapng IDBs are read.
  virtual const std::vector<InterfaceInfo>& interfaces() const = 0;
  // The offsets of the blocks of file `sourceIndex` (RawPacket::sourceIndex) read so far that a reader
  // entering the file later must process (pcapng section headers and interface descriptions), for
  // TimeOffsetIndex: true and `out` filled when the file has such blocks and a reader may jump
  // between them (CaptureReader::skipTo); false when it must walk the file (pcap has none to list;
  // a pcapng file with simple packet blocks, whose time is the previous packet's, must be walked).
  virtual bool structureBlocks(uint32_t sourceIndex, std::vector<uint64_t>& out) const {
    (void)sourceIndex;
    (void)out;
    return false;
  }
  // Progress: bytes consumed from the underlying (possibly compressed) files, and their total size.
  virtual uint64_t bytesConsumed() const = 0;
  virtual uint64_t bytesTotal() const = 0;
};

}  // namespace netmeter
