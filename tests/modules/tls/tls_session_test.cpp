#include "modules/tls/tls_session.h"

#include <gtest/gtest.h>

#include "modules/tls/hello_builder.h"
#include "modules/tls/ja3.h"

namespace netmeter::test {
namespace {

using tls::TlsSession;
namespace event = tls::event;

Bytes clientHelloRecord(const std::string& sni = "www.example.org") {
  ClientHelloSpec spec;
  spec.ciphers = {0x1301, 0xc02f};
  spec.sni(sni).groups({0x001d}).pointFormats({0}).versions({0x0304, 0x0303});
  return record(22, handshakeMessage(1, spec.body()), 0x0301);
}

struct Stream {
  TlsSession session;
  MemoryAccount account;
  uint32_t seq[2] = {1000, 5000};
  uint8_t send(bool fromClient, const Bytes& bytes, PacketTime t) {
    uint32_t& s = seq[fromClient ? 0 : 1];
    uint8_t e = session.onSegment(fromClient, s, bytes, static_cast<uint32_t>(bytes.size()), t, account);
    s += static_cast<uint32_t>(bytes.size());
    return e;
  }
};

TEST(TlsSession, Tls12HandshakeTimesAndFirstData) {
  Stream s;
  EXPECT_EQ(s.send(true, clientHelloRecord(), 1'000'000), event::kClientHello);
  Bytes flight = record(22, handshakeMessage(2, serverHelloBody(0xc02f)));
  append(flight, record(22, handshakeMessage(11, Bytes(300, 0x55))));  // Certificate: skipped
  EXPECT_EQ(s.send(false, flight, 3'000'000), event::kServerHello);
  Bytes finish = record(22, Bytes(70, 1));  // ClientKeyExchange etc. (not awaited)
  append(finish, record(20, {1}));
  append(finish, record(22, Bytes(40, 2)));  // encrypted Finished
  EXPECT_EQ(s.send(true, finish, 4'000'000), 0);
  EXPECT_EQ(s.send(false, record(20, {1}), 5'000'000), 0);
  EXPECT_EQ(s.send(true, record(23, Bytes(100, 3)), 6'000'000), 0);
  EXPECT_EQ(s.send(false, record(23, Bytes(500, 4)), 9'000'000), event::kFirstDataResponse);
  const auto& info = s.session.info();
  EXPECT_EQ(info.client.sni, "www.example.org");
  EXPECT_EQ(info.negotiatedVersion, 0x0303);
  EXPECT_EQ(info.negotiatedCipher, 0xc02f);
  EXPECT_EQ(info.handshakeResponseTime(), 2'000'000);
  EXPECT_EQ(info.firstDataResponseTime(), 3'000'000);
  EXPECT_EQ(info.client.versions, (std::vector<uint16_t>{0x0304, 0x0303}));
  EXPECT_TRUE(s.session.finished());
  EXPECT_EQ(s.account.bytes, 0);
}

TEST(TlsSession, Tls13SkipsTheClientFinishedRecord) {
  Stream s;
  s.send(true, clientHelloRecord(), 1);
  Bytes flight = record(22, handshakeMessage(2, serverHelloBody(0x1301, 0x0304)));
  append(flight, record(20, {1}));
  append(flight, record(23, Bytes(900, 7)));  // encrypted extensions .. finished
  s.send(false, flight, 2);
  Bytes client = record(20, {1});
  append(client, record(23, Bytes(53, 8)));  // Finished
  EXPECT_EQ(s.send(true, client, 3), 0);
  EXPECT_EQ(s.send(false, record(23, Bytes(200, 9)), 4), 0);  // e.g. NewSessionTicket: no request yet
  EXPECT_EQ(s.send(true, record(23, Bytes(80, 8)), 5), 0);    // the request
  EXPECT_EQ(s.send(false, record(23, Bytes(80, 8)), 7), event::kFirstDataResponse);
  EXPECT_EQ(s.session.info().negotiatedVersion, 0x0304);
  EXPECT_EQ(s.session.info().firstDataResponseTime(), 2);
}

TEST(TlsSession, ReassemblesAcrossSegmentsAndRecords) {
  // The ClientHello split over two handshake records, the stream cut into 1-byte segments.
  ClientHelloSpec spec;
  spec.ciphers = {0x1301};
  spec.sni("split.example");
  Bytes message = handshakeMessage(1, spec.body());
  Bytes stream = record(22, Bytes(message.begin(), message.begin() + 10));
  append(stream, record(22, Bytes(message.begin() + 10, message.end())));
  Stream s;
  uint8_t events = 0;
  for (uint8_t byte : stream) events |= s.send(true, {byte}, 1);
  EXPECT_EQ(events, event::kClientHello);
  EXPECT_EQ(s.session.info().client.sni, "split.example");
  EXPECT_EQ(s.account.bytes, 0);  // message buffer freed after parsing
}

TEST(TlsSession, RetransmissionsAreTrimmedAndGapsStopTheDirection) {
  Bytes hello = clientHelloRecord();
  Stream s;
  Bytes first(hello.begin(), hello.begin() + 50);
  auto segment = [](Stream& st, uint32_t seq, const Bytes& b, PacketTime t) {
    return st.session.onSegment(true, seq, b, static_cast<uint32_t>(b.size()), t, st.account);
  };
  segment(s, 101, first, 1);
  // Retransmission overlapping the first part plus the rest.
  EXPECT_EQ(segment(s, 121, Bytes(hello.begin() + 20, hello.end()), 2), event::kClientHello);

  Stream g;
  segment(g, 101, first, 1);
  EXPECT_GT(g.account.bytes, 0);  // message buffer held
  segment(g, 101 + 60, Bytes(hello.begin() + 60, hello.end()), 2);
  EXPECT_FALSE(g.session.info().hasClientHello);
  EXPECT_EQ(g.account.bytes, 0);  // a gap frees the buffer

  Stream cut;  // captured shorter than on the wire (snap length): the rest of the stream is a hole
  cut.session.onSegment(true, 101, first, 200, 1, cut.account);
  EXPECT_EQ(cut.account.bytes, 0);
  EXPECT_EQ(segment(cut, 301, Bytes(hello.begin() + 50, hello.end()), 2), 0);
}

TEST(TlsSession, AlertsCleartextAndEncrypted) {
  Stream s;
  s.send(true, clientHelloRecord(), 1);
  EXPECT_EQ(s.send(false, record(21, {2, 40}), 2), event::kAlert);
  EXPECT_EQ(s.session.info().alertLevel, 2);
  EXPECT_EQ(s.session.info().alertDescription, 40);
  EXPECT_TRUE(s.session.info().alertFromServer);
  s.send(true, record(21, Bytes(26, 0)), 3);
  EXPECT_EQ(s.session.info().encryptedAlerts, 1);
}

TEST(TlsSession, HelloRetryRequestWaitsForTheRealServerHello) {
  Stream s;
  s.send(true, clientHelloRecord(), 1);
  EXPECT_EQ(s.send(false, record(22, handshakeMessage(2, serverHelloBody(0x1302, 0x0304, true))), 2),
            event::kServerHello);
  s.send(true, clientHelloRecord(), 3);  // second ClientHello: the first one is kept
  s.send(false, record(22, handshakeMessage(2, serverHelloBody(0x1303, 0x0304))), 4);
  EXPECT_TRUE(s.session.info().helloRetryRequest);
  EXPECT_EQ(s.session.info().negotiatedCipher, 0x1303);
  EXPECT_EQ(s.session.info().handshakeResponseTime(), 1);
}

TEST(TlsSession, NonTlsAndOversizeStopParsing) {
  Stream http;
  Bytes get = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'};
  EXPECT_EQ(http.send(true, get, 1), 0);
  http.send(false, get, 2);
  EXPECT_TRUE(http.session.finished());

  tls::TlsSession::Options small;
  small.maxHandshakeMessage = 64;
  TlsSession limited(small);
  MemoryAccount account;
  Bytes hello = clientHelloRecord();
  limited.onSegment(true, 1, hello, static_cast<uint32_t>(hello.size()), 1, account);
  EXPECT_FALSE(limited.info().hasClientHello);
  EXPECT_EQ(account.bytes, 0);
}

TEST(TlsSession, ReleaseMidMessageFreesTheBuffer) {
  Stream s;
  Bytes hello = clientHelloRecord();
  s.send(true, Bytes(hello.begin(), hello.begin() + 30), 1);
  EXPECT_GT(s.account.bytes, 0);
  s.session.release(s.account);
  EXPECT_EQ(s.account.bytes, 0);
  EXPECT_EQ(s.send(true, Bytes(hello.begin() + 30, hello.end()), 2), 0);
}

}  // namespace
}  // namespace netmeter::test
