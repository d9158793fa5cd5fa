// The TCP flow chart (modules/tcp/tcp_flow_chart.h) against the analysis: for every TCP connection of
// real captures, the chart read again from the file has all of the connection's packets, from its
// first to its last, and its marks add up to the connection's own TCP counters.
#include "modules/tcp/tcp_flow_chart.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "../l7_test_util.h"

namespace netmeter {
namespace {

struct Expected {
  TcpFlowTarget target;
  std::array<TcpSideCounters, 2> counters;
};

std::vector<Expected> tcpConnections(const Engine& engine) {
  std::vector<Expected> out;
  engine.forEachShard([&](const Shard& s) {
    s.flows().forEach([&](const Connection& c) {
      if (c.l4Protocol != ipproto::kTcp || !c.tcp) return;
      out.push_back({TcpFlowTarget::of(c), {c.tcp->side[0].counters, c.tcp->side[1].counters}});
    });
  });
  return out;
}

// Charts every TCP connection of `relative` from the file's start and compares it with the analysis.
void expectChartsMatchAnalysis(const std::string& relative) {
  SCOPED_TRACE(relative);
  auto engine = test::analyzeCapture(relative);
  ASSERT_TRUE(engine);
  const std::string path = test::sharedPcap(relative).string();
  for (const Expected& e : tcpConnections(*engine)) {
    auto opened = openCaptureFiles({path});
    ASSERT_TRUE(opened.source);
    const TcpFlowChart chart = readTcpFlowChart(*opened.source, e.target, {});
    SCOPED_TRACE(e.target.clientIp.toString() + ":" + std::to_string(e.target.clientPort) + " -> " +
                 e.target.serverIp.toString() + ":" + std::to_string(e.target.serverPort));
    EXPECT_TRUE(chart.complete());
    EXPECT_FALSE(chart.truncated);
    ASSERT_EQ(chart.rows.size(), e.target.packets);
    EXPECT_EQ(chart.rows.front().time, e.target.start);
    EXPECT_EQ(chart.rows.back().time, e.target.lastActivity);
    for (Direction d : {kClientToServer, kServerToClient}) {
      TcpSideCounters sum;
      for (const TcpFlowRow& r : chart.rows) {
        if (r.dir != d) continue;
        sum.retransmittedSegments += r.verdict.retransmission;
        sum.retransmittedBytes += r.verdict.retransmission ? r.payloadLength : 0;
        sum.dupAcks += r.verdict.dupAck;
        sum.zeroWindows += r.verdict.zeroWindow;
        sum.outOfOrder += r.verdict.outOfOrder;
        sum.keepAlives += r.verdict.keepAlive;
        sum.windowProbes += r.verdict.windowProbe;
        sum.payloadBytes += r.payloadLength;
      }
      const TcpSideCounters& c = e.counters[d];
      EXPECT_EQ(sum.retransmittedSegments, c.retransmittedSegments) << "direction " << int(d);
      EXPECT_EQ(sum.retransmittedBytes, c.retransmittedBytes) << "direction " << int(d);
      EXPECT_EQ(sum.dupAcks, c.dupAcks) << "direction " << int(d);
      EXPECT_EQ(sum.zeroWindows, c.zeroWindows) << "direction " << int(d);
      EXPECT_EQ(sum.outOfOrder, c.outOfOrder) << "direction " << int(d);
      EXPECT_EQ(sum.keepAlives, c.keepAlives) << "direction " << int(d);
      EXPECT_EQ(sum.windowProbes, c.windowProbes) << "direction " << int(d);
      EXPECT_EQ(sum.payloadBytes, c.payloadBytes) << "direction " << int(d);
    }
  }
}

// Every shared capture up to 4 MB (all but a few: 3 s for all): retransmissions, dup ACKs,
// keep-alives, tunnels, IP fragments of a GTP carrier, damaged packets, QinQ with PPPoE, pcapng files
// whose timestamps go back.
TEST(TcpFlowChart, EveryTcpConnectionOfTheSharedCapturesAsTheAnalysisCountedIt) {
  const std::filesystem::path root = test::sharedPcap("");
  size_t captures = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".pcap" && ext != ".pcapng") || entry.file_size() > (4u << 20))
      continue;
    expectChartsMatchAnalysis(std::filesystem::relative(entry.path(), root).string());
    ++captures;
  }
  EXPECT_GT(captures, 100u);
}

TEST(TcpFlowChart, RelativeNumbersWindowsAndTruncation) {
  auto engine = test::analyzeCapture("ndpi/alexa-app.pcapng");
  ASSERT_TRUE(engine);
  // The connection of 54.239.29.146:443 with the client port 41691: SYN, SYN-ACK, ACK, then data.
  std::optional<TcpFlowTarget> target;
  for (const Expected& e : tcpConnections(*engine))
    if (e.target.clientPort == 41691 && e.target.serverPort == 443) target = e.target;
  ASSERT_TRUE(target);
  auto opened = openCaptureFiles({test::sharedPcap("ndpi/alexa-app.pcapng").string()});
  ASSERT_TRUE(opened.source);
  TcpFlowOptions options;
  options.maxRows = 4;
  const TcpFlowChart chart = readTcpFlowChart(*opened.source, *target, options);
  ASSERT_EQ(chart.rows.size(), 4u);
  EXPECT_TRUE(chart.truncated);
  EXPECT_FALSE(chart.complete());
  const TcpFlowRow& syn = chart.rows[0];
  const TcpFlowRow& synAck = chart.rows[1];
  const TcpFlowRow& ack = chart.rows[2];
  const TcpFlowRow& data = chart.rows[3];
  EXPECT_EQ(syn.dir, kClientToServer);
  EXPECT_EQ(tcpFlagNames(syn.flags), "SYN");
  EXPECT_EQ(chart.relativeSeq(syn), 0u);
  EXPECT_EQ(synAck.dir, kServerToClient);
  EXPECT_EQ(tcpFlagNames(synAck.flags), "SYN, ACK");
  EXPECT_EQ(chart.relativeSeq(synAck), 0u);
  EXPECT_EQ(chart.relativeAck(synAck), 1u);
  EXPECT_EQ(chart.relativeSeq(ack), 1u);
  EXPECT_EQ(chart.relativeAck(ack), 1u);
  EXPECT_EQ(tcpFlagNames(data.flags), "PSH, ACK");
  EXPECT_EQ(data.payloadLength, 221u);
  // Both SYNs announced a scale (client 8, server 6): a SYN's window as sent, later ones scaled.
  ASSERT_TRUE(tcpWindowScaleKnown(chart.state));
  EXPECT_EQ(chart.window(syn), syn.windowRaw);
  EXPECT_EQ(chart.window(ack), uint32_t{ack.windowRaw} << 8);
  EXPECT_EQ(chart.window(ack), 87808u);  // as tshark's tcp.window_size
}

TEST(TcpFlowChart, ALaterWindowOfTheConnectionKeepsItsRelativeNumbersAndVerdicts) {
  auto engine = test::analyzeCapture("ndpi/alexa-app.pcapng");
  ASSERT_TRUE(engine);
  const std::string path = test::sharedPcap("ndpi/alexa-app.pcapng").string();
  size_t checked = 0;
  for (const Expected& e : tcpConnections(*engine)) {
    if (e.target.packets < 12) continue;
    auto all = openCaptureFiles({path});
    auto part = openCaptureFiles({path});
    ASSERT_TRUE(all.source && part.source);
    const TcpFlowChart whole = readTcpFlowChart(*all.source, e.target, {});
    TcpFlowOptions options;
    options.firstRow = 5;
    options.maxRows = 4;
    const TcpFlowChart window = readTcpFlowChart(*part.source, e.target, options);
    ASSERT_EQ(window.rows.size(), 4u);
    EXPECT_EQ(window.firstRow, 5u);
    EXPECT_TRUE(window.truncated);
    for (size_t i = 0; i < 4; ++i) {
      const TcpFlowRow& a = whole.rows[5 + i];
      const TcpFlowRow& b = window.rows[i];
      EXPECT_EQ(a.time, b.time);
      EXPECT_EQ(whole.relativeSeq(a), window.relativeSeq(b));
      EXPECT_EQ(whole.relativeAck(a), window.relativeAck(b));
      EXPECT_EQ(whole.window(a), window.window(b));
      EXPECT_EQ(a.verdict.retransmission, b.verdict.retransmission);
      EXPECT_EQ(a.verdict.dupAck, b.verdict.dupAck);
    }
    ++checked;
  }
  EXPECT_GT(checked, 10u);
}

TEST(TcpFlowChart, FlagNames) {
  EXPECT_EQ(tcpFlagNames(0), "");
  EXPECT_EQ(tcpFlagNames(tcpflag::kFin | tcpflag::kAck), "FIN, ACK");
  EXPECT_EQ(tcpFlagNames(tcpflag::kRst), "RST");
  EXPECT_EQ(tcpFlagNames(0xff), "SYN, FIN, RST, PSH, ACK, URG, ECE, CWR");
}

}  // namespace
}  // namespace netmeter
