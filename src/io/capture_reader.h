#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/input_buffer.h"
#include "io/packet_source.h"

namespace netmeter {

struct ReaderOptions {
  std::string name;          // file name used in errors
  uint32_t sourceIndex = 0;  // copied to RawPacket::sourceIndex
  size_t bufferSize = 1 << 20;
  // How many of the input's chunks of bufferSize bytes consumers may hold at once (io::BufferChunk:
  // the engine's batches point at their packets' bytes instead of copying them).
  uint32_t maxHeldChunks = io::InputBuffer::kDefaultMaxHeldChunks;
};

// Largest record a reader accepts (Wireshark's and libpcap's limit for ordinary link types).
inline constexpr uint32_t kMaxCapturedLength = 256 * 1024;

// What the pcap and pcapng readers share: the input window, the error state and the interfaces.
class CaptureReader : public PacketSource {
 public:
  const ReadError& error() const override { return error_; }
  const std::vector<InterfaceInfo>& interfaces() const override { return interfaces_; }
  uint64_t bytesConsumed() const override { return in_->rawBytesConsumed(); }
  uint64_t bytesTotal() const override { return in_->rawBytesTotal(); }
  // Chunks of the input that consumers hold now (see RawPacket::chunk).
  uint32_t heldChunks() const { return in_->heldChunks(); }

  // Continues reading at the record that starts at byte `offset` of the (decompressed) file, as if
  // every record before it had been read (offsets come from RawPacket::recordOffset of an earlier
  // read of the same file, see TimeOffsetIndex). Plain files are seeked; compressed ones are read
  // through. pcapng section and interface blocks before the offset are still processed, so
  // interface ids are unchanged: at the offsets in `structure` (PacketSource::structureBlocks of an
  // earlier read) when given, jumping between them, else by walking every block before the offset.
  // False (and the reader ends with an error) when the file is shorter.
  virtual bool skipTo(uint64_t offset, const std::vector<uint64_t>* structure = nullptr) = 0;

 protected:
  CaptureReader(std::unique_ptr<io::InputBuffer> in, const ReaderOptions& options);
  // Records an error at `offset` and ends the source (kEnd from then on).
  ReadStatus fail(uint64_t offset, std::string message);
  // The stream ended (or failed) with fewer than `needed` bytes of what starts at offset(): kEnd when
  // nothing at all is left and `cleanEndAllowed`, else a truncation or read error there.
  ReadStatus shortInput(size_t needed, const char* what, bool cleanEndAllowed);

  std::unique_ptr<io::InputBuffer> in_;
  std::string name_;
  uint32_t sourceIndex_;
  bool finished_ = false;
  ReadError error_;
  std::vector<InterfaceInfo> interfaces_;
};

}  // namespace netmeter
