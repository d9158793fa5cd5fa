#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/capture_request.h"
#include "io/output_stream.h"
#include "io/packet_source.h"
#include "io/pcap_writer.h"
#include "io/pcapng_writer.h"

namespace netmeter::capture {

struct SinkOptions {
  OutputFormat format = OutputFormat::kAuto;
  // Packets longer than this are cut (layer 2, no FCS; the original length is kept). 0: keep each
  // interface's own snap length.
  uint32_t snapLength = 0;
  // Write every packet as if it arrived on one interface (the reference's useSingleInterface).
  bool singleInterface = false;
  std::string application = "netmeter";
};

// Where the bytes go: a file (created or truncated only when the sink is created), or a callback
// (HTTP streaming).
struct SinkTarget {
  std::string path;
  io::OutputStream::Sink callback;
};

// Where a capture's packets go: one file or stream (CaptureSink), or several (SplitOutput).
class PacketOutput {
 public:
  virtual ~PacketOutput() = default;
  // Writes one packet (see CaptureSink::write). False on a write error (error()).
  virtual bool write(const RawPacket& packet, const std::vector<InterfaceInfo>& interfaces, uint32_t snapLength) = 0;
  virtual bool flush() = 0;
  virtual const std::string& error() const = 0;
  // Bytes handed to the target(s) so far, and packet bytes written (after truncation).
  virtual uint64_t bytesWritten() const = 0;
  virtual uint64_t packetBytes() const = 0;
};

// The output of one capture: classic pcap or pcapng, chosen from the options and the interfaces.
//
// pcapng: one IDB per capture interface (declared up front for the interfaces known when the capture
// starts, later ones on their first packet), nanosecond timestamps, original lengths.
// Classic pcap: the header's link type and snap length are those of the interface (the snap length as
// libpcap reports it: 0 or absurd values become 262144), microsecond timestamps unless an interface
// has finer ones (then the nanosecond magic); this is byte-for-byte what `tcpdump -r IN -w OUT`
// writes for the same packets. Packets of an interface whose link type differs from the file's cannot
// be written to classic pcap: they are counted (linkTypeMismatches) and left out, as are packets whose
// time the format cannot hold (unstorableTimestamps).
class CaptureSink final : public PacketOutput {
 public:
  // Nullptr and `error` set when the options cannot be met (e.g. --pcap for interfaces with
  // different link types) or the target cannot be created.
  static std::unique_ptr<CaptureSink> create(const SinkTarget& target, const SinkOptions& options,
                                             const std::vector<InterfaceInfo>& interfaces,
                                             std::string& error);
  ~CaptureSink() override;

  // Writes one packet of trace-wide interface `packet.interfaceId` (its interface must be in
  // `interfaces`, which may have grown since create()), cut to `snapLength` when non-zero (tighter
  // than the sink's own). False on a write error (error()).
  bool write(const RawPacket& packet, const std::vector<InterfaceInfo>& interfaces, uint32_t snapLength = 0) override;
  bool flush() override;
  bool close();
  const std::string& error() const override;

  OutputFormat format() const { return format_; }
  bool nanosecond() const { return nanosecond_; }
  // Bytes handed to the target so far (file bytes, flushed), and packet bytes written (after truncation).
  uint64_t bytesWritten() const override { return bytes_; }
  uint64_t packetBytes() const override { return packetBytes_; }
  uint64_t linkTypeMismatches() const { return linkTypeMismatches_; }
  // Packets left out because the format cannot hold their time (pcap: before 1970 or after 2106).
  uint64_t unstorableTimestamps() const { return unstorableTimestamps_; }

 private:
  CaptureSink() = default;
  InterfaceInfo outputInterface(const InterfaceInfo& in) const;

  SinkOptions options_;
  OutputFormat format_ = OutputFormat::kPcap;
  bool nanosecond_ = false;
  uint16_t pcapLinkType_ = 0;
  uint32_t pcapSnapLength_ = 0;
  std::shared_ptr<io::OutputStream> file_;  // the file target (null for a callback)
  bool closed_ = false;
  std::unique_ptr<io::PcapWriter> pcap_;
  std::unique_ptr<io::PcapngWriter> pcapng_;
  std::vector<int32_t> outputId_;  // trace-wide interface id -> pcapng interface id, -1 not yet
  uint64_t bytes_ = 0;
  uint64_t packetBytes_ = 0;
  uint64_t linkTypeMismatches_ = 0;
  uint64_t unstorableTimestamps_ = 0;
  std::string error_;
};

// The snap length libpcap reports for a capture file's interface (pcap_snapshot()): the declared one,
// or 262144 when it is 0 or larger than INT_MAX.
uint32_t effectiveSnapLength(uint32_t declared);

}  // namespace netmeter::capture
