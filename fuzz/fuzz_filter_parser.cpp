// libFuzzer target for the filter expression language: the input is an expression. It is parsed and
// compiled (name resolution, regex JIT); when it compiles it is evaluated against a few fixed packets
// (TCP with payload, VLAN+MPLS UDP, IGMP, ARP, a truncated frame), against a connection and against
// IP and MAC rows, with and without module context.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "decode/decoder.h"
#include "filter/filter.h"

namespace {

using netmeter::DecodedPacket;

struct Sample {
  std::vector<uint8_t> bytes;
  DecodedPacket decoded;
};

Sample decode(std::vector<uint8_t> bytes, uint32_t wireExtra = 0) {
  Sample s;
  s.bytes = std::move(bytes);
  netmeter::RawPacket raw;
  raw.data = s.bytes.data();
  raw.capturedLength = static_cast<uint32_t>(s.bytes.size());
  raw.originalLength = raw.capturedLength + wireExtra;
  raw.linkType = 1;
  netmeter::decodePacket(raw, s.decoded);
  return s;
}

std::vector<Sample> makeSamples() {
  std::vector<Sample> out;
  // Ethernet / IPv4 / TCP 10.0.0.1:40000 -> 10.0.0.2:80 PSH+ACK, "GET / HTTP/1.1"
  std::vector<uint8_t> tcp = {0,    0,    0,  0,  0,    2,    0,    0,    0,  0,  0, 1, 0x08, 0x00,
                              0x45, 0xb8, 0,  54, 0,    0,    0x40, 0,    64, 6,  0, 0, 10,   0,
                              0,    1,    10, 0,  0,    2,    0x9c, 0x40, 0,  80, 0, 0, 0,    1,
                              0,    0,    0,  1,  0x50, 0x18, 0xff, 0xff, 0,  0,  0, 0};
  for (char c : std::string_view("GET / HTTP/1.1")) tcp.push_back(static_cast<uint8_t>(c));
  out.push_back(decode(tcp));
  // VLAN 100 / MPLS 16 / IPv4 / UDP 53
  std::vector<uint8_t> vlan = {0,    0,    0,   0,    0,    2,  0,  0,    0,   0,    0, 1, 0x81,
                               0x00, 0xa0, 100, 0x88, 0x47, 0,  1,  0x01, 64,  0x45, 0, 0, 28,
                               0,    0,    0,   0,    64,   17, 0,  0,    192, 168,  0, 1, 8,
                               8,    8,    8,   0x30, 0x39, 0,  53, 0,    8,   0,    0};
  out.push_back(decode(vlan));
  // IGMPv2 report for 239.1.2.3
  out.push_back(
      decode({0x01, 0x00, 0x5e, 1, 2, 3,  2, 0, 0, 0,   0, 1, 0x08, 0x00, 0x45, 0, 0, 28,  0, 0, 0,
              0,    1,    2,    0, 0, 10, 0, 0, 1, 239, 1, 2, 3,    0x16, 0,    0, 0, 239, 1, 2, 3}));
  // ARP request
  out.push_back(decode({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0,   1,   0x08, 0x06,
                        0,    1,    0x08, 0,    6,    4,    0, 1, 2, 0, 0,   0,   0,    1,
                        192,  168,  1,    1,    0,    0,    0, 0, 0, 0, 192, 168, 1,    2}));
  // Truncated IPv4 header, cut by the snap length
  out.push_back(decode({0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 1, 0}, 500));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Sample> samples = makeSamples();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  netmeter::filter::CompileOptions options;
  options.groupIndex = [](std::string_view name) -> std::optional<uint8_t> {
    if (name.size() == 1 && name[0] >= 'a' && name[0] <= 'z') return static_cast<uint8_t>(name[0] - 'a' + 1);
    return std::nullopt;
  };
  netmeter::filter::CompileResult result = netmeter::filter::Filter::compile(text, options);
  if (!result.ok()) {
    volatile size_t sink = result.error.position + result.error.message.size();
    (void)sink;
    return 0;
  }
  netmeter::filter::Filter& f = *result.filter;
  netmeter::filter::PacketContext context;
  context.l7 = netmeter::filter::L7State::kClassified;
  context.l7Protocol = 1;
  context.rtpPayloadType = 0;
  context.ptpMessageType = 0;
  unsigned sum = 0;
  for (const Sample& s : samples) {
    sum += static_cast<unsigned>(f.match(netmeter::filter::PacketView{s.decoded, s.bytes.data(), nullptr}));
    sum += static_cast<unsigned>(f.match(netmeter::filter::PacketView{s.decoded, s.bytes.data(), &context}));
  }
  netmeter::Connection c;
  c.clientIp = netmeter::IpAddress::v4(0x0a000001);
  c.serverIp = netmeter::IpAddress::v4(0x0a000002);
  c.clientPort = 40000;
  c.serverPort = 80;
  c.l4Protocol = 6;
  c.interfaceMask = ~uint64_t{0};
  sum += static_cast<unsigned>(f.match(netmeter::filter::ConnectionView{c, nullptr}));
  sum += static_cast<unsigned>(f.match(netmeter::filter::IpRow{c.clientIp}));
  sum += static_cast<unsigned>(f.match(netmeter::filter::MacRow{}));
  volatile unsigned sink = sum;
  (void)sink;
  return 0;
}
