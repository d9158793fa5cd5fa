#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "io/packet_source.h"
#include "io/raw_packet.h"

namespace netmeter {

// Where to start reading each file of a trace for a given packet time, so that a capture of the
// past (fromCaptureBuffer) need not read an analysed capture file from its beginning.
//
// Built while the analysis reads the trace: add() sees every packet on the reader thread and, every
// `everyPackets` packets or `everyNanos` of packet time per file, records (record offset, the latest
// packet time of all records before it in that file). Because that time is a maximum over everything
// before the offset, seeking to the last entry whose time is before a capture's start skips only
// packets older than the start, even in a file whose packets are slightly out of order, and the
// capture sees exactly the packets a read from the beginning would have started with.
//
// Bounded memory: at most `maxEntriesPerFile` per file; when full, every other entry is dropped and
// the spacing doubles (16 bytes per entry). add() takes no lock except when it appends (about once
// per `everyPackets` packets); seekOffsets() may be called from any thread at any time.
class TimeOffsetIndex {
 public:
  struct Options {
    uint64_t everyPackets = 4096;
    PacketTime everyNanos = 1'000'000'000;
    size_t maxEntriesPerFile = 65536;
  };
  TimeOffsetIndex() : TimeOffsetIndex(Options{}) {}
  explicit TimeOffsetIndex(const Options& options) : options_(options) {}

  // Reader thread: one call per packet, in read order. With `source` (the one `packet` came from),
  // each new entry also takes the file's structure blocks read so far (PacketSource::structureBlocks).
  void add(const RawPacket& packet, const PacketSource* source = nullptr) {
    if (packet.sourceIndex >= cursors_.size()) grow(packet.sourceIndex);
    Cursor& c = cursors_[packet.sourceIndex];
    if (++c.sinceEntry >= c.everyPackets || packet.timestamp >= c.nextTime) append(packet, c, source);
    if (packet.timestamp > c.maxTime) c.maxTime = packet.timestamp;
  }

  // Per file (by RawPacket::sourceIndex): the record offset to start reading at for a capture that
  // starts at packet time `start`; 0 = from the beginning (also for files the index has not seen).
  std::vector<uint64_t> seekOffsets(PacketTime start, size_t files) const;
  // Per file: the offsets of the blocks a reader entering it must process, to jump between them
  // (CaptureReader::skipTo); nullopt where the reader must walk the file up to the offset instead.
  std::vector<std::optional<std::vector<uint64_t>>> structureBlocks(size_t files) const;
  // Entries held now, over all files (for tests and memory reports).
  size_t entryCount() const;
  size_t memoryBytes() const { return entryCount() * sizeof(Entry); }

 private:
  struct Entry {
    uint64_t offset;
    PacketTime maxTimeBefore;
  };
  struct Cursor {  // reader thread only
    PacketTime maxTime = INT64_MIN;
    PacketTime nextTime = INT64_MIN;
    uint64_t sinceEntry = 0;
    uint64_t everyPackets = 0;
    PacketTime everyNanos = 0;
  };
  void grow(uint32_t sourceIndex);
  void append(const RawPacket& packet, Cursor& cursor, const PacketSource* source);

  Options options_;
  std::vector<Cursor> cursors_;
  mutable std::mutex mutex_;                                     // guards entries_
  std::vector<std::vector<Entry>> entries_;                      // per file, offsets ascending
  std::vector<std::optional<std::vector<uint64_t>>> structure_;  // per file, as of its last entry
};

}  // namespace netmeter
