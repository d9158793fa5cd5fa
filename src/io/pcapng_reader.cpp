#include "io/pcapng_reader.h"

#include <algorithm>
#include <limits>

#include "io/byte_order.h"

namespace netmeter {
namespace {

using io::load16;
using io::load32;
using io::load64;

constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr uint32_t kMinSectionHeader = 28;
constexpr uint32_t kPacketBlockFixed = 32;  // EPB/OPB: header, five 32-bit fields, trailer
constexpr size_t kMaxInterfaces = std::numeric_limits<uint16_t>::max() + size_t{1};

__extension__ using Uint128 = unsigned __int128;

// Calls f(code, value, length) for each option in [p, end). False when an option overruns the block.
template <class F>
bool forEachOption(const uint8_t* p, const uint8_t* end, bool be, F&& f) {
  while (end - p >= 4) {
    const uint16_t code = load16(p, be);
    const uint16_t length = load16(p + 2, be);
    p += 4;
    if (code == 0) break;  // opt_endofopt
    if (length > end - p) return false;
    f(code, p, length);
    p += std::min<ptrdiff_t>((length + 3) & ~3, end - p);
  }
  return true;
}

// Option strings are UTF-8, not necessarily NUL-terminated; some writers add NULs anyway.
std::string optionString(const uint8_t* value, uint16_t length) {
  std::string s(reinterpret_cast<const char*>(value), length);
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::string hex(uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += kDigits[(v >> shift) & 0xf];
  return s;
}

}  // namespace

std::unique_ptr<PcapngReader> PcapngReader::open(std::unique_ptr<io::InputBuffer> in,
                                                 const ReaderOptions& options, ReadError& error) {
  std::unique_ptr<PcapngReader> r(new PcapngReader(std::move(in), options));
  if (!r->in_->ensure(4) || load32(r->in_->data(), false) != kSectionHeaderBlock) {
    error =
        ReadError{options.name, 0, "not a pcapng file (no section header block)", r->in_->decompressing()};
    return nullptr;
  }
  if (!r->readSectionHeader()) {
    error = r->error_;
    return nullptr;
  }
  return r;
}

bool PcapngReader::readSectionHeader() {
  io::InputBuffer& in = *in_;
  const uint64_t offset = in.offset();
  if (!in.ensure(12)) return shortInput(12, "section header block", false) == ReadStatus::kEnd;
  const uint8_t* b = in.data();
  bool be;
  if (load32(b + 8, false) == kByteOrderMagic) {
    be = false;
  } else if (load32(b + 8, true) == kByteOrderMagic) {
    be = true;
  } else {
    fail(offset, "section header block: bad byte-order magic");
    return false;
  }
  const uint32_t length = load32(b + 4, be);
  if (length < kMinSectionHeader || length % 4 != 0 || length > kMaxBufferedBlock) {
    fail(offset, "section header block: invalid block length " + std::to_string(length));
    return false;
  }
  if (!in.ensure(length)) return shortInput(length, "section header block", false) == ReadStatus::kEnd;
  b = in.data();
  if (load32(b + length - 4, be) != length) {
    fail(offset,
         "section header block: trailing length differs from leading length " + std::to_string(length));
    return false;
  }
  PcapngSection section;
  section.offset = offset;
  section.bigEndian = be;
  section.majorVersion = load16(b + 12, be);
  section.minorVersion = load16(b + 14, be);
  section.firstInterface = static_cast<uint32_t>(interfaces_.size());
  if (section.majorVersion != 1) {
    fail(offset, "unsupported pcapng version " + std::to_string(section.majorVersion) + "." +
                     std::to_string(section.minorVersion));
    return false;
  }
  const bool optionsOk =
      forEachOption(b + 24, b + length - 4, be, [&](uint16_t code, const uint8_t* v, uint16_t n) {
        if (code == 1 && section.comment.empty()) section.comment = optionString(v, n);
        if (code == 2) section.hardware = optionString(v, n);
        if (code == 3) section.os = optionString(v, n);
        if (code == 4) section.application = optionString(v, n);
      });
  if (!optionsOk) {
    fail(offset, "section header block: option overruns the block");
    return false;
  }
  bigEndian_ = be;
  sectionBase_ = section.firstInterface;
  sectionCount_ = 0;
  sections_.push_back(std::move(section));
  noteStructure(offset);
  in.consume(length);
  return true;
}

void PcapngReader::noteStructure(uint64_t offset) {
  if (!structure_.empty() && structure_.back() >= offset) return;  // read again (skipTo): known
  if (structure_.size() == kMaxStructureBlocks) {
    structureJumpable_ = false;
    return;
  }
  structure_.push_back(offset);
}

bool PcapngReader::structureBlocks(uint32_t sourceIndex, std::vector<uint64_t>& out) const {
  if (sourceIndex != sourceIndex_ || !structureJumpable_) return false;
  out = structure_;
  return true;
}

bool PcapngReader::readInterface(const uint8_t* b, uint32_t length, uint64_t offset) {
  if (length < 20) {
    fail(offset, "interface description block too short (" + std::to_string(length) + " bytes)");
    return false;
  }
  if (interfaces_.size() >= kMaxInterfaces) {
    fail(offset, "more than 65536 interfaces");
    return false;
  }
  const bool be = bigEndian_;
  InterfaceInfo info;
  Clock clock;
  info.linkType = clock.linkType = load16(b + 8, be);
  info.snapLength = clock.snapLength = load32(b + 12, be);
  bool resolutionSeen = false;
  std::string problem;
  const bool optionsOk =
      forEachOption(b + 16, b + length - 4, be, [&](uint16_t code, const uint8_t* v, uint16_t n) {
        if (code == 2) info.name = optionString(v, n);
        if (code == 3) info.description = optionString(v, n);
        if (code == 13 && n >= 1) info.fcsBytes = v[0];
        if (code == 14 && n >= 8) {
          info.timestampOffsetSeconds = static_cast<int64_t>(load64(v, be));
          if (__builtin_mul_overflow(info.timestampOffsetSeconds, kNanosPerSecond, &clock.offsetNanos)) {
            problem = "if_tsoffset out of range";
          }
        }
        if (code == 9 && n >= 1 && !resolutionSeen) {
          resolutionSeen = true;
          const uint8_t r = v[0];
          const unsigned exponent = r & 0x7f;
          if ((r & 0x80) != 0) {  // 2^-exponent seconds
            if (exponent > 63) {
              problem = "if_tsresol 2^-" + std::to_string(exponent) + " out of range";
              return;
            }
            clock.ticksPerSecond = uint64_t{1} << exponent;
          } else {  // 10^-exponent seconds
            if (exponent > 19) {
              problem = "if_tsresol 10^-" + std::to_string(exponent) + " out of range";
              return;
            }
            clock.ticksPerSecond = 1;
            for (unsigned i = 0; i < exponent; ++i) clock.ticksPerSecond *= 10;
          }
          uint32_t digits = 0;
          for (uint64_t t = 1; t < clock.ticksPerSecond && digits < 20; t *= 10) ++digits;
          info.timestampDigits = digits;
          clock.nanosPerTick = static_cast<uint64_t>(kNanosPerSecond) % clock.ticksPerSecond == 0
                                   ? static_cast<uint64_t>(kNanosPerSecond) / clock.ticksPerSecond
                                   : 0;
        }
      });
  if (!optionsOk) problem = "option overruns the block";
  if (!problem.empty()) {
    fail(offset, "interface description block: " + problem);
    return false;
  }
  interfaces_.push_back(std::move(info));
  clocks_.push_back(clock);
  ++sectionCount_;
  noteStructure(offset);
  return true;
}

PacketTime PcapngReader::toNanos(uint64_t ticks, const Clock& clock) const {
  int64_t ns;
  if (clock.nanosPerTick != 0) {
    uint64_t v;
    if (__builtin_mul_overflow(ticks, clock.nanosPerTick, &v) || v > uint64_t{INT64_MAX}) v = INT64_MAX;
    ns = static_cast<int64_t>(v);
  } else {
    const Uint128 v =
        static_cast<Uint128>(ticks) * static_cast<uint64_t>(kNanosPerSecond) / clock.ticksPerSecond;
    ns = v > static_cast<Uint128>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
  }
  if (clock.offsetNanos != 0 && __builtin_add_overflow(ns, clock.offsetNanos, &ns)) {
    ns = clock.offsetNanos > 0 ? INT64_MAX : INT64_MIN;
  }
  return ns;
}

ReadStatus PcapngReader::readPacket(uint32_t type, const uint8_t* b, uint32_t length, uint64_t offset,
                                    RawPacket& packet) {
  const bool be = bigEndian_;
  uint32_t localId = 0;
  uint32_t captured;
  uint32_t original;
  const uint8_t* data;
  bool timed = true;
  uint64_t ticks = 0;
  if (type == kSimplePacketBlock) {
    structureJumpable_ = false;  // its time is the previous packet's: a reader must walk to it
    if (length < 16)
      return fail(offset, "simple packet block too short (" + std::to_string(length) + " bytes)");
    original = load32(b + 8, be);
    captured = std::min(original, length - 16);
    if (sectionCount_ != 0 && clocks_[sectionBase_].snapLength != 0) {
      captured = std::min(captured, clocks_[sectionBase_].snapLength);
    }
    data = b + 12;
    timed = false;
  } else {
    if (length < kPacketBlockFixed) {
      return fail(offset, "packet block too short (" + std::to_string(length) + " bytes)");
    }
    localId = type == kEnhancedPacketBlock ? load32(b + 8, be) : load16(b + 8, be);
    ticks = (uint64_t{load32(b + 12, be)} << 32) | load32(b + 16, be);
    captured = load32(b + 20, be);
    original = load32(b + 24, be);
    data = b + 28;
    if (captured > length - kPacketBlockFixed) {
      return fail(offset, "packet block: captured length " + std::to_string(captured) +
                              " exceeds the block length " + std::to_string(length));
    }
  }
  if (localId >= sectionCount_) {
    return fail(offset, "packet for undeclared interface " + std::to_string(localId) + " (section has " +
                            std::to_string(sectionCount_) + ")");
  }
  if (captured > kMaxCapturedLength) {
    return fail(offset, "packet block: captured length " + std::to_string(captured) +
                            " exceeds the limit of " + std::to_string(kMaxCapturedLength));
  }
  const uint32_t id = sectionBase_ + localId;
  const Clock& clock = clocks_[id];
  if (timed) lastTimestamp_ = toNanos(ticks, clock);
  packet.timestamp = lastTimestamp_;
  packet.capturedLength = captured;
  packet.originalLength = std::max(original, captured);
  packet.linkType = clock.linkType;
  packet.interfaceId = static_cast<uint16_t>(id);
  packet.sourceIndex = sourceIndex_;
  packet.recordOffset = offset;
  packet.data = data;
  packet.chunk = in_->chunk();
  return ReadStatus::kPacket;
}

ReadStatus PcapngReader::skipBlock(uint32_t type, uint32_t length, uint64_t offset) {
  io::InputBuffer& in = *in_;
  if (!in.skip(length - 4) || !in.ensure(4)) {
    if (in.failed()) return fail(offset, in.failure());
    return fail(offset, "truncated block (type " + hex(type) + ", length " + std::to_string(length) +
                            "): the file ends inside it");
  }
  if (load32(in.data(), bigEndian_) != length) {
    return fail(offset, "block type " + hex(type) + ": trailing length differs from leading length " +
                            std::to_string(length));
  }
  in.consume(4);
  return ReadStatus::kPacket;  // "go on"
}

bool PcapngReader::skipTo(uint64_t target, const std::vector<uint64_t>* structure) {
  io::InputBuffer& in = *in_;
  if (structure != nullptr) {
    // Jump from one section header or interface block to the next (InputBuffer::skip seeks in a
    // plain file), processing each as next() does, then to the target.
    for (const uint64_t at : *structure) {
      if (finished_ || at >= target) break;
      if (at < in.offset()) continue;  // read already (the first section header)
      if (!in.skip(at - in.offset())) break;
      if (!in.ensure(8)) {
        shortInput(8, "block header", false);
        return false;
      }
      const uint32_t type = load32(in.data(), bigEndian_);
      if (type == kSectionHeaderBlock) {
        if (!readSectionHeader()) return false;
        continue;
      }
      const uint32_t length = load32(in.data() + 4, bigEndian_);
      if (type != kInterfaceBlock || length < 12 || length % 4 != 0 || length > kMaxBufferedBlock) {
        fail(at, "block type " + hex(type) + " where an earlier read found a section or interface block");
        return false;
      }
      if (!in.ensure(length)) {
        shortInput(length, "block", false);
        return false;
      }
      if (!readInterface(in.data(), length, at)) return false;
      in.consume(length);
    }
    if (!finished_ && in.offset() < target && !in.skip(target - in.offset())) {
      fail(in.offset(), "cannot continue at offset " + std::to_string(target) + ": the file is shorter");
      return false;
    }
    return !finished_;
  }
  // Walk the blocks up to `target`: section headers and interface blocks are read as next() reads
  // them, packet blocks are skipped (only the time of an enhanced or obsolete packet block is kept,
  // for the simple packet blocks that may follow, which carry none).
  while (!finished_ && in.offset() < target) {
    if (!in.ensure(8)) {
      shortInput(8, "block header", false);
      return false;
    }
    const uint8_t* b = in.data();
    const uint32_t type = load32(b, bigEndian_);
    if (type == kSectionHeaderBlock) {
      if (!readSectionHeader()) return false;
      continue;
    }
    const uint32_t length = load32(b + 4, bigEndian_);
    const uint64_t offset = in.offset();
    if (length < 12 || length % 4 != 0) {
      fail(offset, "block type " + hex(type) + ": invalid block length " + std::to_string(length));
      return false;
    }
    if (type == kInterfaceBlock) {
      if (length > kMaxBufferedBlock) {
        fail(offset, "interface description block length " + std::to_string(length) + " exceeds the limit");
        return false;
      }
      if (!in.ensure(length)) {
        shortInput(length, "block", false);
        return false;
      }
      if (!readInterface(in.data(), length, offset)) return false;
      in.consume(length);
      continue;
    }
    if ((type == kEnhancedPacketBlock || type == kObsoletePacketBlock) && length >= kPacketBlockFixed &&
        in.ensure(20)) {
      b = in.data();
      const uint32_t localId =
          type == kEnhancedPacketBlock ? load32(b + 8, bigEndian_) : load16(b + 8, bigEndian_);
      if (localId < sectionCount_) {
        lastTimestamp_ = toNanos((uint64_t{load32(b + 12, bigEndian_)} << 32) | load32(b + 16, bigEndian_),
                                 clocks_[sectionBase_ + localId]);
      }
    }
    if (skipBlock(type, length, offset) != ReadStatus::kPacket) return false;
  }
  return !finished_;
}

ReadStatus PcapngReader::next(RawPacket& packet) {
  if (finished_) return ReadStatus::kEnd;
  io::InputBuffer& in = *in_;
  for (;;) {
    if (!in.ensure(8)) return shortInput(8, "block header", true);
    const uint8_t* b = in.data();
    const uint32_t type = load32(b, bigEndian_);
    if (type == kSectionHeaderBlock) {
      if (!readSectionHeader()) return finished_ ? ReadStatus::kError : ReadStatus::kEnd;
      continue;
    }
    const uint32_t length = load32(b + 4, bigEndian_);
    const uint64_t offset = in.offset();
    if (length < 12 || length % 4 != 0) {
      return fail(offset, "block type " + hex(type) + ": invalid block length " + std::to_string(length));
    }
    switch (type) {
      case kEnhancedPacketBlock:
      case kSimplePacketBlock:
      case kObsoletePacketBlock:
      case kInterfaceBlock: {
        if (length > kMaxBufferedBlock) {
          return fail(offset, "block type " + hex(type) + ": block length " + std::to_string(length) +
                                  " exceeds the limit of " + std::to_string(kMaxBufferedBlock));
        }
        if (!in.ensure(length)) return shortInput(length, "block", false);
        b = in.data();
        if (load32(b + length - 4, bigEndian_) != length) {
          return fail(offset, "block type " + hex(type) + ": trailing length differs from leading length " +
                                  std::to_string(length));
        }
        if (type == kInterfaceBlock) {
          if (!readInterface(b, length, offset)) return ReadStatus::kError;
          in.consume(length);
          continue;
        }
        const ReadStatus status = readPacket(type, b, length, offset, packet);
        if (status == ReadStatus::kPacket) in.consume(length);
        return status;
      }
      default: {
        const ReadStatus status = skipBlock(type, length, offset);
        if (status != ReadStatus::kPacket) return status;
      }
    }
  }
}

}  // namespace netmeter
