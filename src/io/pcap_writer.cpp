#include "io/pcap_writer.h"

#include <algorithm>

#include "io/byte_order.h"

namespace netmeter::io {

PcapWriter::PcapWriter(std::unique_ptr<OutputStream> out, const PcapWriterOptions& options)
    : out_(std::move(out)), options_(options) {
  uint8_t header[24];
  storeHost32(header, options_.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4);
  storeHost16(header + 4, 2);
  storeHost16(header + 6, 4);
  storeHost32(header + 8, 0);   // thiszone
  storeHost32(header + 12, 0);  // sigfigs
  storeHost32(header + 16, options_.snapLength);
  storeHost32(header + 20, options_.linkType);
  out_->write(header, sizeof header);
}

PcapWriter::~PcapWriter() {
  close();
}

std::unique_ptr<PcapWriter> PcapWriter::create(const std::string& path, const PcapWriterOptions& options,
                                               std::string& error) {
  auto out = OutputStream::toFile(path, error);
  if (out == nullptr) return nullptr;
  return std::unique_ptr<PcapWriter>(new PcapWriter(std::move(out), options));
}

std::unique_ptr<PcapWriter> PcapWriter::create(OutputStream::Sink sink, const PcapWriterOptions& options) {
  return std::unique_ptr<PcapWriter>(new PcapWriter(OutputStream::toSink(std::move(sink)), options));
}

bool PcapWriter::write(const RawPacket& packet) {
  const int64_t seconds = secondOf(packet.timestamp);
  if (seconds < 0 || seconds > int64_t{UINT32_MAX}) {
    error_ = "timestamp " + std::to_string(packet.timestamp) + " ns cannot be stored in a pcap file";
    return false;
  }
  const int64_t nanos = packet.timestamp - seconds * kNanosPerSecond;
  const uint32_t captured = std::min(packet.capturedLength, options_.snapLength);
  uint8_t header[16];
  storeHost32(header, static_cast<uint32_t>(seconds));
  storeHost32(header + 4, static_cast<uint32_t>(options_.nanosecond ? nanos : nanos / kNanosPerMicro));
  storeHost32(header + 8, captured);
  storeHost32(header + 12, std::max(packet.originalLength, packet.capturedLength));
  return out_->write(header, sizeof header) && out_->write(packet.data, captured);
}

}  // namespace netmeter::io
