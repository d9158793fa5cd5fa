#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "core/ip_address.h"
#include "core/packet_time.h"
#include "decode/ip_reassembler.h"
#include "flow/connection.h"
#include "flow/flow_key.h"
#include "flow/tcp_connection_state.h"
#include "io/packet_source.h"
#include "modules/tcp/tcp_analyzer.h"

namespace netmeter {

// The reference's "TCP flow chart" of one connection (ip-module.txt, "IP connection details"): its
// segments in order, each with its sender, flags, relative sequence and acknowledgement numbers,
// payload length, announced window and what the TCP analysis concluded about it. The chart is
// computed on request from the analysed capture files, not kept during the analysis: its packets are
// read again from the connection's start (capture::openIndexed) and every segment goes through the
// same analyzer as in the analysis (analyzeTcpSegment, on a state of the chart's own), so the marks
// of a complete chart add up to the connection's own TCP counters.

// Which connection to chart: its key, its client side (as the analysis decided it) and its lifetime.
struct TcpFlowTarget {
  IpAddress clientIp, serverIp;
  uint16_t clientPort = 0, serverPort = 0;
  uint16_t outerVlan = kNoVlan;
  PacketTime start = 0;         // first packet
  PacketTime lastActivity = 0;  // last packet
  uint64_t packets = 0;         // the connection's packets (both directions), to know when all are read

  static TcpFlowTarget of(const Connection& c);
};

// One segment of the chart.
struct TcpFlowRow {
  PacketTime time = 0;
  Direction dir = kClientToServer;  // sender
  uint8_t flags = 0;
  // An IP fragment that does not complete its datagram: counted on the connection, its TCP header is
  // the datagram's (the completing fragment brings it), so it is not analyzed (ModuleSet::onPacket).
  bool fragment = false;
  // The analysis follows it: not a fragment piece, not a damaged TCP header (TcpModule::onPacket).
  bool analyzed = false;
  uint32_t seq = 0, ack = 0;        // as on the wire
  uint32_t relSeq = 0, relAck = 0;  // relative to the sides' bases (TcpFlowChart::base)
  uint32_t payloadLength = 0;
  uint16_t windowRaw = 0;
  uint32_t wireLength = 0;
  TcpSegmentVerdict verdict;
};

struct TcpFlowChart {
  TcpFlowTarget target;
  std::vector<TcpFlowRow> rows;
  TcpConnectionState state;     // after the rows: ISNs (relative numbers), window scales
  uint64_t firstRow = 0;        // index of rows[0] among the connection's packets (TcpFlowOptions)
  uint64_t packetsMatched = 0;  // the connection's packets read (firstRow + rows.size() when enough)
  bool truncated = false;       // more packets after the rows: the chart stops at maxRows
  bool readError = false;       // the files ended in an error (error names file and offset)
  ReadError error;

  // All of the connection's packets were read: the chart is the whole connection.
  bool complete() const { return packetsMatched >= target.packets; }
  // Relative numbers as Wireshark shows them, from each side's base: its SYN's sequence number (the
  // SYN is 0); without its SYN, the first acknowledgement number of the peer before it minus one, or
  // else its first sequence number minus one (its first segment is 1). Set at the first of these
  // and kept, so a later page of the chart numbers as the whole chart does.
  std::array<uint32_t, 2> base{};
  std::array<bool, 2> baseKnown{};
  // Sets r.relSeq / r.relAck (and the bases at their first sight); rows in capture order.
  void numberRelative(TcpFlowRow& r);
  uint32_t relativeSeq(const TcpFlowRow& r) const { return r.relSeq; }
  uint32_t relativeAck(const TcpFlowRow& r) const { return r.relAck; }
  // The window `r` announced in bytes: scaled once both SYNs announced a scale (never in a SYN).
  uint32_t window(const TcpFlowRow& r) const;
};

struct TcpFlowOptions {
  size_t maxRows = 2000;
  // The first packets of the connection not listed (still analyzed, so that the rows' relative numbers
  // and verdicts are those of the whole connection): a chart of packets [firstRow, firstRow + maxRows).
  uint64_t firstRow = 0;
  // A packet this far past the connection's last one ends the reading when not all of the connection's
  // packets were found: captures whose timestamps go back (merged interfaces, pcapng sections) are
  // read through that far.
  PacketTime lateness = 300 * kNanosPerSecond;
  IpReassembler::Limits reassembly;
  const std::atomic<bool>* stop = nullptr;  // checked every 4096 packets
};

// Reads `source` (positioned at or before the connection's first packet) until every packet of the
// connection was read, a packet lies `lateness` past its last one, or the input ends; collects the
// connection's TCP segments from the first one at or after its start, in capture order. Packets are
// decoded and IP fragments reassembled as the analysis does.
TcpFlowChart readTcpFlowChart(PacketSource& source, const TcpFlowTarget& target,
                              const TcpFlowOptions& options);

// Flag letters as tcpdump prints them ("S", "S.", "P.", "F.", "R", ... ) are terse; the chart names
// them: "SYN, ACK" (order: SYN FIN RST PSH ACK URG ECE CWR).
std::string tcpFlagNames(uint8_t flags);

}  // namespace netmeter
