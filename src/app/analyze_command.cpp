#include "app/analyze_command.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "app/progress_bar.h"
#include "engine/engine.h"
#include "io/capture_files.h"
#include "modules/mac/oui_database.h"
#include "report/http_csv.h"
#include "report/json_report.h"

namespace netmeter {

namespace {

struct AnalyzeArguments {
  std::vector<std::string> files;
  EngineOptions engine;
  std::string jsonPath;
  std::string httpCsvPath;
  bool httpCsvAll = false;
  bool quiet = false;
  std::optional<int64_t> startTime;  // epoch seconds
  std::optional<int64_t> endTime;
  size_t values = 0;
};

void printAnalyzeUsage(std::FILE* out) {
  std::fputs(
      "usage: netmeter analyze FILE... [--threads N] [--memory SIZE] [--json OUT]\n"
      "                         [--starttime S] [--endtime S] [--values N] [--http-transactions N]\n"
      "                         [--http-csv OUT] [--http-csv-all]\n"
      "                         [--l7 all|off|LIST] [--tcp on|off] [--reader auto|thread|workers]\n"
      "                         [--ip-reassembly SIZE|off]\n"
      "                         [--quiet]\n"
      "  FILE       pcap or pcapng file (gzip/zstd compressed too) or a directory of them;\n"
      "             several files are one trace, merged by timestamp\n"
      "  --threads  worker threads (default 1)\n"
      "  --memory   memory budget for the whole process, e.g. 512M, 4G (default 2G); when reached the\n"
      "             oldest history is dropped first\n"
      "  --json     write every statistic as JSON to OUT ('-' for standard output)\n"
      "  --starttime S, --endtime S\n"
      "             also give every counter for this interval of packet time (epoch seconds):\n"
      "             \"interval\" and \"intervalPerSecond\" (default: the whole trace)\n"
      "  --values N also give a \"history\" dataset of at most N points per counter\n"
      "  --http-transactions N\n"
      "             HTTP request/response pairs kept per connection (default 1)\n"
      "  --http-csv OUT\n"
      "             write each HTTP connection with its last request/response pair as CSV\n"
      "  --http-csv-all  with --http-csv: one line per kept pair instead\n"
      "  --l7 WHAT  layer-7 analysis: all (default: nDPI classification and the DNS, HTTP, TLS,\n"
      "             QUIC and STARTTLS analyzers), off, or a comma-separated list of dpi, dns, http,\n"
      "             tls, quic, starttls (e.g. dpi,dns: classification and the DNS analyzer only;\n"
      "             the TLS after a STARTTLS upgrade needs both starttls and tls)\n"
      "  --tcp on|off  TCP health analysis: handshake and response times, retransmissions, windows,\n"
      "             TCP per IP and server ports (default on)\n"
      "  --ip-reassembly SIZE|off  memory for IP fragments waiting for the rest of their datagram,\n"
      "             taken from --memory (default 8M; incomplete datagrams are given up after 30 s of\n"
      "             packet time); off: each fragment is analyzed alone\n"
      "  --reader WHO  who reads the files: a thread of its own besides the workers, or the workers\n"
      "             in turn when their queues run empty; auto (default): the workers when there are\n"
      "             at least as many of them as usable cores (same results either way)\n"
      "  --quiet    no summary\n",
      out);
}

// Parses the arguments; prints the problem and returns false when they are wrong.
bool parseArguments(int argc, char** argv, AnalyzeArguments& args) {
  args.engine.reader = ReaderMode::kAuto;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto needValue = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "netmeter analyze: %s needs a value\n", name);
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "--threads") {
      const char* v = needValue("--threads");
      if (!v) return false;
      auto n = parseInteger(v, 1, 256);
      if (!n) {
        std::fprintf(stderr, "netmeter analyze: --threads '%s' is not a number from 1 to 256\n", v);
        return false;
      }
      args.engine.threads = unsigned(*n);
    } else if (a == "--memory") {
      const char* v = needValue("--memory");
      if (!v) return false;
      auto bytes = parseByteSize(v);
      if (!bytes || *bytes < (int64_t{64} << 20)) {
        std::fprintf(stderr,
                     "netmeter analyze: --memory '%s' is not a size of at least 64M (e.g. 512M, 4G)\n", v);
        return false;
      }
      args.engine.memoryBytes = *bytes;
    } else if (a == "--json") {
      const char* v = needValue("--json");
      if (!v) return false;
      args.jsonPath = v;
    } else if (a == "--starttime" || a == "--endtime") {
      const char* v = needValue(argv[i]);
      if (!v) return false;
      auto t = parseInteger(v, 0, int64_t{1} << 40);
      if (!t) {
        std::fprintf(stderr, "netmeter analyze: %s '%s' is not a time in epoch seconds\n", argv[i - 1], v);
        return false;
      }
      (a == "--starttime" ? args.startTime : args.endTime) = *t;
    } else if (a == "--values") {
      const char* v = needValue("--values");
      if (!v) return false;
      auto n = parseInteger(v, 1, 100000);
      if (!n) {
        std::fprintf(stderr, "netmeter analyze: --values '%s' is not a number from 1 to 100000\n", v);
        return false;
      }
      args.values = size_t(*n);
    } else if (a == "--ip-reassembly") {
      const char* v = needValue("--ip-reassembly");
      if (!v) return false;
      const std::optional<int64_t> bytes = parseIpReassembly(v);
      if (!bytes) {
        std::fprintf(stderr,
                     "netmeter analyze: --ip-reassembly '%s' is not off or a size from 64K to 1G (e.g. 8M)\n", v);
        return false;
      }
      args.engine.ipReassemblyBytes = *bytes;
    } else if (a == "--http-transactions") {
      const char* v = needValue("--http-transactions");
      if (!v) return false;
      auto n = parseInteger(v, 1, 1000);
      if (!n) {
        std::fprintf(stderr, "netmeter analyze: --http-transactions '%s' is not a number from 1 to 1000\n",
                     v);
        return false;
      }
      args.engine.httpTransactionsPerConnection = uint32_t(*n);
    } else if (a == "--http-csv") {
      const char* v = needValue("--http-csv");
      if (!v) return false;
      args.httpCsvPath = v;
    } else if (a == "--l7") {
      const char* v = needValue("--l7");
      if (!v) return false;
      const auto analyzers = L7Analyzers::parse(v);
      if (!analyzers) {
        std::fprintf(
            stderr,
            "netmeter analyze: --l7 '%s' is not all, off or a comma-separated list of dpi, dns, http, "
            "tls, quic, starttls\n",
            v);
        return false;
      }
      args.engine.l7 = *analyzers;
    } else if (a == "--tcp") {
      const char* v = needValue("--tcp");
      if (!v) return false;
      if (std::string_view(v) != "on" && std::string_view(v) != "off") {
        std::fprintf(stderr, "netmeter analyze: --tcp '%s' is not on or off\n", v);
        return false;
      }
      args.engine.tcpAnalysis = std::string_view(v) == "on";
    } else if (a == "--reader") {
      const char* v = needValue("--reader");
      if (!v) return false;
      const std::optional<ReaderMode> mode = parseReaderMode(v);
      if (!mode) {
        std::fprintf(stderr, "netmeter analyze: --reader '%s' is not auto, thread or workers\n", v);
        return false;
      }
      args.engine.reader = *mode;
    } else if (a == "--http-csv-all") {
      args.httpCsvAll = true;
    } else if (a == "--quiet" || a == "-q") {
      args.quiet = true;
    } else if (a == "--help" || a == "-h") {
      printAnalyzeUsage(stdout);
      std::exit(0);
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "netmeter analyze: unknown option '%s'\n", argv[i]);
      return false;
    } else {
      args.files.emplace_back(a);
    }
  }
  if (args.startTime && args.endTime && *args.endTime <= *args.startTime) {
    std::fputs("netmeter analyze: --endtime must be after --starttime\n", stderr);
    return false;
  }
  if (args.files.empty()) {
    std::fputs("netmeter analyze: no capture file given\n", stderr);
    return false;
  }
  return true;
}

std::string formatTime(PacketTime t) {
  const std::time_t seconds = static_cast<std::time_t>(secondOf(t));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[96];
  std::snprintf(out, sizeof out, "%s.%09" PRId64 " UTC", buf, t - secondOf(t) * kNanosPerSecond);
  return out;
}

void printSummary(const Engine& engine, const ModuleSet& merged, const std::vector<ReadError>& errors,
                  double wallSeconds, double mergeSeconds) {
  const TraceTotals t = engine.totals();
  std::printf("packets     %" PRIu64 "\n", t.packets);
  std::printf("bytes       %" PRIu64 " (%s)\n", t.bytes, humanBytes(double(t.bytes)).c_str());
  if (t.packets) {
    std::printf("first       %s\n", formatTime(t.firstPacket).c_str());
    std::printf("last        %s\n", formatTime(t.lastPacket).c_str());
    std::printf("span        %.3f s\n", double(t.lastPacket - t.firstPacket) / 1e9);
  }
  uint64_t connections = 0;
  size_t ips = 0;
  int64_t statisticsBytes = 0;
  engine.forEachShard([&](const Shard& s) {
    connections += s.flows().connectionCount();
    statisticsBytes += s.memory().bytes;
  });
  ips = merged.ip.ips().size();
  std::printf("IPs         %zu\nconnections %" PRIu64 "\n", ips, connections);
  if (const IpReassemblyStats& r = t.reassembly; r.fragments != 0) {
    std::printf("fragments   %" PRIu64 ", %" PRIu64 " datagrams reassembled", r.fragments, r.datagrams);
    const uint64_t givenUp = r.incomplete + r.evicted + r.malformed + r.notCaptured;
    if (givenUp != 0)
      std::printf(", %" PRIu64 " given up (%" PRIu64 " incomplete, %" PRIu64 " for memory, %" PRIu64
                  " damaged, %" PRIu64 " cut by the snap length)",
                  givenUp, r.incomplete, r.evicted, r.malformed, r.notCaptured);
    std::printf("\n");
  }
  std::printf("memory      %s of statistics (budget %s for the process)\n",
              humanBytes(double(statisticsBytes)).c_str(),
              humanBytes(double(engine.options().memoryBytes)).c_str());

  std::vector<std::pair<uint64_t, IpAddress>> talkers;
  merged.ip.ips().forEach([&](const IpAddress& ip, const IpRecord& r) {
    const auto& a = r.counters.allTime();
    talkers.emplace_back(a[1] + a[3], ip);
  });
  const size_t top = std::min<size_t>(10, talkers.size());
  std::partial_sort(talkers.begin(), talkers.begin() + long(top), talkers.end(),
                    [](const auto& a, const auto& b) {
                      return a.first > b.first || (a.first == b.first && a.second < b.second);
                    });
  if (top) std::printf("top talkers (bytes sent + received)\n");
  for (size_t i = 0; i < top; ++i)
    std::printf("  %-40s %12s\n", talkers[i].second.toString().c_str(),
                humanBytes(double(talkers[i].first)).c_str());
  std::printf("processing  %.3f s, %s packets/s, %sbit/s (%u worker thread%s)\n", wallSeconds,
              humanCount(wallSeconds > 0 ? double(t.packets) / wallSeconds : 0).c_str(),
              humanCount(wallSeconds > 0 ? double(t.bytes) * 8 / wallSeconds : 0).c_str(),
              unsigned(engine.workerCount()), engine.workerCount() == 1 ? "" : "s");
  // Per-thread CPU time: what one worker costs per packet, whatever else the machine is doing.
  double workersCpu = 0;
  for (size_t i = 0; i < engine.workerCount(); ++i) workersCpu += engine.workerCpuSeconds(i);
  if (workersCpu > 0) {
    std::printf("busy        workers %.3f s CPU (%s packets/s per worker thread), reader %.3f s CPU%s\n",
                workersCpu, humanCount(double(t.packets) / workersCpu).c_str(), engine.readerCpuSeconds(),
                Engine::sharesReading(engine.options()) ? " (the workers in turn)" : "");
  }
  if (engine.workerCount() > 1) std::printf("merge       %.3f s (the workers' statistics)\n", mergeSeconds);
  for (const ReadError& e : errors) std::printf("error       %s\n", e.toString().c_str());
}

}  // namespace

int runAnalyzeCommand(int argc, char** argv) {
  AnalyzeArguments args;
  if (!parseArguments(argc, argv, args)) {
    printAnalyzeUsage(stderr);
    return 2;
  }
  auto opened = openCaptureFiles(args.files);
  if (!opened.source) {
    std::fprintf(stderr, "netmeter analyze: %s\n", opened.error.toString().c_str());
    return 1;
  }
  PacketSource& source = *opened.source;
  // The MAC vendor list (0.1 s to parse) is read while the analysis starts; only the report needs it.
  std::future<OuiDatabase> vendorsLoading =
      std::async(std::launch::async, [] { return OuiDatabase::load(); });

  Engine engine(args.engine);
  ProgressBar bar(stderr);
  const auto start = std::chrono::steady_clock::now();
  engine.run(source, [&](const EngineProgress& p) { bar.update(p.bytesConsumed, p.bytesTotal, p.packets); });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bar.finish();

  const OuiDatabase vendors = vendorsLoading.get();
  const std::vector<ReadError> errors = captureErrors(source);
  for (const ReadError& e : errors) std::fprintf(stderr, "netmeter analyze: %s\n", e.toString().c_str());
  // The workers' statistics merged once, for the summary and the report (with one worker: its own);
  // their histories only when the report is asked for a time window (nothing else reads them).
  const bool windowAsked = args.startTime || args.endTime || args.values;
  const bool reportReadsHistory = !args.jsonPath.empty() && windowAsked;
  const auto mergeStart = std::chrono::steady_clock::now();
  const ModuleSet& merged = engine.finishedModules(reportReadsHistory ? Engine::MergedHistory::kKept
                                                                      : Engine::MergedHistory::kLeftOut);
  const double mergeSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - mergeStart).count();
  if (!args.quiet) printSummary(engine, merged, errors, wall, mergeSeconds);

  if (!args.jsonPath.empty()) {
    std::FILE* out = args.jsonPath == "-" ? stdout : std::fopen(args.jsonPath.c_str(), "w");
    if (!out) {
      std::fprintf(stderr, "netmeter analyze: cannot write %s: %s\n", args.jsonPath.c_str(),
                   std::strerror(errno));
      return 1;
    }
    ReportInput input{args.files, errors, source.interfaces(), &vendors, wall, std::nullopt};
    const TraceTotals totals = engine.totals();
    if (windowAsked && totals.packets > 0) {
      const int64_t first = secondOf(totals.firstPacket);
      input.window = ReportWindow(args.startTime.value_or(first),
                                  args.endTime.value_or(secondOf(totals.lastPacket) + 1), args.values, first);
    }
    const auto reportStart = std::chrono::steady_clock::now();
    writeJsonReport(engine, merged, input, out);
    if (out != stdout && std::fclose(out) != 0) {
      std::fprintf(stderr, "netmeter analyze: cannot write %s: %s\n", args.jsonPath.c_str(),
                   std::strerror(errno));
      return 1;
    }
    if (!args.quiet && out != stdout)
      std::printf("report      %.3f s (JSON, %u rendering threads)\n",
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - reportStart).count(),
                  input.renderThreads);
  }
  if (!args.httpCsvPath.empty()) {
    std::FILE* out = args.httpCsvPath == "-" ? stdout : std::fopen(args.httpCsvPath.c_str(), "w");
    if (!out) {
      std::fprintf(stderr, "netmeter analyze: cannot write %s: %s\n", args.httpCsvPath.c_str(),
                   std::strerror(errno));
      return 1;
    }
    writeHttpTransactionsCsv(engine, args.httpCsvAll, out);
    if (out != stdout && std::fclose(out) != 0) {
      std::fprintf(stderr, "netmeter analyze: cannot write %s: %s\n", args.httpCsvPath.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }
  // A damaged input is reported but what came before it was analyzed: exit status 3 tells scripts.
  const int status = errors.empty() ? 0 : 3;
  // Everything is written. The analysis's state (a gigabyte in millions of blocks on a large trace)
  // is left to the operating system: freeing it block by block takes most of a second (10 M trace,
  // two workers: 0.7 s) and changes nothing.
  if (std::fflush(nullptr) != 0) {
    std::fprintf(stderr, "netmeter analyze: cannot write the output: %s\n", std::strerror(errno));
    return 1;
  }
  std::_Exit(status);
}

}  // namespace netmeter
