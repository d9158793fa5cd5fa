#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "core/packet_time.h"

typedef struct pcap pcap_t;
typedef struct pcap_dumper pcap_dumper_t;

namespace netmeter {

// Writes a classic pcap file (Ethernet, nanosecond timestamps) through libpcap, keeping at most
// snapLength bytes of each packet while recording its original length.
class PcapWriter {
 public:
  PcapWriter() = default;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;
  ~PcapWriter();

  // Empty on success, otherwise why the file could not be created.
  std::string open(const std::string& path, uint32_t snapLength);
  void write(PacketTime time, std::span<const uint8_t> frame);
  // Flushes and closes; empty on success, otherwise the write error.
  std::string close();

  uint32_t snapLength() const { return snapLength_; }

 private:
  pcap_t* pcap_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
  std::FILE* file_ = nullptr;
  uint32_t snapLength_ = 0;
  std::unique_ptr<char[]> buffer_;
};

}  // namespace netmeter
