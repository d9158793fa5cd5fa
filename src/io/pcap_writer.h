#pragma once

#include <memory>
#include <string>

#include "io/output_stream.h"
#include "io/raw_packet.h"

namespace netmeter::io {

// The writers live in netmeter::io because src/generate has its own (libpcap-based) netmeter::PcapWriter.
struct PcapWriterOptions {
  uint16_t linkType = static_cast<uint16_t>(LinkType::kEthernet);
  uint32_t snapLength = 262144;  // longer packets are cut to this (original length kept)
  bool nanosecond = false;       // magic a1b23c4d and ns timestamps, else a1b2c3d4 and us
};

// Writes classic pcap (host byte order). Errors are return values: false, and error() says why.
class PcapWriter {
 public:
  static std::unique_ptr<PcapWriter> create(const std::string& path, const PcapWriterOptions& options,
                                            std::string& error);
  static std::unique_ptr<PcapWriter> create(OutputStream::Sink sink, const PcapWriterOptions& options);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Writes one record. Timestamps before 1970 or past 2106 cannot be stored in pcap: error.
  bool write(const RawPacket& packet);
  bool flush() { return out_->flush(); }
  bool close() { return out_->close(); }
  const std::string& error() const { return out_->error().empty() ? error_ : out_->error(); }

 private:
  PcapWriter(std::unique_ptr<OutputStream> out, const PcapWriterOptions& options);

  std::unique_ptr<OutputStream> out_;
  PcapWriterOptions options_;
  std::string error_;
};

}  // namespace netmeter::io
