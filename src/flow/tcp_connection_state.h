#pragma once

#include <array>
#include <climits>
#include <cstdint>

#include "core/packet_time.h"
#include "decode/tcp_options.h"

namespace netmeter {

// Per-connection TCP state. Written only by the TCP module (src/modules/tcp/tcp_analyzer.cpp); it lives
// here, owned by the Connection (Connection::tcp), so that the flow table can free it together with
// the connection. Fixed size: no allocation after the connection's first TCP packet.

// What one side sent (and acknowledged) so far; also the unit in which per-IP statistics are flushed.
struct TcpSideCounters {
  uint64_t payloadBytes = 0;        // TCP payload sent, retransmissions included
  uint64_t retransmittedBytes = 0;  // payload of retransmitted segments
  uint64_t missedBytes = 0;         // payload acknowledged by the peer but never seen (capture loss)
  uint64_t dataResponseNs = 0;      // sum of this side's data response times (ACK of the peer's data)
  uint64_t dataTransferNs = 0;      // sum of this side's finished data bursts (application times)
  uint32_t payloadSegments = 0;
  uint32_t retransmittedSegments = 0;
  uint32_t dupAcks = 0;
  uint32_t zeroWindows = 0;         // segments announcing a zero receive window
  uint32_t outOfOrder = 0;
  uint32_t dataResponses = 0;
  uint32_t dataTransfers = 0;       // finished data bursts
  uint32_t keepAlives = 0;
  uint32_t windowProbes = 0;
};

// A range of sequence numbers [begin, end) (serial arithmetic) that was skipped by this side's
// segments: not seen (yet).
struct TcpSeqRange {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// One direction: the segments one side sends, the window and acknowledgements it announces.
struct TcpSideState {
  static constexpr uint8_t kMaxHoles = 4;

  bool seqKnown = false;   // a segment of this side was seen: nextSeq is valid
  bool ackKnown = false;   // this side sent an ACK: lastAck / highestAck valid
  bool synSeen = false;
  bool finSeen = false;
  bool timing = false;     // a data segment is being timed for the peer's response time
  bool lastWasKeepAlive = false;  // its last segment was a keep-alive or a zero-window probe
  uint8_t dupAckRun = 0;          // duplicate ACKs it sent in a row (saturating)
  uint8_t holeCount = 0;
  uint8_t windowScale = kNoWindowScale;  // announced in its SYN
  bool ackFloorKnown = false;            // the peer acknowledged this side's data before its first segment
  uint16_t mss = 0;                      // announced in its SYN (0: none)
  uint16_t lastWindowRaw = 0;
  bool windowKnown = false;
  bool sackPermitted = false;
  // Initial sequence number: from its SYN; without it one before its first segment seen (Wireshark's
  // base_seq), so that its data seen starts at isn + 1 either way.
  uint32_t isn = 0;
  // Highest sequence number sent + 1 (serial arithmetic). Before this side's first segment
  // (!seqKnown, ackFloorKnown): the lowest number the peer had acknowledged, where the side's data
  // seen by the capture starts when its SYN was not seen (what lies between it and the first segment
  // is a gap, missed once acknowledged).
  uint32_t nextSeq = 0;
  uint32_t lastAck = 0;      // acknowledgement number of its last ACK
  uint32_t highestAck = 0;   // highest acknowledgement number sent
  uint32_t minWindow = UINT32_MAX;  // announced receive window, scaled when the scale is known
  uint32_t maxWindow = 0;
  // Its unacknowledged data at most (RFC 5681 FlightSize); before the peer's first ACK, what it sent
  // since its first segment seen. Shown only once the peer acknowledged (tcpMaxBytesInFlight).
  uint32_t maxBytesInFlight = 0;
  uint32_t timedSeqEnd = 0;
  PacketTime timedAt = 0;
  PacketTime nextSeqTime = 0;  // when nextSeq last advanced
  PacketTime lastAckTime = 0;  // when it last sent an ACK
  int64_t dataResponseMaxNs = 0;
  std::array<TcpSeqRange, kMaxHoles> holes{};
  TcpSideCounters counters;
  TcpSideCounters flushed;  // part of `counters` already added to the per-IP and global statistics
};

enum class TcpHandshake : uint8_t { kNone = 0, kSyn, kSynAck, kDone };

// The "TCP application times" of one connection (heuristic, from data segments only).
struct TcpApplicationTimes {
  uint8_t burstSide = 0xff;  // side of the current data burst (Direction), 0xff before any data
  bool inResponse = false;   // the server answers a client burst
  PacketTime burstStart = 0;
  PacketTime burstLast = 0;
  PacketTime requestStart = 0;      // first data of the client burst the server answers
  uint32_t transactions = 0;        // client bursts answered by a server burst
  uint32_t requestResponses = 0;    // finished transactions (the server burst ended)
  uint64_t firstResponseNs = 0;     // sum: last client data -> first server data
  int64_t firstResponseMaxNs = 0;
  uint64_t requestResponseNs = 0;   // sum: first client data -> last server data
  int64_t requestResponseMaxNs = 0;
  // Not yet added to the per-IP statistics.
  uint32_t pendingTransactions = 0;
  uint64_t pendingFirstResponseNs = 0;
  uint32_t pendingRequestResponses = 0;
  uint64_t pendingRequestResponseNs = 0;
};

struct TcpConnectionState {
  std::array<TcpSideState, 2> side;  // indexed by Direction (kClientToServer: what the client sends)
  TcpHandshake handshake = TcpHandshake::kNone;
  bool handshakeFlushed = false;
  bool validFlushed = false;
  bool openedFlushed = false;   // counted as a new connection of its IPs
  bool acceptFlushed = false;   // counted on the server's open port
  bool dirty = false;           // in the TCP module's list of states to flush
  bool payloadSeen = false;
  uint8_t closedBy = 0xff;      // Direction of the first FIN or RST, 0xff: none
  bool closedByRst = false;
  PacketTime pendingFirst = INT64_MAX;  // earliest and latest packet time since the last flush
  PacketTime pendingLast = INT64_MIN;
  // Hints to the per-IP TCP records of the client and the server (EntityTable::findOrCreateHinted:
  // checked against the key on every use), so that a flush skips their hash lookups.
  const void* clientIpHint = nullptr;
  const void* serverIpHint = nullptr;
  PacketTime synTime = 0;       // latest SYN before the SYN-ACK
  PacketTime synAckTime = 0;
  PacketTime ackTime = 0;
  TcpApplicationTimes app;

  // Handshake seen completely (SYN, SYN-ACK, ACK of the SYN-ACK).
  bool handshakeComplete() const { return handshake == TcpHandshake::kDone; }
  // SYN -> ACK, SYN -> SYN-ACK (server side), SYN-ACK -> ACK (client side); 0 when not complete.
  int64_t handshakeNs() const { return handshakeComplete() ? ackTime - synTime : 0; }
  int64_t serverHandshakeNs() const { return handshakeComplete() ? synAckTime - synTime : 0; }
  int64_t clientHandshakeNs() const { return handshakeComplete() ? ackTime - synAckTime : 0; }
  // The reference's validity: the handshake succeeded or payload was transferred.
  bool valid() const { return handshakeComplete() || payloadSeen; }
};

// What the memory account is charged per TCP connection: the state plus allocator overhead.
inline constexpr int64_t kTcpStateAccountedBytes = sizeof(TcpConnectionState) + 16;

}  // namespace netmeter
