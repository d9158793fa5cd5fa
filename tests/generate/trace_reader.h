#pragma once

// A tiny parser written for the tests only, independent of src/decode, so the generator's output
// is checked against a second reading of the wire formats.

#include <pcap/pcap.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace netmeter::test {

struct ParsedPacket {
  int64_t time = 0;  // nanoseconds
  uint32_t caplen = 0;
  uint32_t len = 0;
  int vlanTags = 0;
  uint16_t etherType = 0;
  bool arp = false;
  int ipVersion = 0;
  bool ipv4ChecksumOk = false;
  bool lengthsOk = false;  // IP lengths agree with the record's original length
  uint8_t protocol = 0;
  std::array<uint8_t, 16> src{};  // IPv4 in the first four bytes
  std::array<uint8_t, 16> dst{};
  uint16_t srcPort = 0;
  uint16_t dstPort = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t tcpFlags = 0;
  uint32_t payloadLength = 0;        // transport payload per the headers (not what was captured)
  bool transportChecksumOk = false;  // only meaningful when the whole packet was captured
};

inline uint16_t be16(const uint8_t* p) {
  return uint16_t(p[0] << 8 | p[1]);
}
inline uint32_t be32(const uint8_t* p) {
  return uint32_t(be16(p)) << 16 | be16(p + 2);
}

inline uint32_t onesSum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += be16(p + i);
  if (n & 1) sum += uint32_t(p[n - 1]) << 8;
  return sum;
}
inline uint16_t foldSum(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

inline ParsedPacket parsePacket(const pcap_pkthdr& h, const uint8_t* data) {
  ParsedPacket p;
  p.time = int64_t(h.ts.tv_sec) * 1'000'000'000 + h.ts.tv_usec;
  p.caplen = h.caplen;
  p.len = h.len;
  size_t at = 12;
  uint16_t type = be16(data + at);
  while ((type == 0x8100 || type == 0x88a8) && at + 6 <= h.caplen) {
    ++p.vlanTags;
    at += 4;
    type = be16(data + at);
  }
  at += 2;
  p.etherType = type;
  if (type == 0x0806) {
    p.arp = true;
    return p;
  }
  const uint8_t* ip = data + at;
  size_t transportAt;
  size_t transportLength;
  if (type == 0x0800) {
    p.ipVersion = 4;
    const size_t ihl = (ip[0] & 15) * 4;
    const size_t total = be16(ip + 2);
    p.ipv4ChecksumOk = foldSum(onesSum(ip, ihl)) == 0xffff;
    p.lengthsOk = at + total == h.len || (h.len == 60 && at + total < 60);
    p.protocol = ip[9];
    std::memcpy(p.src.data(), ip + 12, 4);
    std::memcpy(p.dst.data(), ip + 16, 4);
    transportAt = at + ihl;
    transportLength = total - ihl;
  } else if (type == 0x86dd) {
    p.ipVersion = 6;
    const size_t payload = be16(ip + 4);
    p.lengthsOk = at + 40 + payload == h.len || (h.len == 60 && at + 40 + payload < 60);
    p.protocol = ip[6];
    std::memcpy(p.src.data(), ip + 8, 16);
    std::memcpy(p.dst.data(), ip + 24, 16);
    transportAt = at + 40;
    transportLength = payload;
  } else {
    return p;
  }
  const uint8_t* l4 = data + transportAt;
  if (p.protocol == 6 || p.protocol == 17) {
    p.srcPort = be16(l4);
    p.dstPort = be16(l4 + 2);
  }
  if (p.protocol == 6) {
    p.seq = be32(l4 + 4);
    p.ack = be32(l4 + 8);
    p.tcpFlags = l4[13];
    p.payloadLength = uint32_t(transportLength - (l4[12] >> 4) * 4);
  } else if (p.protocol == 17) {
    p.payloadLength = uint32_t(transportLength - 8);
  }
  if (h.caplen == h.len && (p.protocol == 6 || p.protocol == 17 || p.protocol == 58)) {
    const size_t addressLength = p.ipVersion == 4 ? 4 : 16;
    uint32_t sum = onesSum(p.src.data(), addressLength);
    sum = onesSum(p.dst.data(), addressLength, sum);
    sum += p.protocol + uint32_t(transportLength);
    p.transportChecksumOk = foldSum(onesSum(l4, transportLength, sum)) == 0xffff;
  }
  return p;
}

struct ReadResult {
  std::string error;
  int precision = -1;
  std::vector<ParsedPacket> packets;
};

inline ReadResult readTrace(const std::string& path) {
  ReadResult r;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (pcap == nullptr) {
    r.error = errbuf;
    return r;
  }
  r.precision = pcap_get_tstamp_precision(pcap);
  pcap_pkthdr* header;
  const u_char* data;
  while (pcap_next_ex(pcap, &header, &data) == 1) r.packets.push_back(parsePacket(*header, data));
  pcap_close(pcap);
  return r;
}

}  // namespace netmeter::test
