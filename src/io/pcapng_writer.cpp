#include "io/pcapng_writer.h"

#include <algorithm>

#include "io/byte_order.h"

namespace netmeter::io {
namespace {

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.resize(b.size() + 2);
  storeHost16(b.data() + b.size() - 2, v);
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  b.resize(b.size() + 4);
  storeHost32(b.data() + b.size() - 4, v);
}

void putOption(std::vector<uint8_t>& b, uint16_t code, const void* value, size_t size) {
  size = std::min<size_t>(size, 0xfff0);
  put16(b, code);
  put16(b, static_cast<uint16_t>(size));
  const auto* bytes = static_cast<const uint8_t*>(value);
  b.insert(b.end(), bytes, bytes + size);
  b.resize((b.size() + 3) & ~size_t{3}, 0);
}

// Wraps the body in `b` (which starts after an 8-byte placeholder) into a block of `type`.
void finishBlock(std::vector<uint8_t>& b, uint32_t type) {
  put16(b, 0);  // opt_endofopt
  put16(b, 0);
  const auto length = static_cast<uint32_t>(b.size() + 4);
  storeHost32(b.data(), type);
  storeHost32(b.data() + 4, length);
  put32(b, length);
}

}  // namespace

PcapngWriter::PcapngWriter(std::unique_ptr<OutputStream> out, const PcapngWriterOptions& options)
    : out_(std::move(out)) {
  scratch_.assign(8, 0);
  put32(scratch_, 0x1A2B3C4D);
  put16(scratch_, 1);
  put16(scratch_, 0);
  put32(scratch_, 0xffffffff);  // section length unknown
  put32(scratch_, 0xffffffff);
  putOption(scratch_, 4, options.application.data(), options.application.size());
  finishBlock(scratch_, 0x0A0D0D0A);
  out_->write(scratch_.data(), scratch_.size());
}

PcapngWriter::~PcapngWriter() {
  close();
}

std::unique_ptr<PcapngWriter> PcapngWriter::create(const std::string& path,
                                                   const PcapngWriterOptions& options, std::string& error) {
  auto out = OutputStream::toFile(path, error);
  if (out == nullptr) return nullptr;
  return std::unique_ptr<PcapngWriter>(new PcapngWriter(std::move(out), options));
}

std::unique_ptr<PcapngWriter> PcapngWriter::create(OutputStream::Sink sink,
                                                   const PcapngWriterOptions& options) {
  return std::unique_ptr<PcapngWriter>(new PcapngWriter(OutputStream::toSink(std::move(sink)), options));
}

uint32_t PcapngWriter::addInterface(const InterfaceInfo& info) {
  scratch_.assign(8, 0);
  put16(scratch_, info.linkType);
  put16(scratch_, 0);
  put32(scratch_, info.snapLength);
  if (!info.name.empty()) putOption(scratch_, 2, info.name.data(), info.name.size());
  if (!info.description.empty()) putOption(scratch_, 3, info.description.data(), info.description.size());
  const uint8_t nanoseconds = 9;
  putOption(scratch_, 9, &nanoseconds, 1);
  if (info.fcsBytes != 0) putOption(scratch_, 13, &info.fcsBytes, 1);
  finishBlock(scratch_, 1);
  out_->write(scratch_.data(), scratch_.size());
  snapLengths_.push_back(info.snapLength);
  return static_cast<uint32_t>(snapLengths_.size() - 1);
}

bool PcapngWriter::write(const RawPacket& packet) {
  if (packet.interfaceId >= snapLengths_.size()) {
    error_ = "packet for interface " + std::to_string(packet.interfaceId) + ", which was not added";
    return false;
  }
  if (packet.timestamp < 0) {
    error_ = "timestamp " + std::to_string(packet.timestamp) + " ns is before 1970";
    return false;
  }
  const uint32_t snap = snapLengths_[packet.interfaceId];
  const uint32_t captured = snap != 0 ? std::min(packet.capturedLength, snap) : packet.capturedLength;
  const uint32_t padded = (captured + 3) & ~3u;
  const uint32_t length = 32 + padded;
  const auto ticks = static_cast<uint64_t>(packet.timestamp);
  uint8_t header[28];
  storeHost32(header, 6);
  storeHost32(header + 4, length);
  storeHost32(header + 8, packet.interfaceId);
  storeHost32(header + 12, static_cast<uint32_t>(ticks >> 32));
  storeHost32(header + 16, static_cast<uint32_t>(ticks));
  storeHost32(header + 20, captured);
  storeHost32(header + 24, std::max(packet.originalLength, packet.capturedLength));
  uint8_t trailer[8] = {};  // up to 3 padding bytes, then the trailing length
  const uint32_t pad = padded - captured;
  storeHost32(trailer + pad, length);
  return out_->write(header, sizeof header) && out_->write(packet.data, captured) &&
         out_->write(trailer, pad + 4);
}

}  // namespace netmeter::io
