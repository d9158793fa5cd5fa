#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/capture_reader.h"

namespace netmeter {

// One pcapng section (SHB): its byte order, version and descriptive options.
struct PcapngSection {
  uint64_t offset = 0;  // of the SHB in the (decompressed) file
  bool bigEndian = false;
  uint16_t majorVersion = 1;
  uint16_t minorVersion = 0;
  uint32_t firstInterface = 0;  // file-wide id of the section's interface 0
  std::string hardware;         // shb_hardware
  std::string os;               // shb_os
  std::string application;      // shb_userappl
  std::string comment;          // opt_comment (the first one)
};

// pcapng files: SHB (several sections, either byte order), IDB, EPB, SPB and the obsolete packet block;
// every other block is skipped. Interface ids are file-wide: each new section appends its interfaces.
class PcapngReader final : public CaptureReader {
 public:
  static constexpr uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
  static constexpr uint32_t kInterfaceBlock = 1;
  static constexpr uint32_t kObsoletePacketBlock = 2;
  static constexpr uint32_t kSimplePacketBlock = 3;
  static constexpr uint32_t kEnhancedPacketBlock = 6;
  // Blocks the reader parses must fit in memory; a larger length is damage, not data.
  static constexpr uint32_t kMaxBufferedBlock = 16 << 20;

  // Reads the first section header; nullptr and `error` set when it is not a valid pcapng file.
  static std::unique_ptr<PcapngReader> open(std::unique_ptr<io::InputBuffer> in, const ReaderOptions& options,
                                            ReadError& error);

  ReadStatus next(RawPacket& packet) override;
  bool skipTo(uint64_t offset, const std::vector<uint64_t>* structure = nullptr) override;
  bool structureBlocks(uint32_t sourceIndex, std::vector<uint64_t>& out) const override;
  const std::vector<PcapngSection>& sections() const { return sections_; }

 private:
  struct Clock {
    uint16_t linkType = 0;
    uint32_t snapLength = 0;
    uint64_t ticksPerSecond = 1'000'000;
    uint64_t nanosPerTick = 1000;  // 0 when ticks are finer than 1 ns or do not divide a second
    int64_t offsetNanos = 0;
  };

  PcapngReader(std::unique_ptr<io::InputBuffer> in, const ReaderOptions& options)
      : CaptureReader(std::move(in), options) {}
  bool readSectionHeader();
  bool readInterface(const uint8_t* block, uint32_t length, uint64_t offset);
  ReadStatus readPacket(uint32_t type, const uint8_t* block, uint32_t length, uint64_t offset,
                        RawPacket& packet);
  ReadStatus skipBlock(uint32_t type, uint32_t length, uint64_t offset);
  PacketTime toNanos(uint64_t ticks, const Clock& clock) const;

  bool bigEndian_ = false;
  uint32_t sectionBase_ = 0;   // file-wide id of the current section's interface 0
  uint32_t sectionCount_ = 0;  // interfaces declared in the current section
  PacketTime lastTimestamp_ = 0;
  // Offsets of the section header and interface blocks read so far (ascending), for structureBlocks;
  // `structureJumpable_` false once a simple packet block was read or the list would exceed
  // kMaxStructureBlocks.
  static constexpr size_t kMaxStructureBlocks = 4096;
  std::vector<uint64_t> structure_;
  bool structureJumpable_ = true;
  void noteStructure(uint64_t offset);
  std::vector<Clock> clocks_;  // by file-wide interface id
  std::vector<PcapngSection> sections_;
};

}  // namespace netmeter
