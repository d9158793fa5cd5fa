// libFuzzer target for the application dispatch and its analyzers. The input is a sequence of
// segments of one connection, each: 1 byte flags (bit 0 server->client, bit 1 UDP, bit 2 server port
// 53, else bits 4-5 the server port: 80, 25, 21, 143; bit 3 not fully captured, bit 6 with an
// acknowledgement of all the peer's bytes so far), 1 byte sequence step (signed: retransmissions,
// holes), 2 bytes length (big endian), then the payload. Every payload is copied to a buffer of
// exactly its size so that ASan catches reads past it.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "modules/app/application_module.h"

using namespace netmeter;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ApplicationModule app;
  MemoryAccount account;
  Connection c;
  c.clientIp = IpAddress::v4(0x0a000001);
  c.serverIp = IpAddress::v4(0x0a000002);
  c.clientPort = 40000;
  std::array<uint32_t, 2> seq = {1000, 5000};
  PacketTime t = 1'000'000'000;
  size_t pos = 0;
  while (pos + 4 <= size) {
    const uint8_t flags = data[pos];
    const int8_t step = int8_t(data[pos + 1]);
    const size_t length = std::min<size_t>(size_t(data[pos + 2] << 8 | data[pos + 3]), size - pos - 4);
    pos += 4;
    const bool fromServer = flags & 1;
    c.l4Protocol = (flags & 2) ? ipproto::kUdp : ipproto::kTcp;
    static constexpr uint16_t kPorts[] = {80, 25, 21, 143};
    c.serverPort = (flags & 4) ? 53 : kPorts[(flags >> 4) & 3];
    std::vector<uint8_t> bytes(data + pos, data + pos + length);
    pos += length;
    DecodedPacket p;
    p.timestamp = t += 1000;
    p.ipVersion = 4;
    p.srcIp = fromServer ? c.serverIp : c.clientIp;
    p.dstIp = fromServer ? c.clientIp : c.serverIp;
    p.l4Protocol = c.l4Protocol;
    p.hasPorts = true;
    p.srcPort = fromServer ? c.serverPort : c.clientPort;
    p.dstPort = fromServer ? c.clientPort : c.serverPort;
    p.ipOffset = 0;
    p.payloadOffset = 0;
    p.payloadLength = uint32_t(length) + ((flags & 8) ? 100 : 0);
    uint32_t& s = seq[fromServer];
    s += uint32_t(int32_t(step));
    p.tcpSeq = s;
    s += p.payloadLength;
    if (flags & 0x40) {
      p.tcpFlags = tcpflag::kAck;
      p.tcpAck = seq[!fromServer];
    }
    FlowUpdate flow;
    flow.connection = &c;
    flow.direction = fromServer ? kServerToClient : kClientToServer;
    app.onPacket(p, IpBytes{bytes.empty() ? nullptr : bytes.data(), uint32_t(length)}, flow, account);
  }
  // What reports read of the connection (an inner stream's TLS state, the STARTTLS status).
  if (const tls::TlsConnectionInfo* info = TlsModule::connectionInfo(c)) (void)info->handshakeResponseTime();
  if (const auto status = StartTlsModule::status(c)) (void)startTlsProtocolName(status->protocol);
  (void)TlsModule::connectionStateBytes(c);
  c.app.release(account);
  return 0;
}
