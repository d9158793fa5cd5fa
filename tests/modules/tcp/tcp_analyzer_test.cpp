// Each TCP health figure from hand-built segments (tcp_segments.h).
#include "modules/tcp/tcp_analyzer.h"

#include <gtest/gtest.h>

#include "tcp_segments.h"

namespace netmeter {
namespace {

using namespace test;

class TcpAnalyzerTest : public ::testing::Test {
 protected:
  TcpSegmentVerdict send(const Segment& s) { return analyzeTcpSegment(st_, s.dir, s.packet()); }
  // SYN at 0 ms, SYN-ACK at 10 ms, ACK at 12 ms; client ISN 1000, server ISN 5000.
  void handshake(uint8_t clientScale = kNoWindowScale, uint8_t serverScale = kNoWindowScale) {
    send({.dir = kClientToServer, .flags = kSyn, .seq = 1000, .window = 64240, .t = ms(0), .mss = 1460,
          .windowScale = clientScale});
    send({.dir = kServerToClient, .flags = kSynAck, .seq = 5000, .ack = 1001, .window = 65160, .t = ms(10),
          .mss = 1400, .windowScale = serverScale});
    send({.dir = kClientToServer, .flags = kAck, .seq = 1001, .ack = 5001, .window = 502, .t = ms(12)});
  }
  const TcpSideCounters& client() const { return st_.side[kClientToServer].counters; }
  const TcpSideCounters& server() const { return st_.side[kServerToClient].counters; }

  TcpConnectionState st_;
};

TEST_F(TcpAnalyzerTest, HandshakeTimesMssAndWindowScale) {
  handshake(7, 9);
  ASSERT_TRUE(st_.handshakeComplete());
  EXPECT_EQ(st_.handshakeNs(), 12'000'000);
  EXPECT_EQ(st_.serverHandshakeNs(), 10'000'000);
  EXPECT_EQ(st_.clientHandshakeNs(), 2'000'000);
  EXPECT_TRUE(st_.valid());
  EXPECT_EQ(st_.side[kClientToServer].mss, 1460);
  EXPECT_EQ(st_.side[kServerToClient].mss, 1400);
  EXPECT_EQ(tcpWindowShift(st_, kClientToServer), 7);
  EXPECT_EQ(tcpWindowShift(st_, kServerToClient), 9);
  // The SYN's window is never scaled; the ACK's 502 is scaled by 2^7.
  EXPECT_EQ(st_.side[kClientToServer].minWindow, 64240u);
  EXPECT_EQ(st_.side[kClientToServer].maxWindow, 502u << 7);
}

TEST_F(TcpAnalyzerTest, WindowScaleNeedsBothSides) {
  handshake(7, kNoWindowScale);
  EXPECT_TRUE(tcpWindowScaleKnown(st_));
  EXPECT_EQ(tcpWindowShift(st_, kClientToServer), 0);
  EXPECT_EQ(st_.side[kClientToServer].minWindow, 502u);
}

TEST_F(TcpAnalyzerTest, RetransmittedSynRestartsTheHandshakeClock) {
  send({.dir = kClientToServer, .flags = kSyn, .seq = 1000, .t = ms(0)});
  const auto v = send({.dir = kClientToServer, .flags = kSyn, .seq = 1000, .t = ms(1000)});
  EXPECT_TRUE(v.retransmission);
  send({.dir = kServerToClient, .flags = kSynAck, .seq = 5000, .ack = 1001, .t = ms(1010)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1001, .ack = 5001, .t = ms(1011)});
  EXPECT_EQ(st_.handshakeNs(), 11'000'000);
}

TEST_F(TcpAnalyzerTest, AckOfWrongNumberDoesNotCompleteHandshake) {
  send({.dir = kClientToServer, .flags = kSyn, .seq = 1000, .t = ms(0)});
  send({.dir = kServerToClient, .flags = kSynAck, .seq = 5000, .ack = 1001, .t = ms(10)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1001, .ack = 4242, .t = ms(12)});
  EXPECT_FALSE(st_.handshakeComplete());
  EXPECT_FALSE(st_.valid());
}

TEST_F(TcpAnalyzerTest, RetransmissionAndOutOfOrder) {
  handshake();
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(20)});
  // The same bytes 200 ms later: a retransmission.
  auto v = send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(220)});
  EXPECT_TRUE(v.retransmission);
  EXPECT_EQ(client().retransmittedBytes, 100u);
  EXPECT_EQ(client().retransmittedSegments, 1u);
  EXPECT_EQ(client().payloadBytes, 200u);
  // 1201.. arrives before 1101..: a gap, then the late segment within the initial RTT (12 ms).
  v = send({.dir = kClientToServer, .flags = kPshAck, .seq = 1201, .ack = 5001, .len = 100, .t = ms(230)});
  EXPECT_TRUE(v.gap);
  v = send({.dir = kClientToServer, .flags = kPshAck, .seq = 1101, .ack = 5001, .len = 100, .t = ms(231)});
  EXPECT_TRUE(v.outOfOrder);
  EXPECT_FALSE(v.retransmission);
  EXPECT_EQ(client().outOfOrder, 1u);
  EXPECT_EQ(client().retransmittedSegments, 1u);
  // Everything acknowledged was seen: nothing missed.
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1301, .t = ms(240)});
  EXPECT_EQ(client().missedBytes, 0u);
}

TEST_F(TcpAnalyzerTest, SequenceWraparound) {
  const uint32_t isn = 0xffffff00u;
  send({.dir = kClientToServer, .flags = kSyn, .seq = isn, .t = ms(0)});
  send({.dir = kServerToClient, .flags = kSynAck, .seq = 5000, .ack = isn + 1, .t = ms(1)});
  send({.dir = kClientToServer, .flags = kAck, .seq = isn + 1, .ack = 5001, .t = ms(2)});
  uint32_t seq = isn + 1;
  for (int i = 0; i < 4; ++i) {  // crosses 2^32 in the third segment
    const auto v = send({.dir = kClientToServer, .flags = kPshAck, .seq = seq, .ack = 5001, .len = 100, .t = ms(10 + i)});
    EXPECT_FALSE(v.retransmission || v.outOfOrder || v.gap) << i;
    seq += 100;
  }
  // A retransmission of the segment that straddled the wrap.
  const auto v = send({.dir = kClientToServer, .flags = kPshAck, .seq = isn + 201, .ack = 5001, .len = 100, .t = ms(500)});
  EXPECT_TRUE(v.retransmission);
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = seq, .t = ms(501)});
  EXPECT_EQ(client().missedBytes, 0u);
  EXPECT_EQ(st_.side[kClientToServer].nextSeq, seq);
}

TEST_F(TcpAnalyzerTest, DuplicateAcks) {
  handshake();
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(20)});
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1101, .t = ms(30)});
  // 1101 lost; later segments make the server repeat its ACK.
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1201, .ack = 5001, .len = 100, .t = ms(31)});
  EXPECT_TRUE(send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1101, .t = ms(32)}).dupAck);
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1301, .ack = 5001, .len = 100, .t = ms(33)});
  EXPECT_TRUE(send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1101, .t = ms(34)}).dupAck);
  // A changed window is a window update, not a duplicate ACK.
  EXPECT_FALSE(send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1101, .window = 2000, .t = ms(35)}).dupAck);
  EXPECT_EQ(server().dupAcks, 2u);
  // The fast retransmission of 1101 after the duplicate ACKs.
  const auto v = send({.dir = kClientToServer, .flags = kPshAck, .seq = 1101, .ack = 5001, .len = 100, .t = ms(36)});
  EXPECT_TRUE(v.retransmission);
}

TEST_F(TcpAnalyzerTest, ZeroWindowProbeAndKeepAliveAreNotRetransmissions) {
  handshake();
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(20)});
  EXPECT_TRUE(send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1101, .window = 0, .t = ms(30)}).zeroWindow);
  auto v = send({.dir = kClientToServer, .flags = kAck, .seq = 1101, .ack = 5001, .len = 1, .t = ms(500)});
  EXPECT_TRUE(v.windowProbe);
  v = send({.dir = kClientToServer, .flags = kAck, .seq = 1101, .ack = 5001, .len = 1, .t = ms(1500)});
  EXPECT_TRUE(v.windowProbe);
  EXPECT_FALSE(v.retransmission);
  // Window opens; data continues at 1101.
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1101, .window = 1000, .t = ms(1600)});
  v = send({.dir = kClientToServer, .flags = kPshAck, .seq = 1101, .ack = 5001, .len = 100, .t = ms(1601)});
  EXPECT_FALSE(v.retransmission || v.outOfOrder);
  // Keep-alive: one byte (or none) at next - 1.
  v = send({.dir = kClientToServer, .flags = kAck, .seq = 1200, .ack = 5001, .len = 0, .t = ms(60000)});
  EXPECT_TRUE(v.keepAlive);
  v = send({.dir = kClientToServer, .flags = kAck, .seq = 1200, .ack = 5001, .len = 1, .t = ms(120000)});
  EXPECT_TRUE(v.keepAlive);
  // The keep-alive's ACK is not a duplicate ACK.
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1201, .window = 1000, .t = ms(120001)});
  EXPECT_FALSE(send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1201, .window = 1000, .t = ms(120002)}).dupAck);
  EXPECT_EQ(client().retransmittedSegments, 0u);
  EXPECT_EQ(client().keepAlives, 2u);
  EXPECT_EQ(client().windowProbes, 2u);
  EXPECT_EQ(server().zeroWindows, 1u);
  EXPECT_EQ(st_.side[kServerToClient].minWindow, 0u);
}

TEST_F(TcpAnalyzerTest, MissedDataIsAcknowledgedButNeverSeen) {
  handshake();
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(20)});
  // 1101..1301 never seen; 1301..1401 seen; the server acknowledges all.
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1301, .ack = 5001, .len = 100, .t = ms(21)});
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1401, .t = ms(30)});
  EXPECT_EQ(client().missedBytes, 200u);
  // Beyond anything seen: 50 more bytes acknowledged.
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1451, .t = ms(31)});
  EXPECT_EQ(client().missedBytes, 250u);
  // A later segment from the acknowledged range is a retransmission, not new.
  const auto v = send({.dir = kClientToServer, .flags = kPshAck, .seq = 1401, .ack = 5001, .len = 50, .t = ms(300)});
  EXPECT_TRUE(v.retransmission);
}

TEST_F(TcpAnalyzerTest, CaptureStartingMidConnection) {
  // No handshake: the first segment of each side sets its baseline.
  auto v = send({.dir = kClientToServer, .flags = kPshAck, .seq = 777777, .ack = 999, .len = 100, .t = ms(0)});
  EXPECT_FALSE(v.retransmission || v.gap || v.outOfOrder);
  v = send({.dir = kServerToClient, .flags = kPshAck, .seq = 999, .ack = 777877, .len = 10, .t = ms(5)});
  EXPECT_FALSE(v.retransmission || v.gap || v.outOfOrder);
  EXPECT_FALSE(st_.handshakeComplete());
  EXPECT_FALSE(tcpWindowScaleKnown(st_));
  EXPECT_TRUE(st_.valid());
  EXPECT_EQ(client().missedBytes, 0u);
  EXPECT_EQ(server().missedBytes, 0u);
}

// 1kxun.pcap's connection to 14.136.136.108:80 from port 49380 in small: the capture starts with the
// client's request (ACK 1), the server's first segment seen starts at 10366, the client acknowledges
// 63513. The 10,365 bytes before the server's first segment seen were acknowledged, never captured.
TEST_F(TcpAnalyzerTest, MissedDataBeforeTheFirstSegmentOfADirection) {
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1, .ack = 1, .len = 514, .t = ms(0)});
  auto v = send({.dir = kServerToClient, .flags = kAck, .seq = 10366, .ack = 515, .len = 1440, .t = ms(50)});
  EXPECT_TRUE(v.gap);
  EXPECT_FALSE(v.retransmission || v.outOfOrder);
  EXPECT_EQ(server().missedBytes, 0u) << "not acknowledged yet";
  send({.dir = kServerToClient, .flags = kAck, .seq = 11806, .ack = 515, .len = 1440, .t = ms(51)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 515, .ack = 13246, .t = ms(60)});
  EXPECT_EQ(server().missedBytes, 10365u);
  EXPECT_EQ(client().missedBytes, 0u);
  EXPECT_EQ(server().retransmittedSegments + server().outOfOrder, 0u);
}

// The gap counts only once acknowledged: data of it seen later (out of order, or retransmitted) is
// not missed.
TEST_F(TcpAnalyzerTest, GapBeforeTheFirstSegmentFilledLaterIsNotMissed) {
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1, .ack = 1, .len = 100, .t = ms(0)});
  send({.dir = kServerToClient, .flags = kAck, .seq = 1001, .ack = 101, .len = 1000, .t = ms(50)});
  const auto v =
      send({.dir = kServerToClient, .flags = kAck, .seq = 1, .ack = 101, .len = 1000, .t = ms(51)});
  EXPECT_TRUE(v.outOfOrder);
  send({.dir = kClientToServer, .flags = kAck, .seq = 101, .ack = 2001, .t = ms(60)});
  EXPECT_EQ(server().missedBytes, 0u);
}

// The lowest ACK before the direction's first segment is its start (ACKs may arrive reordered); ACKs
// below it later change nothing.
TEST_F(TcpAnalyzerTest, LowestAckBeforeTheFirstSegmentStartsTheDirection) {
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 3001, .t = ms(0)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 2001, .t = ms(1)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 2501, .t = ms(2)});
  send({.dir = kServerToClient, .flags = kAck, .seq = 4001, .ack = 1, .len = 500, .t = ms(10)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 4501, .t = ms(20)});
  EXPECT_EQ(server().missedBytes, 2000u);  // 2001..4001
}

// Data below the first acknowledgement seen was sent before the capture saw the connection: never
// counted. A first segment at or below it leaves nothing unseen.
TEST_F(TcpAnalyzerTest, DataBelowTheFirstAckSeenIsNotMissed) {
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 5001, .t = ms(0)});
  const auto v =
      send({.dir = kServerToClient, .flags = kAck, .seq = 4001, .ack = 1, .len = 1000, .t = ms(10)});
  EXPECT_FALSE(v.gap || v.retransmission || v.outOfOrder);
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1, .len = 1000, .t = ms(11)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 6001, .t = ms(20)});
  EXPECT_EQ(server().missedBytes, 0u);
}

// With the SYN seen, the direction starts at ISN + 1 (unchanged): the peer's ACK before the SYN (a
// stray or garbage number) does not matter, and a SYN is never after a gap.
TEST_F(TcpAnalyzerTest, SynStartsTheDirectionWhateverWasAcknowledgedBefore) {
  send({.dir = kServerToClient, .flags = kAck, .seq = 5000, .ack = 100, .t = ms(0)});
  const auto v = send({.dir = kClientToServer, .flags = kSyn, .seq = 1000, .t = ms(1)});
  EXPECT_FALSE(v.gap);
  send({.dir = kServerToClient, .flags = kSynAck, .seq = 5000, .ack = 1001, .t = ms(10)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1001, .ack = 5001, .t = ms(12)});
  // The server's first data after its SYN-ACK is missing: 1000 bytes from ISN + 1.
  send({.dir = kServerToClient, .flags = kAck, .seq = 6001, .ack = 1001, .len = 500, .t = ms(20)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1001, .ack = 6501, .t = ms(30)});
  EXPECT_EQ(client().missedBytes, 0u);
  EXPECT_EQ(server().missedBytes, 1000u);
}

// A first segment 2^30 or more beyond the ACK seen before is a resynchronisation (garbage, another
// connection's numbers), not a gap; so is an ACK that far from the earlier ones (the newest wins).
TEST_F(TcpAnalyzerTest, ImplausibleGapBeforeTheFirstSegmentIsNotCounted) {
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 1000, .t = ms(0)});
  auto v = send(
      {.dir = kServerToClient, .flags = kAck, .seq = 1000 + 0x50000000u, .ack = 1, .len = 10, .t = ms(1)});
  EXPECT_FALSE(v.gap);
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 1010 + 0x50000000u, .t = ms(2)});
  EXPECT_EQ(server().missedBytes, 0u);

  st_ = TcpConnectionState{};
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 1000, .t = ms(0)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 1000 + 0x90000000u, .t = ms(1)});  // resync
  v = send(
      {.dir = kServerToClient, .flags = kAck, .seq = 1100 + 0x90000000u, .ack = 1, .len = 10, .t = ms(2)});
  EXPECT_TRUE(v.gap);
  send({.dir = kClientToServer, .flags = kAck, .seq = 1, .ack = 1110 + 0x90000000u, .t = ms(3)});
  EXPECT_EQ(server().missedBytes, 100u);
}

TEST_F(TcpAnalyzerTest, GarbageJumpsAreResynchronisedNotCounted) {
  handshake();
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(20)});
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1001 + 0x80000000u, .t = ms(21)});
  EXPECT_EQ(client().missedBytes, 0u);
  const auto v = send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001 + 0x60000000u, .ack = 5001, .len = 10, .t = ms(22)});
  EXPECT_FALSE(v.gap);
  EXPECT_EQ(client().retransmittedSegments, 0u);
}

TEST_F(TcpAnalyzerTest, DataResponseTimeAndBytesInFlight) {
  handshake();
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(20)});
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1101, .ack = 5001, .len = 100, .t = ms(21)});
  EXPECT_EQ(st_.side[kClientToServer].maxBytesInFlight, 200u);
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1101, .t = ms(25)});  // times the first
  EXPECT_EQ(server().dataResponses, 1u);
  EXPECT_EQ(server().dataResponseNs, 5'000'000u);
  // The timed segment is retransmitted: its ACK gives no sample (Karn).
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1201, .ack = 5001, .len = 100, .t = ms(30)});
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1201, .ack = 5001, .len = 100, .t = ms(300)});
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = 1301, .t = ms(301)});
  EXPECT_EQ(server().dataResponses, 1u);
  EXPECT_EQ(st_.side[kServerToClient].dataResponseMaxNs, 5'000'000);
}

// RFC 5681 FlightSize counts data: a FIN occupies a sequence number but is not a byte in flight.
TEST_F(TcpAnalyzerTest, BytesInFlightLeaveOutTheFin) {
  handshake();
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(20)});
  send({.dir = kClientToServer,
        .flags = kFinAck | tcpflag::kPsh,
        .seq = 1101,
        .ack = 5001,
        .len = 50,
        .t = ms(21)});
  EXPECT_EQ(tcpMaxBytesInFlight(st_, kClientToServer), 150u);
  // Retransmitted after the FIN: still the 150 bytes of data.
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(300)});
  EXPECT_EQ(tcpMaxBytesInFlight(st_, kClientToServer), 150u);
}

// A capture that starts after the handshake: the request goes out before anything of the server is
// seen, and the server's first packet acknowledges it. The request was in flight meanwhile.
TEST_F(TcpAnalyzerTest, BytesInFlightBeforeThePeersFirstAck) {
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 300, .t = ms(0)});
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1301, .ack = 5001, .len = 200, .t = ms(1)});
  EXPECT_EQ(tcpMaxBytesInFlight(st_, kClientToServer), 0u);  // the server's direction unseen so far
  send({.dir = kServerToClient, .flags = kPshAck, .seq = 5001, .ack = 1501, .len = 700, .t = ms(30)});
  EXPECT_EQ(tcpMaxBytesInFlight(st_, kClientToServer), 500u);
  EXPECT_EQ(tcpMaxBytesInFlight(st_, kServerToClient), 700u);
}

// Only one direction captured (asymmetric routing): without the peer's ACKs nothing is known to be
// in flight; the figure stays 0 rather than growing with everything sent.
TEST_F(TcpAnalyzerTest, BytesInFlightNeedTheOtherDirection) {
  for (uint32_t i = 0; i < 10; ++i)
    send({.dir = kServerToClient,
          .flags = kAck,
          .seq = 5001 + i * 1000,
          .ack = 1001,
          .len = 1000,
          .t = ms(i)});
  EXPECT_EQ(tcpMaxBytesInFlight(st_, kServerToClient), 0u);
}

TEST_F(TcpAnalyzerTest, ApplicationTimes) {
  handshake();
  // Request: two client segments (20, 22 ms); response: server 50..60 ms; second request at 100 ms.
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(20)});
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1101, .ack = 5001, .len = 100, .t = ms(22)});
  send({.dir = kServerToClient, .flags = kPshAck, .seq = 5001, .ack = 1201, .len = 1000, .t = ms(50)});
  send({.dir = kServerToClient, .flags = kPshAck, .seq = 6001, .ack = 1201, .len = 1000, .t = ms(60)});
  EXPECT_EQ(st_.app.transactions, 1u);
  EXPECT_EQ(st_.app.firstResponseNs, 28'000'000u);  // 22 -> 50 ms
  EXPECT_EQ(st_.app.requestResponses, 0u);          // the response may go on
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1201, .ack = 7001, .len = 10, .t = ms(100)});
  EXPECT_EQ(st_.app.requestResponses, 1u);
  EXPECT_EQ(st_.app.requestResponseNs, 40'000'000u);  // 20 -> 60 ms
  EXPECT_EQ(client().dataTransfers, 1u);
  EXPECT_EQ(client().dataTransferNs, 2'000'000u);
  EXPECT_EQ(server().dataTransfers, 1u);
  EXPECT_EQ(server().dataTransferNs, 10'000'000u);
  // Second response, then the server closes: the transaction ends with the FIN.
  send({.dir = kServerToClient, .flags = kPshAck, .seq = 7001, .ack = 1211, .len = 5, .t = ms(130)});
  send({.dir = kServerToClient, .flags = kFinAck, .seq = 7006, .ack = 1211, .t = ms(131)});
  EXPECT_EQ(st_.app.transactions, 2u);
  EXPECT_EQ(st_.app.requestResponses, 2u);
  EXPECT_EQ(st_.app.requestResponseMaxNs, 40'000'000);
  EXPECT_EQ(st_.closedBy, kServerToClient);
  EXPECT_FALSE(st_.closedByRst);
}

// A connection that ends without FIN/RST (idle timeout, eviction, end of the analysis): the burst in
// progress is finished as a FIN would finish it, once.
TEST_F(TcpAnalyzerTest, FinishingTheBurstInProgress) {
  handshake();
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1001, .ack = 5001, .len = 100, .t = ms(20)});
  send({.dir = kServerToClient, .flags = kPshAck, .seq = 5001, .ack = 1101, .len = 1000, .t = ms(50)});
  send({.dir = kServerToClient, .flags = kPshAck, .seq = 6001, .ack = 1101, .len = 1000, .t = ms(70)});
  send({.dir = kClientToServer, .flags = kAck, .seq = 1101, .ack = 7001, .t = ms(80)});  // no data
  EXPECT_TRUE(tcpBurstOpen(st_));
  EXPECT_EQ(server().dataTransfers, 0u);
  EXPECT_EQ(st_.app.transactions, 1u);
  EXPECT_EQ(st_.app.requestResponses, 0u);
  finishTcpBurst(st_);
  EXPECT_FALSE(tcpBurstOpen(st_));
  EXPECT_EQ(server().dataTransfers, 1u);
  EXPECT_EQ(server().dataTransferNs, 20'000'000u);  // 50 -> 70 ms
  EXPECT_EQ(st_.app.requestResponses, 1u);
  EXPECT_EQ(st_.app.requestResponseNs, 50'000'000u);  // 20 -> 70 ms
  EXPECT_EQ(st_.app.pendingRequestResponses, 1u);
  finishTcpBurst(st_);
  EXPECT_EQ(server().dataTransfers, 1u);
  EXPECT_EQ(st_.app.requestResponses, 1u);
  // A client burst left open: a data transfer, no transaction.
  send({.dir = kClientToServer, .flags = kPshAck, .seq = 1101, .ack = 7001, .len = 10, .t = ms(100)});
  finishTcpBurst(st_);
  EXPECT_EQ(client().dataTransfers, 2u);
  EXPECT_EQ(st_.app.transactions, 1u);
  EXPECT_EQ(st_.app.requestResponses, 1u);
}

TEST_F(TcpAnalyzerTest, RstIsTerminationOnly) {
  handshake();
  send({.dir = kServerToClient, .flags = kRst, .seq = 12345, .window = 0, .t = ms(20)});
  EXPECT_EQ(st_.closedBy, kServerToClient);
  EXPECT_TRUE(st_.closedByRst);
  EXPECT_EQ(server().zeroWindows, 0u);
  EXPECT_EQ(server().retransmittedSegments, 0u);
}

TEST_F(TcpAnalyzerTest, ManyHolesStayBounded) {
  handshake();
  uint32_t seq = 1001;
  for (int i = 0; i < 50; ++i) {  // every other segment lost
    send({.dir = kClientToServer, .flags = kPshAck, .seq = seq, .ack = 5001, .len = 10, .t = ms(20 + i)});
    seq += 20;
  }
  EXPECT_LE(st_.side[kClientToServer].holeCount, TcpSideState::kMaxHoles);
  send({.dir = kServerToClient, .flags = kAck, .seq = 5001, .ack = seq - 10, .t = ms(100)});
  EXPECT_EQ(st_.side[kClientToServer].holeCount, 0);
  // Bounded tracking may count seen bytes between merged holes as missed, never more than the span.
  EXPECT_GE(client().missedBytes, 49u * 10u - 10u);
  EXPECT_LE(client().missedBytes, seq - 1001u);
}

}  // namespace
}  // namespace netmeter
