#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/output_stream.h"
#include "io/packet_source.h"
#include "io/raw_packet.h"

namespace netmeter::io {

struct PcapngWriterOptions {
  std::string application = "netmeter";  // shb_userappl
};

// Writes pcapng (host byte order): one section, one IDB per interface (if_name, if_description,
// if_tsresol=9), one EPB per packet with nanosecond timestamps and the original length.
class PcapngWriter {
 public:
  static std::unique_ptr<PcapngWriter> create(const std::string& path, const PcapngWriterOptions& options,
                                              std::string& error);
  static std::unique_ptr<PcapngWriter> create(OutputStream::Sink sink, const PcapngWriterOptions& options);
  ~PcapngWriter();
  PcapngWriter(const PcapngWriter&) = delete;
  PcapngWriter& operator=(const PcapngWriter&) = delete;

  // Declares an interface (writes its IDB); returns its id, the RawPacket::interfaceId to use.
  uint32_t addInterface(const InterfaceInfo& info);
  // Writes an EPB for packet.interfaceId, which must have been added (else false with an error).
  bool write(const RawPacket& packet);
  bool flush() { return out_->flush(); }
  bool close() { return out_->close(); }
  const std::string& error() const { return out_->error().empty() ? error_ : out_->error(); }

 private:
  PcapngWriter(std::unique_ptr<OutputStream> out, const PcapngWriterOptions& options);

  std::unique_ptr<OutputStream> out_;
  std::vector<uint32_t> snapLengths_;
  std::vector<uint8_t> scratch_;  // block assembly for SHB/IDB (not per packet)
  std::string error_;
};

}  // namespace netmeter::io
