#pragma once

#include <optional>

#include "decode/decoded_packet.h"
#include "flow/connection.h"
#include "flow/tcp_connection_state.h"

namespace netmeter {

// What the analyzer concluded about one segment (for tests and per-packet comparisons).
struct TcpSegmentVerdict {
  bool retransmission = false;
  bool outOfOrder = false;
  bool dupAck = false;
  bool zeroWindow = false;
  bool keepAlive = false;
  bool windowProbe = false;
  bool gap = false;  // its sequence number lies beyond the next expected one (previous data not seen)
};

// Updates one connection's TCP state with a segment sent in direction `dir`. Sequence numbers use
// serial arithmetic (RFC 1982), so wraparound is handled; jumps of 2^30 or more are taken as a
// resynchronisation (garbage or a capture gap), never as data. Works for captures that start in the
// middle of a connection (the first segment of each side sets its sequence baseline). The rules
// follow Wireshark's tcp.analysis where it defines the figure (see README.md, "TCP health").
TcpSegmentVerdict analyzeTcpSegment(TcpConnectionState& state, Direction dir, const DecodedPacket& p);

// Whether a data burst (TCP application times) is in progress: its side sent data since the other
// side's last data, FIN or RST.
inline bool tcpBurstOpen(const TcpConnectionState& state) {
  return state.app.burstSide <= kServerToClient;
}
// Finishes the burst in progress, as FIN/RST or the other side's data would: its data transfer
// time and, for a server burst answering the client, the transaction's request-response time. For a
// connection that ended without (idle timeout, eviction) or that is still open when the analysis ends.
void finishTcpBurst(TcpConnectionState& state);

// Effective window scale shift of `side` (0 when not negotiated or unknown), and whether it is known
// (both SYNs seen).
uint8_t tcpWindowShift(const TcpConnectionState& state, Direction side);
bool tcpWindowScaleKnown(const TcpConnectionState& state);

// The most data `side` had sent and not yet seen acknowledged (RFC 5681 FlightSize: up to its highest
// byte sent, minus the peer's highest ACK; a FIN is no byte), counting what it sent before the peer's
// first ACK; 0 while no ACK of the peer was seen (one direction captured: nothing is known).
uint32_t tcpMaxBytesInFlight(const TcpConnectionState& state, Direction side);

// MSS of the segments `side` may receive... as announced by `side` in its SYN, or the default when it
// announced none (536 for IPv4, 1220 for IPv6, RFC 9293 3.7.1 / RFC 8200); unknown (nullopt) when its
// SYN was not seen.
std::optional<uint16_t> tcpEffectiveMss(const TcpSideState& side, bool ipv6);

}  // namespace netmeter
