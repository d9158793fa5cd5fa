#include "io/pcap_reader.h"

#include <algorithm>

#include "io/byte_order.h"

namespace netmeter {

using io::load16;
using io::load32;

std::unique_ptr<PcapReader> PcapReader::open(std::unique_ptr<io::InputBuffer> in,
                                             const ReaderOptions& options, ReadError& error) {
  error = ReadError{options.name, 0, {}, in->decompressing()};
  if (!in->ensure(kFileHeaderSize)) {
    error.message = in->failed()
                        ? in->failure()
                        : "truncated pcap file header: " + std::to_string(in->available()) + " of 24 bytes";
    return nullptr;
  }
  const uint8_t* h = in->data();
  std::unique_ptr<PcapReader> r(new PcapReader(std::move(in), options));
  const uint32_t magicBe = load32(h, true);
  const uint32_t magicLe = load32(h, false);
  if (magicBe == 0xa1b2c3d4 || magicBe == 0xa1b23c4d) {
    r->bigEndian_ = true;
    r->nanosecond_ = magicBe == 0xa1b23c4d;
  } else if (magicLe == 0xa1b2c3d4 || magicLe == 0xa1b23c4d) {
    r->nanosecond_ = magicLe == 0xa1b23c4d;
  } else {
    error.message = "not a pcap file (bad magic number)";
    return nullptr;
  }
  const bool be = r->bigEndian_;
  const uint16_t major = load16(h + 4, be);
  if (major != 2) {
    error.message = "unsupported pcap version " + std::to_string(major);
    return nullptr;
  }
  const uint32_t snapLength = load32(h + 16, be);
  const uint32_t linkField = load32(h + 20, be);
  InterfaceInfo info;
  info.linkType = static_cast<uint16_t>(linkField & 0xffff);
  info.snapLength = snapLength;
  info.timestampDigits = r->nanosecond_ ? 9 : 6;
  // Bits 28..31 of the link-type field: F flag (28) and the FCS length in 16-bit words (29..31).
  if ((linkField & 0x10000000u) != 0) info.fcsBytes = static_cast<uint8_t>(((linkField >> 29) & 7) * 2);
  r->linkType_ = info.linkType;
  r->fractionToNanos_ = r->nanosecond_ ? 1 : 1000;
  // Writers do not always respect their own snaplen (e.g. 1 in the header, 8 in the record), so
  // accept some slack above it; anything beyond is a damaged record header.
  const uint64_t slackLimit = std::max<uint64_t>(snapLength, 65535) + 65536;
  r->maxCaptured_ = static_cast<uint32_t>(std::min<uint64_t>(kMaxCapturedLength, slackLimit));
  r->interfaces_.push_back(std::move(info));
  r->in_->consume(kFileHeaderSize);
  return r;
}

bool PcapReader::skipTo(uint64_t offset, const std::vector<uint64_t>* /*structure: pcap has none*/) {
  if (finished_) return false;
  const uint64_t at = in_->offset();
  if (offset <= at) return true;
  if (in_->skip(offset - at)) return true;
  fail(at, "cannot continue at offset " + std::to_string(offset) + ": the file is shorter");
  return false;
}

ReadStatus PcapReader::next(RawPacket& packet) {
  if (finished_) return ReadStatus::kEnd;
  io::InputBuffer& in = *in_;
  if (!in.ensure(kRecordHeaderSize)) return shortInput(kRecordHeaderSize, "record header", true);
  const uint8_t* h = in.data();
  const bool be = bigEndian_;
  const uint32_t captured = load32(h + 8, be);
  if (captured > maxCaptured_) [[unlikely]] {
    return fail(in.offset(), "record captured length " + std::to_string(captured) + " exceeds the limit of " +
                                 std::to_string(maxCaptured_) + " (snaplen " +
                                 std::to_string(interfaces_[0].snapLength) + "): corrupt record header");
  }
  const size_t recordSize = kRecordHeaderSize + captured;
  if (!in.ensure(recordSize)) return shortInput(recordSize, "record", false);
  h = in.data();
  const uint32_t seconds = load32(h, be);
  const uint32_t fraction = load32(h + 4, be);
  const uint32_t original = load32(h + 12, be);
  int64_t nanos = static_cast<int64_t>(fraction) * fractionToNanos_;
  if (nanos >= kNanosPerSecond) [[unlikely]] {
    // An invalid fraction (tcpdump prints "(invalid us)"): keep the packet in the second its record
    // names rather than moving it by up to 71 minutes.
    nanos = kNanosPerSecond - 1;
    ++invalidTimestamps_;
  }
  packet.timestamp = static_cast<int64_t>(seconds) * kNanosPerSecond + nanos;
  packet.capturedLength = captured;
  packet.originalLength = std::max(original, captured);
  packet.linkType = linkType_;
  packet.interfaceId = 0;
  packet.sourceIndex = sourceIndex_;
  packet.recordOffset = in.offset();
  packet.data = h + kRecordHeaderSize;
  packet.chunk = in.chunk();
  in.consume(recordSize);
  return ReadStatus::kPacket;
}

}  // namespace netmeter
