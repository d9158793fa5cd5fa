#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "decode/decoder.h"

namespace netmeter::test {

// One packet of a capture read with libpcap (deliberately not netmeter's own reader), decoded.
struct CapturedPacket {
  std::vector<uint8_t> bytes;  // exactly capturedLength bytes, so ASan sees any over-read
  uint32_t wireLength = 0;
  uint16_t linkType = 0;
  DecodedPacket decoded;
};

// Reads and decodes every packet of a classic pcap or pcapng file; `error` is set when the file
// cannot be opened or a record cannot be read (the packets read until then are returned).
inline std::vector<CapturedPacket> readCapture(const std::filesystem::path& path,
                                               std::string* error = nullptr) {
  std::vector<CapturedPacket> packets;
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // Timestamps in ns (libpcap scales µs files up; the ts.tv_usec field then holds nanoseconds).
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (handle == nullptr) {
    if (error != nullptr) *error = errbuf;
    return packets;
  }
  // libpcap reports DLT_* values; they equal the LINKTYPE_* ones for every type the decoder knows
  // except DLT_RAW (12 or 14), which the decoder also accepts.
  const auto linkType = static_cast<uint16_t>(pcap_datalink(handle));
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(handle, &header, &data)) == 1) {
    CapturedPacket packet;
    packet.bytes.assign(data, data + header->caplen);
    packet.wireLength = header->len;
    packet.linkType = linkType;
    RawPacket raw;
    raw.timestamp = PacketTime(header->ts.tv_sec) * kNanosPerSecond + PacketTime(header->ts.tv_usec);
    raw.data = packet.bytes.data();
    raw.capturedLength = header->caplen;
    raw.originalLength = header->len;
    raw.linkType = linkType;
    decodePacket(raw, packet.decoded);
    packets.push_back(std::move(packet));
  }
  if (rc == -1 && error != nullptr) *error = pcap_geterr(handle);
  pcap_close(handle);
  return packets;
}

inline IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

}  // namespace netmeter::test
