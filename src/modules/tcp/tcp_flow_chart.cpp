#include "modules/tcp/tcp_flow_chart.h"

#include <span>
#include <string>

#include "decode/decoder.h"

namespace netmeter {

TcpFlowTarget TcpFlowTarget::of(const Connection& c) {
  TcpFlowTarget t;
  t.clientIp = c.clientIp;
  t.serverIp = c.serverIp;
  t.clientPort = c.clientPort;
  t.serverPort = c.serverPort;
  t.outerVlan = c.outerVlan;
  t.start = c.start;
  t.lastActivity = c.lastActivity;
  const auto all = c.traffic.allTime();  // [rx packets, rx bytes, tx packets, tx bytes], client's view
  t.packets = all[0] + all[2];
  return t;
}

void TcpFlowChart::numberRelative(TcpFlowRow& r) {
  const uint8_t peer = r.dir ^ 1;
  if (!baseKnown[r.dir]) {
    base[r.dir] = (r.flags & tcpflag::kSyn) ? r.seq : r.seq - 1;
    baseKnown[r.dir] = true;
  }
  // A segment's ACK names the peer's next byte: the peer's base, when it has none yet.
  if ((r.flags & tcpflag::kAck) && !baseKnown[peer]) {
    base[peer] = r.ack - 1;
    baseKnown[peer] = true;
  }
  r.relSeq = r.seq - base[r.dir];
  r.relAck = r.ack - base[peer];
}

uint32_t TcpFlowChart::window(const TcpFlowRow& r) const {
  if (r.flags & tcpflag::kSyn) return r.windowRaw;  // RFC 7323 2.2: a SYN's window is never scaled
  return uint32_t{r.windowRaw} << tcpWindowShift(state, r.dir);
}

std::string tcpFlagNames(uint8_t flags) {
  static constexpr std::pair<uint8_t, const char*> kNames[] = {
      {tcpflag::kSyn, "SYN"}, {tcpflag::kFin, "FIN"}, {tcpflag::kRst, "RST"}, {tcpflag::kPsh, "PSH"},
      {tcpflag::kAck, "ACK"}, {tcpflag::kUrg, "URG"}, {tcpflag::kEce, "ECE"}, {tcpflag::kCwr, "CWR"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(flags & bit)) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

namespace {

// The direction of `p` within the target connection, or -1 when `p` is not one of its segments.
int directionOf(const DecodedPacket& p, const TcpFlowTarget& t) {
  if (!p.isTcp() || p.outerVlan != t.outerVlan) return -1;
  if (p.srcIp == t.clientIp && p.srcPort == t.clientPort && p.dstIp == t.serverIp &&
      p.dstPort == t.serverPort)
    return kClientToServer;
  if (p.srcIp == t.serverIp && p.srcPort == t.serverPort && p.dstIp == t.clientIp &&
      p.dstPort == t.clientPort)
    return kServerToClient;
  return -1;
}

}  // namespace

TcpFlowChart readTcpFlowChart(PacketSource& source, const TcpFlowTarget& target,
                              const TcpFlowOptions& options) {
  TcpFlowChart chart;
  chart.target = target;
  chart.firstRow = options.firstRow;
  IpReassembler reassembler(options.reassembly);
  RawPacket raw;
  DecodedPacket p;
  uint64_t read = 0;
  PacketTime end;
  if (__builtin_add_overflow(target.lastActivity, options.lateness, &end)) end = INT64_MAX;
  for (;;) {
    if (options.stop != nullptr && (++read & 4095) == 0 && options.stop->load(std::memory_order_relaxed))
      break;
    const ReadStatus status = source.next(raw);
    if (status == ReadStatus::kError) {
      chart.readError = true;
      chart.error = source.error();
      break;
    }
    if (status != ReadStatus::kPacket) break;
    if (raw.timestamp > end) break;
    decodePacket(raw, p);
    if (p.isFragment) {
      const std::span<const uint8_t> whole = reassembler.add(raw.data, p);
      if (!whole.empty()) decodeReassembled(whole.data(), uint32_t(whole.size()), p);
    }
    const int dir = directionOf(p, target);
    if (dir < 0) continue;
    // The connection begins at its first packet; one before it on the same key is an earlier
    // connection's. After it, capture order decides (timestamps may go back).
    if (chart.packetsMatched == 0 && raw.timestamp < target.start) continue;
    TcpFlowRow row;
    row.time = raw.timestamp;
    row.dir = Direction(dir);
    row.wireLength = raw.originalLength;
    // A damaged TCP header counts on its connection but is not analyzed (TcpModule::onPacket): its
    // flags and numbers mean nothing; nor is a fragment piece (ModuleSet::onPacket).
    row.fragment = p.fragmentRole == FragmentRole::kPiece;
    row.analyzed = !p.badTcpHeader && !row.fragment;
    if (row.analyzed) {
      row.flags = p.tcpFlags;
      row.seq = p.tcpSeq;
      row.ack = p.tcpAck;
      row.payloadLength = p.payloadLength;
      row.windowRaw = p.tcpWindow;
      row.verdict = analyzeTcpSegment(chart.state, row.dir, p);
      chart.numberRelative(row);
    }
    if (chart.rows.size() == options.maxRows) {  // the chart ends here: no need to read on
      chart.truncated = true;
      break;
    }
    // Segments before the first row shown are analyzed all the same: their verdicts set the state.
    if (chart.packetsMatched >= options.firstRow) chart.rows.push_back(row);
    ++chart.packetsMatched;
    if (chart.packetsMatched >= target.packets) break;
  }
  return chart;
}

}  // namespace netmeter
