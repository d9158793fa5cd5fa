#include "engine/engine.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "engine/worker.h"
#include "generate/trace_generator.h"
#include "io/capture_files.h"
#include "modules/tls/tls_records.h"
#include "report/json_report.h"
#include "support/report_text.h"
#include "support/synthetic_source.h"
#include "test_paths.h"

namespace netmeter {
namespace {

constexpr PacketTime kT0 = 1'700'000'000 * kNanosPerSecond;

using test::reportText;

// The report of a finished engine, without the fields that legitimately depend on the run (wall
// time, thread count, per-shard memory).
nlohmann::json report(Engine& engine, const std::vector<InterfaceInfo>& interfaces,
                      std::optional<ReportWindow> window = std::nullopt) {
  ReportInput input;
  input.interfaces = interfaces;
  input.window = window;
  auto j = nlohmann::json::parse(reportText(engine, input));
  j.erase("engine");
  j.erase("processingSeconds");
  return j;
}

// Many hosts, connections with handshakes, UDP, VLANs and IPv6, spread over several seconds.
test::SyntheticSource mixedTraffic() {
  test::SyntheticSource src;
  PacketTime t = kT0;
  for (int i = 0; i < 3000; ++i) {
    test::FrameSpec s;
    const int host = i % 97, server = i % 13;
    s.srcIp = (i % 5 == 0 ? "2001:db8::" : "10.1.0.") + std::to_string(host + 1);
    s.dstIp = (i % 5 == 0 ? "2001:db8:1::" : "192.168.0.") + std::to_string(server + 1);
    s.srcPort = uint16_t(30000 + i % 211);
    s.dstPort = i % 3 == 0 ? 53 : 443;
    s.l4Protocol = i % 3 == 0 ? 17 : 6;
    s.tcpFlags = i % 7 == 0 ? tcpflag::kSyn : tcpflag::kAck;
    s.vlan = i % 4 == 0 ? uint16_t(10 + i % 3) : 0xffff;
    s.dscp = i % 9 == 0 ? 46 : 0;
    s.payload = uint32_t(i % 1400);
    s.srcMac = 0x001b21000000ULL + uint64_t(host);
    const bool reply = i % 2 == 1;
    if (reply) {
      std::swap(s.srcIp, s.dstIp);
      std::swap(s.srcPort, s.dstPort);
      std::swap(s.srcMac, s.dstMac);
    }
    src.add(test::buildFrame(s), t);
    t += 3 * kNanosPerMilli + (i % 17) * 1000;
  }
  return src;
}

TEST(Engine, ResultsDoNotDependOnThreadCount) {
  nlohmann::json reference;
  for (const ReaderMode reader : {ReaderMode::kDedicated, ReaderMode::kShared}) {
    for (unsigned threads : {1u, 2u, 3u, 4u}) {
      auto source = mixedTraffic();
      EngineOptions options;
      options.threads = threads;
      options.reader = reader;
      Engine engine(options);
      engine.run(source);
      EXPECT_EQ(engine.totals().packets, 3000u);
      auto j = report(engine, source.interfaces());
      if (reference.is_null()) {
        reference = j;
        EXPECT_GT(j["ips"].size(), 100u);
        EXPECT_GT(j["connections"].size(), 100u);
      } else {
        EXPECT_TRUE(j == reference) << "threads=" << threads << " shared=" << (reader == ReaderMode::kShared)
                                    << ": " << nlohmann::json::diff(reference, j).dump().substr(0, 2000);
      }
    }
  }
}

// TCP connections whose data bursts are still in progress when they end by idle expiry (found by
// each worker's scans at moments that depend on its share of the packets), by a packet of the same
// ports after the timeout, or by the end of the trace; UDP tickers move the workers' clocks unevenly.
test::SyntheticSource idleTcpTraffic() {
  struct Event {
    PacketTime t;
    test::FrameSpec spec;
  };
  std::vector<Event> events;
  for (int c = 0; c < 240; ++c) {
    test::FrameSpec request;
    request.srcIp = "10.2." + std::to_string(c / 60) + "." + std::to_string(c % 60 + 1);
    request.dstIp = "192.168.1." + std::to_string(c % 7 + 1);
    request.srcPort = uint16_t(40000 + c);
    request.dstPort = c % 2 ? 80 : 443;
    request.tcpFlags = tcpflag::kAck | tcpflag::kPsh;
    request.tcpSeq = 1000;
    request.tcpAck = 5000;
    request.payload = 100;
    test::FrameSpec response = request;
    std::swap(response.srcIp, response.dstIp);
    std::swap(response.srcPort, response.dstPort);
    std::swap(response.srcMac, response.dstMac);
    response.tcpSeq = 5000;
    response.tcpAck = 1100;
    response.payload = 1000;
    test::FrameSpec ack = request;
    ack.tcpFlags = tcpflag::kAck;
    ack.tcpSeq = 1100;
    ack.tcpAck = 7000;
    ack.payload = 0;
    const auto exchange = [&](PacketTime at) {
      events.push_back({at, request});
      events.push_back({at + 200 * kNanosPerMilli + c * kNanosPerMicro, response});
      test::FrameSpec more = response;
      more.tcpSeq = 6000;
      events.push_back({at + 230 * kNanosPerMilli, more});
      events.push_back({at + 300 * kNanosPerMilli, ack});
    };
    const PacketTime first = kT0 + c * 170 * kNanosPerMilli;
    exchange(first);
    if (c % 3 == 0) {  // closed: the FIN finishes the burst
      test::FrameSpec fin = response;
      fin.tcpFlags = tcpflag::kAck | tcpflag::kFin;
      fin.tcpSeq = 7000;
      fin.payload = 0;
      events.push_back({first + 400 * kNanosPerMilli, fin});
    } else if (c % 3 == 1) {  // the same ports again after the timeout; open at the end of the trace
      exchange(first + 301 * kNanosPerSecond + c * 3 * kNanosPerMilli);
    }
  }
  for (int k = 0; k < 9; ++k) {
    test::FrameSpec tick;
    tick.l4Protocol = 17;
    tick.srcIp = "10.3.0." + std::to_string(k + 1);
    tick.dstIp = "10.4.0." + std::to_string(k + 1);
    for (PacketTime t = kT0 + k * 700 * kNanosPerMilli; t < kT0 + 345 * kNanosPerSecond;
         t += (3 + k) * kNanosPerSecond)
      events.push_back({t, tick});
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
  test::SyntheticSource src;
  for (const Event& e : events) src.add(test::buildFrame(e.spec), e.t);
  return src;
}

// Bursts in progress when connections end (expiry, a later packet, eviction, end of the trace) are
// finished at the connection's last packet: the report, histories included, is the same for any
// number of workers, and every transaction is finished at the end.
TEST(Engine, BurstsOfEndedConnectionsDoNotDependOnThreadCount) {
  nlohmann::json reference;
  for (unsigned threads : {1u, 2u, 3u, 4u}) {
    auto source = idleTcpTraffic();
    EngineOptions options;
    options.threads = threads;
    options.reader = ReaderMode::kDedicated;
    Engine engine(options);
    engine.run(source);
    const int64_t first = secondOf(engine.totals().firstPacket);
    const int64_t end = secondOf(engine.totals().lastPacket) + 1;
    auto j = report(engine, source.interfaces(), ReportWindow(first, end, 400, first));
    if (reference.is_null()) {
      reference = j;
      const auto& server = j["tcp"]["global"]["asServer"];
      EXPECT_EQ(server["transactions"], 240 + 80);
      EXPECT_EQ(server["requestResponses"], server["transactions"]);
      size_t timeouts = 0, active = 0;
      for (const auto& c : j["connections"]) {
        if (c["l4Protocol"] != 6) continue;
        timeouts += c["termination"] == "timeout";  // one FIN only does not close
        active += c["termination"] == "active";
        EXPECT_EQ(c["tcp"]["server"]["dataTransfers"], 1) << c.dump().substr(0, 300);
      }
      EXPECT_EQ(timeouts, 240u);
      EXPECT_EQ(active, 80u);
    } else {
      EXPECT_TRUE(j == reference) << "threads=" << threads << ": "
                                  << nlohmann::json::diff(reference, j).dump().substr(0, 2000);
    }
  }
}

// Most packets between two hosts (one worker's), the rest spread over many: the workers that read in
// turn run out of free batches of the busy worker (small queues under a small budget), stop their
// turn with a packet pending or wait for it, and hand the batches over all the same.
test::SyntheticSource skewedTraffic(int packets) {
  test::SyntheticSource src;
  PacketTime t = kT0;
  for (int i = 0; i < packets; ++i) {
    test::FrameSpec s;
    const bool heavy = i % 8 != 0;
    s.srcIp = heavy ? "10.9.0.1" : "10.1." + std::to_string(i % 251) + "." + std::to_string(1 + i % 7);
    s.dstIp = heavy ? "10.9.0.2" : "192.168.0." + std::to_string(1 + i % 13);
    s.srcPort = heavy ? 40000 : uint16_t(30000 + i % 509);
    s.dstPort = heavy ? 5001 : 443;
    s.l4Protocol = heavy ? 17 : 6;
    s.tcpFlags = tcpflag::kAck;
    s.payload = uint32_t(200 + i % 1200);
    src.add(test::buildFrame(s), t);
    t += 20 * kNanosPerMicro;
  }
  return src;
}

TEST(Engine, WorkersReadingInTurnHandOverSkewedTrafficUnchanged) {
  for (unsigned threads : {2u, 4u}) {
    nlohmann::json reference;
    for (const ReaderMode reader : {ReaderMode::kDedicated, ReaderMode::kShared}) {
      auto source = skewedTraffic(48'000);
      EngineOptions options;
      options.threads = threads;
      options.reader = reader;
      options.memoryBytes = int64_t{128} << 20;  // the smallest queues (Worker::kMinBatchesPerWorker)
      Engine engine(options);
      engine.run(source);
      EXPECT_EQ(engine.totals().packets, source.size());
      EXPECT_GT(engine.readerCpuSeconds(), 0.0);
      for (size_t w = 0; w < engine.workerCount(); ++w) EXPECT_GT(engine.workerCpuSeconds(w), 0.0);
      const auto j = report(engine, source.interfaces());
      if (reference.is_null()) {
        reference = j;
        uint64_t heavy = 0;
        for (const auto& c : j["connections"])
          if (c["clientIp"] == "10.9.0.1") heavy += c["allTime"][2].get<uint64_t>();
        EXPECT_EQ(heavy, 42'000u) << "the heavy pair's packets, all in one worker";
      } else {
        EXPECT_TRUE(j == reference) << threads << " threads reading in turn: "
                                    << nlohmann::json::diff(reference, j).dump().substr(0, 2000);
      }
    }
  }
}

// Who reads: the workers when asked, or (kAuto) when they are at least as many as the usable cores
// and the input is not a paced replay (whose reader mostly sleeps); never one worker alone (it would
// stop processing to read).
TEST(Engine, WorkersReadInTurnWhenTheyFillTheCores) {
  EngineOptions o;
  o.threads = 2;
  o.reader = ReaderMode::kShared;
  EXPECT_TRUE(Engine::sharesReading(o));
  o.reader = ReaderMode::kDedicated;
  EXPECT_FALSE(Engine::sharesReading(o));
  o.reader = ReaderMode::kAuto;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  ASSERT_EQ(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
  const unsigned cores = unsigned(CPU_COUNT(&cpus));
  o.threads = std::max(2u, cores);
  EXPECT_TRUE(Engine::sharesReading(o));
  o.threads = cores + 1;
  EXPECT_TRUE(Engine::sharesReading(o));
  if (cores > 2) {
    o.threads = cores - 1;
    EXPECT_FALSE(Engine::sharesReading(o));
  }
  o.threads = 1;
  o.reader = ReaderMode::kShared;
  EXPECT_FALSE(Engine::sharesReading(o));
  o.threads = std::max(2u, cores);
  o.pacePacketsPerSecond = 1000;
  // Asked for: the reading worker processes its own batches while the pace makes it wait.
  EXPECT_TRUE(Engine::sharesReading(o));
  o.reader = ReaderMode::kAuto;
  EXPECT_FALSE(Engine::sharesReading(o));
}

// A stop asked for while the workers read in turn ends the reading; what was read is processed.
TEST(Engine, StopEndsReadingInTurn) {
  struct StoppingSource : test::AddressFloodSource {
    StoppingSource(Engine& e) : AddressFloodSource(1'000'000, kT0), engine(e) {}
    ReadStatus next(RawPacket& packet) override {
      if (++read == 50'000) engine.requestStop();
      return AddressFloodSource::next(packet);
    }
    Engine& engine;
    uint64_t read = 0;
  };
  EngineOptions options;
  options.threads = 2;
  options.reader = ReaderMode::kShared;
  Engine engine(options);
  StoppingSource source(engine);
  engine.run(source);
  const uint64_t packets = engine.totals().packets;
  EXPECT_GE(packets, 50'000u);
  EXPECT_LT(packets, 1'000'000u);
  uint64_t processed = 0;
  engine.forEachShard([&](const Shard& s) { processed += s.modules().global.total().counters.allTime()[0]; });
  EXPECT_EQ(processed, packets);
}

// Capture file `path` analyzed with `threads` workers (read by `reader`): its report, for all time
// or (`windowed`) with a history of the whole trace.
nlohmann::json reportOfFile(const std::string& path, unsigned threads, bool windowed = false,
                            ReaderMode reader = ReaderMode::kDedicated, int64_t ipReassemblyBytes = int64_t{8} << 20) {
  auto opened = openCaptureFiles({path});
  EXPECT_TRUE(opened.source) << opened.error.toString();
  if (!opened.source) return {};
  EngineOptions options;
  options.threads = threads;
  options.reader = reader;
  options.ipReassemblyBytes = ipReassemblyBytes;
  Engine engine(options);
  engine.run(*opened.source);
  std::optional<ReportWindow> window;
  if (windowed)
    window = ReportWindow(secondOf(engine.totals().firstPacket), secondOf(engine.totals().lastPacket) + 1,
                          100, secondOf(engine.totals().firstPacket));
  return report(engine, opened.source->interfaces(), window);
}

// A trace of the traffic generator, whole packets (the application analyzers read the payloads), in a
// temporary file removed with the object.
struct GeneratedTrace {
  GeneratedTrace(const char* name, uint64_t seed, uint64_t packets, uint32_t hosts, uint32_t servers,
                 uint64_t connections, double packetsPerSecond)
      : path(std::filesystem::temp_directory_path() /
             ("netmeter-" + std::string(name) + "-test-" + std::to_string(::getpid()) + ".pcap")) {
    GeneratorOptions o;
    o.seed = seed;
    o.packets = packets;
    o.hosts = hosts;
    o.servers = servers;
    o.connections = connections;
    o.packetsPerSecond = packetsPerSecond;
    o.snapLength = 65535;
    const GeneratorResult generated = generateTrace(o, path.string());
    ok = generated.ok;
    error = generated.error;
  }
  ~GeneratedTrace() { std::filesystem::remove(path); }
  GeneratedTrace(const GeneratedTrace&) = delete;
  GeneratedTrace& operator=(const GeneratedTrace&) = delete;

  std::filesystem::path path;
  bool ok = false;
  std::string error;
};

// The generator's trace has DNS and HTTP servers with response times, TLS and QUIC servers asked for
// more names than are shown, and unclassified connections given up at the end: the report is the
// same for 1, 2 and 3 workers, for all time and with histories (response-time sums are exact
// integers, the names shown are ordered by recency, late give-ups are counted in their own second).
TEST(Engine, GeneratedTraceGivesIdenticalResultsForAnyThreadCount) {
  const GeneratedTrace trace("engine", 7, 60'000, 300, 30, 4'000, 6'000);
  ASSERT_TRUE(trace.ok) << trace.error;
  const std::string path = trace.path.string();
  const auto one = reportOfFile(path, 1);
  const auto oneWindowed = reportOfFile(path, 1, true);
  size_t fullNameLists = 0;
  for (const auto& server : one["tlsServers"])
    fullNameLists += server["serverNames"].size() == ServerNames::kMax;
  EXPECT_GT(fullNameLists, 0u);
  EXPECT_FALSE(one["dnsServers"].empty());
  EXPECT_FALSE(one["httpServers"].empty());
  EXPECT_FALSE(one["quicServers"].empty());
  for (unsigned threads : {2u, 3u}) {
    const auto j = reportOfFile(path, threads);
    EXPECT_TRUE(j == one) << threads << " threads: " << nlohmann::json::diff(one, j).dump().substr(0, 2000);
    const auto shared = reportOfFile(path, threads, false, ReaderMode::kShared);
    EXPECT_TRUE(shared == one) << threads << " threads reading in turn: "
                               << nlohmann::json::diff(one, shared).dump().substr(0, 2000);
    const auto windowed = reportOfFile(path, threads, true);
    EXPECT_TRUE(windowed == oneWindowed)
        << threads
        << " threads, windowed: " << nlohmann::json::diff(oneWindowed, windowed).dump().substr(0, 2000);
  }
}

// Passes a capture file's packets on, noting how many of the input's chunks are held at most, or
// (`copied`) without their chunk, so that the engine copies every packet's bytes.
class ChunkWatchingSource final : public PacketSource {
 public:
  ChunkWatchingSource(PacketSource& inner, bool copied)
      : inner_(inner), file_(dynamic_cast<CaptureReader*>(&inner)), copied_(copied) {}
  ReadStatus next(RawPacket& packet) override {
    if (file_ != nullptr) maxHeld = std::max(maxHeld, file_->heldChunks());
    const ReadStatus status = inner_.next(packet);
    if (copied_) packet.chunk = nullptr;
    return status;
  }
  const ReadError& error() const override { return inner_.error(); }
  const std::vector<InterfaceInfo>& interfaces() const override { return inner_.interfaces(); }
  uint64_t bytesConsumed() const override { return inner_.bytesConsumed(); }
  uint64_t bytesTotal() const override { return inner_.bytesTotal(); }
  uint32_t maxHeld = 0;

 private:
  PacketSource& inner_;
  CaptureReader* const file_;  // null for a merge of files
  const bool copied_;
};

// The workers read the packets' bytes where the input read them (their batches hold the input's
// chunks) or from copies in the batches (no chunk; the holding budget used up; a batch holding all
// the chunks it can): the same report either way, and once the analysis has ended no chunk is held.
TEST(Engine, BytesHeldInTheInputOrCopiedGiveTheSameReport) {
  const GeneratedTrace trace("zero-copy", 11, 30'000, 200, 20, 2'000, 5'000);
  ASSERT_TRUE(trace.ok) << trace.error;
  const auto analyze = [&](const ReaderOptions& readerOptions, bool copied, unsigned threads,
                           ReaderMode reader, uint32_t& maxHeld) {
    OpenResult opened = openCaptureFile(trace.path.string(), readerOptions);
    EXPECT_TRUE(opened.ok()) << opened.error.toString();
    if (!opened.ok()) return nlohmann::json{};
    auto& file = dynamic_cast<CaptureReader&>(*opened.source);
    ChunkWatchingSource source(file, copied);
    EngineOptions options;
    options.threads = threads;
    options.reader = reader;
    Engine engine(options);
    engine.run(source);
    EXPECT_EQ(engine.totals().packets, 30'000u);
    EXPECT_EQ(file.heldChunks(), 0u) << threads << " threads: chunks still held after the analysis";
    maxHeld = source.maxHeld;
    return report(engine, source.interfaces());
  };
  uint32_t maxHeld = 0;
  const auto copied = analyze({}, true, 2, ReaderMode::kDedicated, maxHeld);
  EXPECT_EQ(maxHeld, 0u);
  ReaderOptions tight;  // chunks of 4 KiB, two held at most: most bytes are copied after all
  tight.bufferSize = 4096;
  tight.maxHeldChunks = 2;
  for (const ReaderMode reader : {ReaderMode::kDedicated, ReaderMode::kShared}) {
    for (unsigned threads : {1u, 2u, 3u}) {
      const auto held = analyze({}, false, threads, reader, maxHeld);
      EXPECT_GT(maxHeld, 0u);
      EXPECT_LE(maxHeld, ReaderOptions{}.maxHeldChunks);
      EXPECT_TRUE(held == copied) << threads << " threads, bytes held: "
                                  << nlohmann::json::diff(copied, held).dump().substr(0, 2000);
      const auto mixed = analyze(tight, false, threads, reader, maxHeld);
      EXPECT_EQ(maxHeld, 2u);
      EXPECT_TRUE(mixed == copied) << threads << " threads, small holding budget: "
                                   << nlohmann::json::diff(copied, mixed).dump().substr(0, 2000);
    }
  }
}

// A merge of files (pcap and pcapng, each holding at most one chunk of a small budget) gives the
// same report with the bytes held in the files' chunks as with every packet copied.
TEST(Engine, MergedFilesGiveTheSameReportWithBytesHeldOrCopied) {
  const std::vector<std::string> paths = {test::sharedPcap("ndpi/1kxun.pcap").string(),
                                          test::sharedPcap("ndpi/sites.pcapng").string(),
                                          test::sharedPcap("zeek/traces/wikipedia.pcap").string()};
  const auto analyze = [&](bool copied, unsigned threads, ReaderMode reader) {
    OpenOptions open;
    open.bufferSize = 64 << 10;  // with three files: 21 chunks of 64 KiB held at most, 7 per file
    auto opened = openCaptureFiles(paths, open);
    EXPECT_TRUE(opened.ok()) << opened.error.toString();
    if (!opened.ok()) return nlohmann::json{};
    ChunkWatchingSource source(*opened.source, copied);
    EngineOptions options;
    options.threads = threads;
    options.reader = reader;
    Engine engine(options);
    engine.run(source);
    return report(engine, source.interfaces());
  };
  const auto copied = analyze(true, 2, ReaderMode::kDedicated);
  EXPECT_GT(copied["connections"].size(), 100u);
  for (const ReaderMode reader : {ReaderMode::kDedicated, ReaderMode::kShared}) {
    for (unsigned threads : {1u, 2u}) {
      const auto held = analyze(false, threads, reader);
      EXPECT_TRUE(held == copied) << threads << " threads: "
                                  << nlohmann::json::diff(copied, held).dump().substr(0, 2000);
    }
  }
}

TEST(Engine, RealCapturesGiveIdenticalResultsForOneAndTwoThreads) {
  for (const char* name : {"ndpi/1kxun.pcap", "ndpi/sites.pcapng", "zeek/traces/wikipedia.pcap", "ndpi/dns_fragmented.pcap",
                           "zeek/traces/tunnels/gtp/gtp1_gn_normal_incl_fragmentation.pcap",
                           "ndpi/ip_fragmented_garbage.pcap"}) {
    const auto one = reportOfFile(test::sharedPcap(name).string(), 1);
    const auto two = reportOfFile(test::sharedPcap(name).string(), 2);
    EXPECT_TRUE(two == one) << name << ": " << nlohmann::json::diff(one, two).dump().substr(0, 2000);
  }
}

const nlohmann::json* findByIp(const nlohmann::json& rows, const std::string& ip) {
  for (const auto& row : rows)
    if (row["ip"] == ip) return &row;
  return nullptr;
}

size_t portZeroConnections(const nlohmann::json& report) {
  size_t n = 0;
  for (const auto& c : report["connections"])
    n += (c["l4Protocol"] == 6 || c["l4Protocol"] == 17) && c["clientPort"] == 0 && c["serverPort"] == 0;
  return n;
}

// Fragmented DNS replies (EDNS0 answers of 1.5-1.9 KB): reassembled, each is timed at its last
// fragment, as tshark's dns.time does (frames 3, 12, 17, 42: 589, 625, 303 and 13008 us), and the
// later fragments are counted on the reply's connection instead of port-0 connections. Without
// reassembly a reply was timed at its first fragment (263 us .. 12.97 ms).
TEST(Engine, FragmentedDnsRepliesAreReassembledAndTimedWhenWhole) {
  const std::string path = test::sharedPcap("ndpi/dns_fragmented.pcap").string();
  const auto on = reportOfFile(path, 1);
  const auto off = reportOfFile(path, 1, false, ReaderMode::kDedicated, 0);
  const nlohmann::json* server = findByIp(on["dnsServers"], "193.24.227.238");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ((*server)["responseTime"]["count"], 4);
  EXPECT_EQ((*server)["responseTime"]["min"], 303000);
  EXPECT_EQ((*server)["responseTime"]["max"], 13008000);
  EXPECT_EQ((*server)["responseTime"]["avg"], (589000.0 + 625000 + 303000 + 13008000) / 4);
  const nlohmann::json* unreassembled = findByIp(off["dnsServers"], "193.24.227.238");
  ASSERT_NE(unreassembled, nullptr);
  EXPECT_EQ((*unreassembled)["responseTime"]["min"], 263000);
  EXPECT_EQ(portZeroConnections(on), 0u);
  EXPECT_EQ(portZeroConnections(off), 7u);
  EXPECT_EQ(on["connections"].size() + 7, off["connections"].size());
  EXPECT_EQ(on["trace"]["ipReassembly"]["fragments"], 14);
  EXPECT_EQ(on["trace"]["ipReassembly"]["datagrams"], 7);
  EXPECT_EQ(off["trace"]["ipReassembly"]["fragments"], 0);
  // Every packet is still counted once, on the same addresses (only the port-0 connections are gone).
  ASSERT_EQ(on["ips"].size(), off["ips"].size());
  for (size_t i = 0; i < on["ips"].size(); ++i) {
    EXPECT_EQ(on["ips"][i]["allTime"], off["ips"][i]["allTime"]) << on["ips"][i]["ip"];
    EXPECT_EQ(on["ips"][i]["udpPackets"], off["ips"][i]["udpPackets"]) << on["ips"][i]["ip"];
  }
}

// A GTP-U carrier fragmented on the Gn interface (Zeek's outer_ip_frag test): reassembled, the
// carrier is decapsulated and the inner HTTP connection (Zeek's conn.log: 10.131.47.185:1923 ->
// 79.101.110.141:80, http) is analyzed with its request; without reassembly the fragmented
// datagrams stayed on the carrier.
TEST(Engine, FragmentedTunnelCarrierIsDecapsulatedWhenWhole) {
  const std::string path = test::sharedPcap("zeek/traces/tunnels/gtp/gtp1_gn_normal_incl_fragmentation.pcap").string();
  auto httpHosts = [](const nlohmann::json& report) {
    std::vector<std::string> hosts;
    for (const auto& c : report["connections"])
      if (c["clientIp"] == "10.131.47.185" && c["serverPort"] == 80 && c.contains("http"))
        for (const auto& t : c["http"]) hosts.push_back(t["host"]);
    return hosts;
  };
  const auto on = reportOfFile(path, 1);
  const auto off = reportOfFile(path, 1, false, ReaderMode::kDedicated, 0);
  EXPECT_EQ(httpHosts(on), std::vector<std::string>{"o-o.preferred.telekomrs-beg1.v2.lscache8.c.youtube.com"});
  EXPECT_TRUE(httpHosts(off).empty());
  EXPECT_EQ(portZeroConnections(on), 0u);
  // Every fragment counts where its datagram's inner packet does, as an unfragmented tunnel packet:
  // the first fragment holds the inner headers. One connection, all 108 frames.
  ASSERT_EQ(on["connections"].size(), 1u);
  const auto& all = on["connections"][0]["allTime"];
  EXPECT_EQ(all[0].get<uint64_t>() + all[2].get<uint64_t>(), 108u);
  EXPECT_EQ(off["connections"].size(), 3u);  // inner (unfragmented packets), carrier, port-0 carrier
}

// The two TCP health defects found on 1kxun.pcap: connections ending by timeout or still open at the
// end had their data bursts and transactions in progress left out (56 of 98 connections with server
// data had no data transfer; 145 transactions, 62 finished), and data missing before the first
// segment of a direction was not counted as missed although acknowledged (tshark does not flag it
// either: its analysis starts at a direction's first segment).
TEST(Engine, TcpApplicationTimesAndMissedDataOf1kxun) {
  const auto j = reportOfFile(test::sharedPcap("ndpi/1kxun.pcap").string(), 1);
  size_t tcp = 0;
  std::map<int, uint64_t> missed;
  for (const auto& c : j["connections"]) {
    if (c["l4Protocol"] != 6) continue;
    ++tcp;
    for (const char* side : {"client", "server"}) {
      if (c["tcp"][side]["payloadSegments"] > 0) {
        EXPECT_GT(c["tcp"][side]["dataTransfers"], 0) << c.dump().substr(0, 400);
      }
    }
    if (c["tcp"]["server"]["missedBytes"] > 0) missed[c["clientPort"]] = c["tcp"]["server"]["missedBytes"];
  }
  EXPECT_EQ(tcp, 98u);
  EXPECT_EQ(j["tcp"]["global"]["asServer"]["transactions"], 145);
  EXPECT_EQ(j["tcp"]["global"]["asServer"]["requestResponses"], 145);
  EXPECT_EQ(missed, (std::map<int, uint64_t>{{45422, 4320}, {49380, 10365}, {49412, 1725}}));
}

// The report renders blocks of rows of its large tables on several threads: the text is the same for
// any number of them and any block size (many blocks, a last one that is partly filled), for all
// time and for a window with histories, and it is valid JSON with every row.
TEST(Engine, ReportIsTheSameForAnyNumberOfRenderingThreads) {
  test::AddressFloodSource flood(10'000, kT0);
  Engine engine(EngineOptions{});
  engine.run(flood);
  auto render = [&](unsigned threads) {
    ReportInput input;
    input.renderThreads = threads;
    return reportText(engine, input);
  };
  const std::string one = render(1);
  auto j = nlohmann::json::parse(one);
  EXPECT_EQ(j["connections"].size(), 10'000u);
  EXPECT_EQ(j["connections"][0]["l4Protocol"], 17);
  EXPECT_EQ(j["ips"].size(), 20'000u);
  EXPECT_EQ(j["ipPairs"].size(), 10'000u);
  for (unsigned threads : {2u, 3u, 7u}) EXPECT_TRUE(render(threads) == one) << threads << " threads";
}

TEST(Engine, EveryLargeTableIsTheSameRenderedInBlocksOnSeveralThreads) {
  const GeneratedTrace trace("render", 3, 20'000, 200, 20, 1'500, 4'000);
  ASSERT_TRUE(trace.ok) << trace.error;
  auto opened = openCaptureFiles({trace.path.string()});
  ASSERT_TRUE(opened.source) << opened.error.toString();
  Engine engine(EngineOptions{});
  engine.run(*opened.source);
  for (const bool windowed : {false, true}) {
    auto render = [&](unsigned threads, size_t blockRows) {
      ReportInput input;
      input.renderThreads = threads;
      input.renderBlockRows = blockRows;
      if (windowed)
        input.window =
            ReportWindow(secondOf(engine.totals().firstPacket), secondOf(engine.totals().lastPacket) + 1, 10,
                         secondOf(engine.totals().firstPacket));
      return reportText(engine, input);
    };
    const std::string one = render(1, 2048);
    const auto j = nlohmann::json::parse(one);
    // Tables with more rows than the blocks below, rendered by every helper.
    for (const char* table : {"ips", "ipPairs", "connections", "l7Ips", "hostNames", "tlsClients"})
      EXPECT_GT(j[table].size(), 20u) << table;
    EXPECT_GT(j["tcp"]["ips"].size(), 20u);
    for (const auto& [threads, blockRows] : {std::pair{2u, 7u}, {3u, 5u}, {2u, 2048u}, {1u, 3u}})
      EXPECT_TRUE(render(threads, blockRows) == one)
          << threads << " threads, blocks of " << blockRows << (windowed ? ", windowed" : "");
  }
}

// The summary and the report share one merge of the shards; asking again must not merge again.
TEST(Engine, FinishedModulesMergeTheShardsOnce) {
  auto ipTotals = [](const ModuleSet& m) {
    std::array<uint64_t, 4> sum{};
    m.ip.ips().forEach([&](const IpAddress&, const IpRecord& r) {
      for (size_t i = 0; i < 4; ++i) sum[i] += r.counters.allTime()[i];
    });
    return std::make_pair(m.ip.ips().size(), sum);
  };
  EngineOptions single;
  single.threads = 1;
  test::AddressFloodSource flood1(5'000, kT0);
  Engine one(single);
  one.run(flood1);
  const auto expected = ipTotals(one.finishedModules());
  EXPECT_EQ(expected.first, 10'000u);

  EngineOptions options;
  options.threads = 3;
  test::AddressFloodSource flood3(5'000, kT0);
  Engine three(options);
  three.run(flood3);
  const ModuleSet& merged = three.finishedModules();
  EXPECT_EQ(ipTotals(merged), expected);
  EXPECT_EQ(&three.finishedModules(), &merged);
  EXPECT_EQ(ipTotals(three.finishedModules()), expected);
}

// A report for a time window needs the merged histories: it is the same for one and three workers.
// Without a window the shards are merged without them, and asking for them afterwards is an error.
TEST(Engine, WindowedReportIsTheSameForOneAndThreeWorkers) {
  auto windowed = [](unsigned threads) {
    auto source = mixedTraffic();
    EngineOptions options;
    options.threads = threads;
    Engine engine(options);
    engine.run(source);
    const int64_t first = secondOf(engine.totals().firstPacket);
    const int64_t end = secondOf(engine.totals().lastPacket) + 1;
    return report(engine, source.interfaces(), ReportWindow(first + 1, end, 5, first));
  };
  const auto one = windowed(1);
  ASSERT_FALSE(one["ips"].empty());
  ASSERT_TRUE(one["ips"][0].contains("history"));
  EXPECT_TRUE(windowed(3) == one);

  auto source = mixedTraffic();
  EngineOptions options;
  options.threads = 3;
  Engine engine(options);
  engine.run(source);
  engine.finishedModules(Engine::MergedHistory::kLeftOut);
  EXPECT_NO_THROW(engine.finishedModules(Engine::MergedHistory::kLeftOut));
  EXPECT_THROW(engine.finishedModules(Engine::MergedHistory::kKept), std::logic_error);
}

TEST(Engine, IpCountersAddUp) {
  auto source = mixedTraffic();
  Engine engine(EngineOptions{});
  engine.run(source);
  auto j = report(engine, source.interfaces());
  uint64_t rx = 0, tx = 0, rxBytes = 0, txBytes = 0;
  for (const auto& ip : j["ips"]) {
    rx += ip["allTime"][0].get<uint64_t>();
    rxBytes += ip["allTime"][1].get<uint64_t>();
    tx += ip["allTime"][2].get<uint64_t>();
    txBytes += ip["allTime"][3].get<uint64_t>();
  }
  EXPECT_EQ(rx, 3000u);
  EXPECT_EQ(tx, 3000u);
  EXPECT_EQ(rxBytes, engine.totals().bytes);
  EXPECT_EQ(txBytes, engine.totals().bytes);
  uint64_t connPackets = 0;
  for (const auto& c : j["connections"])
    connPackets += c["allTime"][0].get<uint64_t>() + c["allTime"][2].get<uint64_t>();
  EXPECT_EQ(connPackets, 3000u);
  EXPECT_EQ(j["global"]["total"]["allTime"][0], 3000u);
}

// Any interval of packet time can be asked: the whole trace equals all time, two halves add up to the
// whole, and a history dataset stays within its point budget and sums to the interval.
TEST(Engine, IntervalsAndHistoryAddUp) {
  auto source = mixedTraffic();
  Engine engine(EngineOptions{});
  engine.run(source);
  const int64_t first = secondOf(engine.totals().firstPacket);
  const int64_t end = secondOf(engine.totals().lastPacket) + 1;
  ASSERT_GT(end - first, 5);
  const int64_t middle = first + (end - first) / 2;
  auto whole = report(engine, source.interfaces(), ReportWindow(first, end, 7, first));
  auto early = report(engine, source.interfaces(), ReportWindow(first, middle, 0, first));
  auto late = report(engine, source.interfaces(), ReportWindow(middle, end, 0, first));
  ASSERT_EQ(whole["ips"].size(), early["ips"].size());
  size_t nonEmptyHalves = 0;
  for (size_t i = 0; i < whole["ips"].size(); ++i) {
    const auto& ip = whole["ips"][i];
    EXPECT_EQ(ip["interval"], ip["allTime"]) << ip["ip"];
    for (size_t k = 0; k < 4; ++k) {
      EXPECT_EQ(
          early["ips"][i]["interval"][k].get<uint64_t>() + late["ips"][i]["interval"][k].get<uint64_t>(),
          ip["interval"][k].get<uint64_t>());
      uint64_t historySum = 0;
      for (const auto& point : ip["history"]["values"]) historySum += point[k].get<uint64_t>();
      EXPECT_EQ(historySum, ip["interval"][k].get<uint64_t>());
    }
    EXPECT_LE(ip["history"]["values"].size(), 7u);
    if (early["ips"][i]["interval"][0].get<uint64_t>() > 0 &&
        late["ips"][i]["interval"][0].get<uint64_t>() > 0)
      ++nonEmptyHalves;
  }
  EXPECT_GT(nonEmptyHalves, 10u);
  const double perSecond = whole["global"]["total"]["intervalPerSecond"][0].get<double>();
  EXPECT_NEAR(perSecond * double(end - first), 3000.0, 1e-6);
}

// ASan's shadow memory and quarantine make the process's size meaningless (gcc and clang say so
// differently).
#if defined(__SANITIZE_ADDRESS__)
#define NETMETER_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NETMETER_TEST_UNDER_ASAN 1
#endif
#endif

long maxRssKiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// The reader-worker queues: deep (a scheduler slice of work) under the default budget, a sixteenth of
// a small budget at most, and never below the minimum.
TEST(Engine, BatchQueueDepthFollowsTheBudget) {
  const int64_t gib = int64_t{1} << 30;
  EXPECT_EQ(Worker::batchesPerWorker(2 * gib, 1), Worker::kMaxBatchesPerWorker);
  EXPECT_EQ(Worker::batchesPerWorker(2 * gib, 2), Worker::kMaxBatchesPerWorker);
  for (const int64_t budget : {int64_t{64} << 20, int64_t{256} << 20, gib, 2 * gib, 16 * gib}) {
    for (const unsigned workers : {1u, 2u, 3u, 8u, 64u}) {
      const size_t depth = Worker::batchesPerWorker(budget, workers);
      EXPECT_EQ(depth & (depth - 1), 0u) << "a power of two";
      EXPECT_GE(depth, Worker::kMinBatchesPerWorker);
      EXPECT_LE(depth, Worker::kMaxBatchesPerWorker);
      if (depth > Worker::kMinBatchesPerWorker) {
        EXPECT_LE(int64_t(depth * workers * sizeof(PacketBatch)), budget / 16) << budget << " " << workers;
      }
    }
  }
  EXPECT_EQ(Worker::batchesPerWorker(int64_t{128} << 20, 2), Worker::kMinBatchesPerWorker);
  EXPECT_LT(Worker::batchesPerWorker(2 * gib, 8), Worker::kMaxBatchesPerWorker);
}

TEST(Engine, AddressFloodStaysWithinMemoryBudget) {
  constexpr int64_t kBudget = int64_t{128} << 20;
  EngineOptions options;
  options.threads = 2;
  options.memoryBytes = kBudget;
  Engine engine(options);
  test::AddressFloodSource flood(1'500'000, kT0);
  [[maybe_unused]] const long rssBefore = maxRssKiB();
  engine.run(flood);
  EXPECT_EQ(engine.totals().packets, 1'500'000u);
  int64_t used = 0;
  uint64_t evicted = 0;
  int64_t oldest = INT64_MIN;
  engine.forEachShard([&](const Shard& s) {
    EXPECT_LE(s.memory().bytes, s.memoryBudget());
    used += s.memory().bytes;
    evicted += s.evictedEntities();
    oldest = std::max(oldest, s.retainedFromSecond());
  });
  EXPECT_GT(evicted, 0u) << "the flood should have forced eviction";
  EXPECT_GT(oldest, secondOf(kT0)) << "the oldest answerable time must have moved forward";
#if !defined(NETMETER_TEST_UNDER_ASAN)
  // The process as a whole: growth during the run stays below the budget.
  const long grownKiB = maxRssKiB() - rssBefore;
  EXPECT_LT(grownKiB * 1024, kBudget) << "grew " << grownKiB << " KiB";
#endif
}

// Queries let in while workers scan their state (expiry, eviction: see QueryYield) read a consistent
// shard and change nothing: a flood that forces eviction ends in the same state with and without a
// thread querying all along.
TEST(Engine, QueriesLetInDuringHousekeepingChangeNothing) {
  struct Outcome {
    uint64_t evicted = 0;
    size_t ips = 0, connections = 0;
    int64_t memory = 0, retainedFrom = INT64_MIN;
    bool operator==(const Outcome&) const = default;
  };
  auto run = [](bool query, uint64_t& queries) {
    EngineOptions options;
    options.threads = 2;
    options.memoryBytes = int64_t{96} << 20;
    Engine engine(options);
    test::AddressFloodSource flood(400'000, kT0);
    std::atomic<bool> done{false};
    std::thread reader;
    if (query) {
      reader = std::thread([&] {
        while (!done.load()) {
          engine.forEachShard([&](const Shard& s) {
            size_t seen = 0;
            s.modules().ip.ips().forEach(
                [&](const IpAddress&, const IpRecord& r) { seen += r.lastActivity > 0; });
            EXPECT_EQ(seen, s.modules().ip.ips().size());
          });
          ++queries;
        }
      });
    }
    engine.run(flood);
    done = true;
    if (reader.joinable()) reader.join();
    Outcome o;
    engine.forEachShard([&](const Shard& s) {
      o.evicted += s.evictedEntities();
      o.ips += s.modules().ip.ips().size();
      o.connections += s.flows().connectionCount();
      o.memory += s.memory().bytes;
      o.retainedFrom = std::max(o.retainedFrom, s.retainedFromSecond());
    });
    return o;
  };
  uint64_t queries = 0;
  const Outcome quiet = run(false, queries);
  const Outcome queried = run(true, queries);
  EXPECT_GT(quiet.evicted, 0u) << "the flood should have forced eviction";
  EXPECT_GT(queries, 0u);
  EXPECT_TRUE(quiet == queried) << "evicted " << quiet.evicted << " vs " << queried.evicted << ", ips "
                                << quiet.ips << " vs " << queried.ips;
}

}  // namespace
}  // namespace netmeter
