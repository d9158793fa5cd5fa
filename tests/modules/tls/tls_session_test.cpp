#include "modules/tls/tls_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "modules/app/tcp_reorder_buffer.h"
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

// Records every alert the session reports, in order: level << 8 | description, or -1 for an
// encrypted alert.
struct AlertLog final : tls::AlertListener {
  std::vector<int> alerts;
  void onAlert(uint8_t level, uint8_t description) override { alerts.push_back(level << 8 | description); }
  void onEncryptedAlert() override { alerts.push_back(-1); }
};

struct Stream {
  TlsSession session;
  MemoryAccount account;
  AlertLog log;
  uint32_t seq[2] = {1000, 5000};
  uint8_t send(bool fromClient, const Bytes& bytes, PacketTime t) {
    return sendCut(fromClient, bytes, static_cast<uint32_t>(bytes.size()), t);
  }
  // A segment of `wireLength` payload bytes of which only `captured` were captured (snap length).
  uint8_t sendCut(bool fromClient, const Bytes& captured, uint32_t wireLength, PacketTime t) {
    uint32_t& s = seq[fromClient ? 0 : 1];
    uint8_t e = session.onSegment(fromClient, s, captured, wireLength, t, account, &log);
    s += wireLength;
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
  EXPECT_FALSE(s.session.parsing());
  EXPECT_FALSE(s.session.finished());  // the record layer is still followed, for alerts
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
  // Bytes 50..60 never come: the segments after them wait until the reorder buffer is full.
  uint32_t at = 101 + 60;
  for (size_t i = 0; i < TcpReorderBuffer::kMaxSegments; ++i, at += 10)
    EXPECT_EQ(segment(g, at, Bytes(10, 0x41), 2), 0);
  EXPECT_GT(g.account.bytes, 0);
  segment(g, at, Bytes(10, 0x41), 3);  // one more cannot wait: the hole is final
  EXPECT_FALSE(g.session.info().hasClientHello);
  EXPECT_EQ(g.account.bytes, 0);  // a hole frees the message buffer and the waiting segments
  segment(g, 101 + 50, Bytes(hello.begin() + 50, hello.begin() + 60), 4);
  EXPECT_FALSE(g.session.info().hasClientHello);

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

TEST(TlsSession, AlertsDuringTheHandshakeAreReportedOneByOne) {
  // Two alerts in one segment: the listener hears both (the server table counts each).
  Stream s;
  s.send(true, clientHelloRecord(), 1);
  Bytes two = record(21, {1, 112});
  append(two, record(21, {2, 40}));
  EXPECT_EQ(s.send(false, two, 2), event::kAlert);
  EXPECT_EQ(s.log.alerts, (std::vector<int>{0x0170, 0x0228}));
  EXPECT_EQ(s.session.info().alerts, 2);
  EXPECT_EQ(s.send(true, record(21, Bytes(26, 0)), 3), event::kEncryptedAlert);
  EXPECT_EQ(s.log.alerts.back(), -1);
}

// A TLS 1.2 connection up to its first data response, where the handshake analysis is released.
Stream afterTls12Handshake() {
  Stream s;
  s.send(true, clientHelloRecord(), 1);
  s.send(false, record(22, handshakeMessage(2, serverHelloBody(0xc02f))), 2);
  Bytes finish = record(22, Bytes(70, 1));
  append(finish, record(20, {1}));
  append(finish, record(22, Bytes(40, 2)));
  s.send(true, finish, 3);
  Bytes server = record(20, {1});
  append(server, record(22, Bytes(40, 2)));
  s.send(false, server, 4);
  s.send(true, record(23, Bytes(100, 3)), 5);
  EXPECT_EQ(s.send(false, record(23, Bytes(500, 4)), 6), event::kFirstDataResponse);
  EXPECT_FALSE(s.session.parsing());
  return s;
}

TEST(TlsSession, AlertAfterApplicationDataInTheSameSegment) {
  Stream s = afterTls12Handshake();
  Bytes data = record(23, Bytes(300, 5));
  append(data, record(21, Bytes(26, 6)));  // encrypted close_notify (AES-GCM: 8 + 2 + 16 bytes)
  EXPECT_EQ(s.send(false, data, 7), event::kEncryptedAlert);
  Bytes clear = record(23, Bytes(50, 5));
  append(clear, record(21, {1, 0}));  // a cleartext close_notify
  EXPECT_EQ(s.send(true, clear, 8), event::kAlert);
  const auto& info = s.session.info();
  EXPECT_EQ(info.encryptedAlerts, 1);
  EXPECT_EQ(info.alerts, 1);
  EXPECT_EQ(info.alertLevel, 1);
  EXPECT_EQ(info.alertDescription, 0);
  EXPECT_FALSE(info.alertFromServer);
  EXPECT_EQ(s.log.alerts, (std::vector<int>{-1, 0x0100}));
  EXPECT_EQ(s.account.bytes, 0);
}

TEST(TlsSession, AlertsSplitAcrossSegments) {
  Stream s = afterTls12Handshake();
  // An encrypted alert whose header is cut after 3 bytes and whose body is cut again: counted once,
  // with the segment that completes it.
  Bytes enc = record(23, Bytes(20, 5));
  append(enc, record(21, Bytes(26, 6)));
  const auto cut = [&](size_t from, size_t to) { return Bytes(enc.begin() + from, enc.begin() + to); };
  EXPECT_EQ(s.send(false, cut(0, 25 + 3), 7), 0);
  EXPECT_EQ(s.send(false, cut(28, 40), 8), 0);
  EXPECT_EQ(s.send(false, cut(40, enc.size()), 9), event::kEncryptedAlert);
  // A cleartext alert split between its level and its description, then between header and body.
  Bytes clear = record(21, {2, 20});
  EXPECT_EQ(s.send(true, Bytes(clear.begin(), clear.begin() + 6), 10), 0);
  EXPECT_EQ(s.send(true, Bytes(clear.begin() + 6, clear.end()), 11), event::kAlert);
  EXPECT_EQ(s.send(true, Bytes(clear.begin(), clear.begin() + 5), 12), 0);
  EXPECT_EQ(s.send(true, Bytes(clear.begin() + 5, clear.end()), 13), event::kAlert);
  EXPECT_EQ(s.log.alerts, (std::vector<int>{-1, 0x0214, 0x0214}));
}

TEST(TlsSession, RecordBodySpanningManySegmentsIsSkippedByLength) {
  Stream s = afterTls12Handshake();
  Bytes big = record(23, Bytes(16384, 7));
  append(big, record(21, Bytes(26, 6)));
  uint8_t events = 0;
  size_t segments = 0;
  for (size_t at = 0; at < big.size(); at += 1400, ++segments) {
    const Bytes segment(big.begin() + static_cast<ptrdiff_t>(at),
                        big.begin() + static_cast<ptrdiff_t>(std::min(big.size(), at + 1400)));
    const uint8_t e = s.send(false, segment, PacketTime(10 + segments));
    if (at + 1400 < big.size()) {
      EXPECT_EQ(e, 0) << at;
    }
    events |= e;
    if (segments == 4) {  // a retransmission of the previous segments: skipped
      uint32_t seq = s.seq[1] - 2800;
      s.session.onSegment(false, seq, Bytes(big.begin() + 4200, big.begin() + 7000), 2800, 20, s.account,
                          &s.log);
    }
  }
  EXPECT_EQ(events, event::kEncryptedAlert);
  EXPECT_EQ(s.session.info().encryptedAlerts, 1);
  // Bodies that were not captured (snap length) are skipped by their wire length; the next header
  // must have been captured.
  Bytes next = record(23, Bytes(3000, 8));
  append(next, record(21, Bytes(26, 6)));
  EXPECT_EQ(s.sendCut(false, Bytes(next.begin(), next.begin() + 100), 1500, 30), 0);
  EXPECT_EQ(s.sendCut(false, Bytes(), 1505, 31), 0);  // body only: nothing captured, nothing needed
  EXPECT_EQ(s.send(false, Bytes(next.begin() + 3005, next.end()), 32), event::kEncryptedAlert);
  EXPECT_EQ(s.session.info().encryptedAlerts, 2);
}

TEST(TlsSession, HoleStopsFollowingTheDirection) {
  Stream s = afterTls12Handshake();
  s.seq[1] += 100;  // 100 bytes lost
  EXPECT_EQ(s.send(false, record(21, Bytes(26, 6)), 7), 0);
  EXPECT_EQ(s.send(false, record(21, {1, 0}), 8), 0);
  EXPECT_FALSE(s.session.finished());  // the client side is still followed
  EXPECT_EQ(s.send(true, record(21, Bytes(26, 6)), 9), event::kEncryptedAlert);
  // A header that was not captured: the boundaries are lost too.
  Bytes data = record(23, Bytes(10, 5));
  append(data, record(21, Bytes(26, 6)));
  EXPECT_EQ(s.sendCut(true, Bytes(data.begin(), data.begin() + 17), static_cast<uint32_t>(data.size()), 10),
            0);
  EXPECT_EQ(s.send(true, record(21, Bytes(26, 6)), 11), 0);
  EXPECT_TRUE(s.session.finished());
  EXPECT_EQ(s.session.info().encryptedAlerts, 1);
  // Bytes that are not a record header stop it as well.
  Stream g = afterTls12Handshake();
  EXPECT_EQ(g.send(false, Bytes{'G', 'E', 'T', ' ', '/', ' '}, 7), 0);
  EXPECT_EQ(g.send(false, record(21, Bytes(26, 6)), 8), 0);
}

TEST(TlsSession, FollowingStartsWhereTheHandshakeParserStopped) {
  // The first server data record, which releases the parser, ends in the middle of a record
  // header, and in the middle of a cleartext alert's body.
  for (size_t tail : {3u, 6u}) {
    Stream s;
    s.send(true, clientHelloRecord(), 1);
    s.send(false, record(22, handshakeMessage(2, serverHelloBody(0xc02f))), 2);
    s.send(true, record(23, Bytes(100, 3)), 3);
    Bytes server = record(23, Bytes(200, 4));
    const Bytes alert = record(21, {2, 51});
    append(server, Bytes(alert.begin(), alert.begin() + static_cast<ptrdiff_t>(tail)));
    EXPECT_EQ(s.send(false, server, 4), event::kFirstDataResponse) << tail;
    EXPECT_FALSE(s.session.parsing());
    EXPECT_EQ(s.send(false, Bytes(alert.begin() + static_cast<ptrdiff_t>(tail), alert.end()), 5),
              event::kAlert);
    EXPECT_EQ(s.session.info().alertDescription, 51);
  }
  // ... and inside a record body that goes on in the next segments.
  Stream s;
  s.send(true, clientHelloRecord(), 1);
  s.send(false, record(22, handshakeMessage(2, serverHelloBody(0xc02f))), 2);
  s.send(true, record(23, Bytes(100, 3)), 3);
  Bytes server = record(23, Bytes(5000, 4));
  append(server, record(21, Bytes(26, 6)));
  EXPECT_EQ(s.send(false, Bytes(server.begin(), server.begin() + 1000), 4), event::kFirstDataResponse);
  EXPECT_EQ(s.send(false, Bytes(server.begin() + 1000, server.begin() + 5010), 5), 0);
  EXPECT_EQ(s.send(false, Bytes(server.begin() + 5010, server.end()), 6), event::kEncryptedAlert);
}

TEST(TlsSession, Tls13AlertsAfterTheHandshakeAreApplicationData) {
  Stream s;
  s.send(true, clientHelloRecord(), 1);
  Bytes flight = record(22, handshakeMessage(2, serverHelloBody(0x1301, 0x0304)));
  append(flight, record(20, {1}));
  append(flight, record(23, Bytes(900, 7)));
  s.send(false, flight, 2);
  s.send(true, record(23, Bytes(53, 8)), 3);  // Finished
  s.send(true, record(23, Bytes(80, 8)), 4);  // request
  EXPECT_EQ(s.send(false, record(23, Bytes(80, 8)), 5), event::kFirstDataResponse);
  // close_notify in TLS 1.3: an application_data record of 2 + 1 + 16 bytes, like any data.
  EXPECT_EQ(s.send(false, record(23, Bytes(19, 9)), 6), 0);
  EXPECT_EQ(s.send(true, record(23, Bytes(19, 9)), 7), 0);
  EXPECT_EQ(s.session.info().encryptedAlerts, 0);
  EXPECT_EQ(s.session.info().alerts, 0);
  EXPECT_FALSE(s.session.finished());
  // A cleartext alert refusing a ClientHello (before any encryption) is one.
  Stream refused;
  refused.send(true, clientHelloRecord(), 1);
  EXPECT_EQ(refused.send(false, record(21, {2, 70}), 2), event::kAlert);
  EXPECT_EQ(refused.session.info().alertDescription, 70);
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
  EXPECT_FALSE(s.session.info().hasClientHello);
  // The record layer goes on after the rest of the ClientHello record.
  EXPECT_EQ(s.send(true, record(21, {2, 10}), 3), event::kAlert);
}

// Segments that overtook others on the way (or were sent after a loss whose retransmission comes
// later) wait for the bytes before them: the handshake is read as if they had come in order, dated
// by the packet that completes it.
TEST(TlsSession, ReorderedSegmentsAreReadInStreamOrder) {
  Stream s;
  s.send(true, clientHelloRecord(), 1'000'000);
  Bytes flight = record(22, handshakeMessage(2, serverHelloBody(0xc02f)));
  append(flight, record(22, handshakeMessage(11, Bytes(3000, 0x55))));
  append(flight, record(20, {1}));
  const uint32_t base = s.seq[1];
  s.session.acknowledged(true, base);  // the ClientHello acknowledged the server's SYN: its stream starts there
  auto piece = [&](size_t from, size_t to) { return Bytes(flight.begin() + from, flight.begin() + to); };
  auto serverSegment = [&](size_t from, size_t to, PacketTime t) {
    Bytes b = piece(from, to);
    return s.session.onSegment(false, base + static_cast<uint32_t>(from), b, static_cast<uint32_t>(b.size()), t,
                               s.account, &s.log);
  };
  EXPECT_EQ(serverSegment(1400, 2800, 2'000'000), 0);  // the third and second arrive first
  EXPECT_EQ(serverSegment(30, 1400, 2'100'000), 0);
  EXPECT_GT(s.account.bytes, 0);
  EXPECT_FALSE(s.session.info().hasServerHello);
  EXPECT_EQ(serverSegment(0, 40, 2'500'000), event::kServerHello);  // overlaps the one after it
  EXPECT_EQ(s.session.info().serverHelloTime, 2'500'000);
  EXPECT_EQ(serverSegment(2800, flight.size(), 2'600'000), 0);
  s.seq[1] = base + static_cast<uint32_t>(flight.size());
  // The stream went on in order behind the held segments: the first data exchange is measured.
  Bytes finish = record(22, Bytes(70, 1));
  append(finish, record(20, {1}));
  append(finish, record(22, Bytes(40, 2)));
  s.send(true, finish, 3'000'000);
  s.send(true, record(23, Bytes(100, 3)), 4'000'000);
  EXPECT_EQ(s.send(false, record(23, Bytes(500, 4)), 7'000'000), event::kFirstDataResponse);
  EXPECT_EQ(s.session.info().firstDataResponseTime(), 3'000'000);
  EXPECT_EQ(s.account.bytes, 0);

  // An acknowledgement far behind the server's first segment does not describe its stream (the
  // capture missed it): the stream starts at that segment.
  Stream far;
  far.send(true, clientHelloRecord(), 1);
  far.session.acknowledged(true, base - 1'000'000);
  far.session.onSegment(false, base, flight, static_cast<uint32_t>(flight.size()), 2, far.account);
  EXPECT_TRUE(far.session.info().hasServerHello);
}

// Any order of up to kMaxSegments segments gives what the stream in order gives.
TEST(TlsSession, AnyArrivalOrderGivesTheSameClientHello) {
  const Bytes hello = clientHelloRecord("reordered.example.net");
  Stream inOrder;
  inOrder.send(true, hello, 1);
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    const size_t pieces = 2 + random() % (TcpReorderBuffer::kMaxSegments - 1);
    std::vector<size_t> cuts{0, hello.size()};
    while (cuts.size() < pieces + 1) cuts.push_back(1 + random() % (hello.size() - 1));
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<size_t> order(cuts.size() - 1);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), random);
    Stream s;
    // The first segment in the stream's order starts it: a capture joining mid-connection cannot
    // know what came before its first segment.
    std::stable_partition(order.begin(), order.end(), [](size_t i) { return i == 0; });
    uint8_t events = 0;
    for (size_t i : order) {
      Bytes b(hello.begin() + cuts[i], hello.begin() + cuts[i + 1]);
      events |= s.session.onSegment(true, 7 + static_cast<uint32_t>(cuts[i]), b, static_cast<uint32_t>(b.size()),
                                    1, s.account);
    }
    ASSERT_EQ(events, event::kClientHello) << "round " << round;
    EXPECT_EQ(s.session.info().client.sni, inOrder.session.info().client.sni);
    EXPECT_EQ(s.session.info().client.ja3, inOrder.session.info().client.ja3);
    EXPECT_EQ(s.account.bytes, 0);
  }
}

TEST(TlsSession, ReleaseFreesTheWaitingSegments) {
  Stream s;
  Bytes hello = clientHelloRecord();
  s.session.onSegment(true, 1, Bytes(hello.begin(), hello.begin() + 10), 10, 1, s.account);
  s.session.onSegment(true, 31, Bytes(hello.begin() + 30, hello.end()), static_cast<uint32_t>(hello.size() - 30), 2,
                      s.account);
  EXPECT_GT(s.account.bytes, 0);
  s.session.release(s.account);
  EXPECT_EQ(s.account.bytes, 0);
}

}  // namespace
}  // namespace netmeter::test
