#include "app/serve_command.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "api/server.h"
#include "api/server_flags.h"
#include "app/command_line.h"
#include "app/pcap_upload.h"
#include "app/progress_bar.h"
#include "app/system_stats_routes.h"
#include "engine/analysis.h"
#include "engine/analysis_slot.h"
#include "io/capture_files.h"
#include "modules/capture/capture_api.h"
#include "modules/mac/oui_database.h"
#include "modules/module_routes.h"
#include "query/query_context.h"

namespace netmeter {

namespace {

void printServeUsage(std::FILE* out) {
  std::fputs(
      "usage: netmeter serve --pcap FILE... [--listen ADDR:PORT] [--threads N] [--memory SIZE] [--pace PPS]\n"
      "                      [--reader auto|thread|workers] [--tls on|off|auto] [--cert FILE --key FILE]\n"
      "                      [--state DIR] [--http-transactions N] [--ip-reassembly SIZE|off]\n"
      "  --pcap FILE   capture file (pcap, pcapng, gzip/zstd) or directory to analyze; repeat for several\n"
      "                files, which are one trace merged by timestamp\n"
      "  --listen      where the API listens: PORT (loopback), ADDR:PORT or [V6ADDR]:PORT (default "
      "127.0.0.1:8080;\n"
      "                port 0 picks a free port)\n"
      "  --threads     analysis worker threads (default 1)\n"
      "  --memory      memory budget for the statistics and the lists' ranking index (a tenth of it),\n"
      "                e.g. 512M, 4G (default 2G)\n"
      "  --pace PPS    read at most PPS packets per second (replays the file like live traffic;\n"
      "                --reader auto then keeps a reader thread)\n"
      "  --reader WHO  who reads the input: a thread of its own besides the workers, or the workers in\n"
      "                turn when their queues run empty; auto (default): the workers when there are at\n"
      "                least as many of them as usable cores (same results either way)\n"
      "  --tls         auto (default): HTTPS unless the listen address is loopback\n"
      "  --cert/--key  PEM certificate and key (default: a self-signed one created in the state directory)\n"
      "  --state DIR   users, sessions, certificates and the last uploaded capture (default\n"
      "                $XDG_STATE_HOME/netmeter)\n"
      "  --upload-limit SIZE  largest capture accepted by POST /API/system/analyze-pcap (default 16G)\n"
      "  --http-transactions N  HTTP request/response pairs kept per connection, 1 to 1000 (default 1;\n"
      "                the reference's \"Maximum number of HTTP requests per connection\"): what the\n"
      "                connection's \"http\" and the transactions CSV with all=true hold\n"
      "  --ip-reassembly SIZE|off  memory for IP fragments waiting for the rest of their datagram,\n"
      "                taken from --memory (default 8M; incomplete datagrams are given up after 30 s of\n"
      "                packet time); off: each fragment is analyzed alone\n"
      "  --web DIR     the web UI's files (default: web/dist of the source tree the binary was built in,\n"
      "                when it exists; 'none' serves the API only)\n"
      "The first start creates the admin user with a random password, prints it once and says where it is\n"
      "kept; set NETMETER_ADMIN_PASSWORD to choose it instead. Stop with Ctrl-C (SIGINT) or SIGTERM.\n",
      out);
}

struct ServeArguments {
  std::vector<std::string> files;
  uint64_t uploadLimit = uint64_t{16} << 30;
  std::string webDir;
  EngineOptions engine;
  api::ServerOptions server;
};

bool parseServeArguments(int argc, char** argv, ServeArguments& args) {
  args.engine.reader = ReaderMode::kAuto;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      printServeUsage(stdout);
      std::exit(0);
    }
    if (a.size() < 2 || a[0] != '-') {
      args.files.emplace_back(a);  // a plain argument is a capture file too
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "netmeter serve: %s needs a value\n", argv[i]);
      return false;
    }
    const std::string_view v = argv[++i];
    if (a == "--pcap") {
      args.files.emplace_back(v);
    } else if (a == "--web") {
      args.webDir = std::string(v);
    } else if (a == "--threads") {
      auto n = parseInteger(v, 1, 256);
      if (!n) {
        std::fprintf(stderr, "netmeter serve: --threads '%s' is not a number from 1 to 256\n", argv[i]);
        return false;
      }
      args.engine.threads = unsigned(*n);
    } else if (a == "--upload-limit") {
      auto bytes = parseByteSize(v);
      if (!bytes || *bytes < 1) {
        std::fprintf(stderr, "netmeter serve: --upload-limit '%s' is not a size (e.g. 512M, 16G)\n", argv[i]);
        return false;
      }
      args.uploadLimit = uint64_t(*bytes);
    } else if (a == "--pace") {
      auto n = parseInteger(v, 1, INT64_MAX);
      if (!n) {
        std::fprintf(stderr, "netmeter serve: --pace '%s' is not a positive number of packets per second\n",
                     argv[i]);
        return false;
      }
      args.engine.pacePacketsPerSecond = uint64_t(*n);
    } else if (a == "--reader") {
      const std::optional<ReaderMode> mode = parseReaderMode(v);
      if (!mode) {
        std::fprintf(stderr, "netmeter serve: --reader '%s' is not auto, thread or workers\n", argv[i]);
        return false;
      }
      args.engine.reader = *mode;
    } else if (a == "--ip-reassembly") {
      const std::optional<int64_t> bytes = parseIpReassembly(v);
      if (!bytes) {
        std::fprintf(stderr,
                     "netmeter serve: --ip-reassembly '%s' is not off or a size from 64K to 1G (e.g. 8M)\n",
                     argv[i]);
        return false;
      }
      args.engine.ipReassemblyBytes = *bytes;
    } else if (a == "--http-transactions") {
      auto n = parseInteger(v, 1, 1000);
      if (!n) {
        std::fprintf(stderr, "netmeter serve: --http-transactions '%s' is not a number from 1 to 1000\n",
                     argv[i]);
        return false;
      }
      args.engine.httpTransactionsPerConnection = uint32_t(*n);
    } else if (a == "--memory") {
      auto bytes = parseByteSize(v);
      if (!bytes || *bytes < (int64_t{64} << 20)) {
        std::fprintf(stderr, "netmeter serve: --memory '%s' is not a size of at least 64M (e.g. 512M, 4G)\n",
                     argv[i]);
        return false;
      }
      args.engine.memoryBytes = *bytes;
    } else {
      std::string error;
      if (!api::applyServerFlag(a, v, args.server, error)) {
        std::fprintf(stderr, "netmeter serve: unknown option '%s'\n", argv[i - 1]);
        return false;
      }
      if (!error.empty()) {
        std::fprintf(stderr, "netmeter serve: %s\n", error.c_str());
        return false;
      }
    }
  }
  if (args.files.empty()) {
    std::fputs("netmeter serve: no capture file given (--pcap FILE)\n", stderr);
    return false;
  }
  return true;
}

// The web UI built in the source tree of this binary (build/src/app/netmeter -> web/dist), if any.
std::string defaultWebDir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    const auto candidate = dir / "web" / "dist";
    if (std::filesystem::exists(candidate / "index.html", ec)) return candidate.string();
  }
  return {};
}

}  // namespace

int runServeCommand(int argc, char** argv) {
  ServeArguments args;
  if (!parseServeArguments(argc, argv, args)) {
    printServeUsage(stderr);
    return 2;
  }
  auto opened = openCaptureFiles(args.files);
  if (!opened.source) {
    std::fprintf(stderr, "netmeter serve: %s\n", opened.error.toString().c_str());
    return 1;
  }

  // SIGINT/SIGTERM are taken by sigwait below: block them before any thread starts, so every thread
  // inherits the mask.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const OuiDatabase vendors = OuiDatabase::load();
  // A tenth of the budget is kept for the lists' ranking indexes (query/traffic_ranking.h).
  const int64_t rankingBytes = args.engine.memoryBytes / 10;
  args.engine.memoryBytes -= rankingBytes;
  auto analysis = std::make_shared<Analysis>(std::move(opened.source), args.files, args.engine);
  AnalysisSlot slot(analysis);
  const query::QuerySource source{slot, &vendors, rankingBytes};

  CaptureService captures(slot);
  api::Server server(args.server);
  PcapUploads::Options uploadOptions;
  uploadOptions.directory = [&server] { return server.stateDir() + "/uploads"; };
  uploadOptions.maxBytes = args.uploadLimit;
  uploadOptions.engine = args.engine;
  // "Resume normal operation" analyzes the original inputs anew (they were readable at start).
  PcapUploads uploads(
      slot,
      [&args] {
        auto reopened = openCaptureFiles(args.files);
        if (!reopened.source) {
          const ReadError error = reopened.error;
          return std::make_shared<Analysis>(
              [error] {
                return OpenResult{nullptr, error};
              },
              args.files, args.engine);
        }
        return std::make_shared<Analysis>(std::move(reopened.source), args.files, args.engine);
      },
      uploadOptions);
  registerSystemStatsRoutes(server, source);
  registerModuleRoutes(server, source);
  registerPcapUploadRoutes(server, uploads);
  registerCaptureRoutes(server, captures);
  std::string webDir = args.webDir.empty() ? defaultWebDir() : args.webDir == "none" ? "" : args.webDir;
  if (!webDir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(webDir, ec)) {
      std::fprintf(stderr, "netmeter serve: --web %s is not a directory\n", webDir.c_str());
      return 1;
    }
    server.serveStatic("/", webDir);
  }
  if (auto error = server.start()) {
    std::fprintf(stderr, "netmeter serve: %s\n", error->c_str());
    return 1;
  }
  if (std::string error; !captures.open(server.stateDir(), error)) {
    std::fprintf(stderr, "netmeter serve: %s\n", error.c_str());
    return 1;
  }
  analysis->start();

  std::string host = args.server.bindAddress;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  if (host == "0.0.0.0" || host == "[::]") host = "localhost";
  std::printf("netmeter: serving %s://%s:%u/ (%sREST API under /API/stats; analysis of %zu file%s running)\n",
              server.tlsEnabled() ? "https" : "http", host.c_str(), unsigned(server.port()),
              webDir.empty() ? "" : "web UI and ", args.files.size(), args.files.size() == 1 ? "" : "s");
  std::fflush(stdout);

  // Report the end of the analysis on stdout while waiting for a stop signal. The reporter holds the
  // original analysis only until it ended (an upload stops it and then its memory is freed).
  std::thread reporter([analysis]() mutable {
    analysis->wait();
    const AnalysisStatus st = analysis->status();
    const TraceTotals t = analysis->engine().totals();
    std::printf("netmeter: analysis finished: %llu packets, %s in %.2f s\n", (unsigned long long)t.packets,
                humanBytes(double(t.bytes)).c_str(), st.wallSeconds);
    for (const ReadError& e : analysis->errors()) std::printf("netmeter: %s\n", e.toString().c_str());
    std::fflush(stdout);
    analysis.reset();
  });
  analysis.reset();
  int signalNumber = 0;
  sigwait(&stopSignals, &signalNumber);
  std::printf("netmeter: %s received, stopping\n", signalNumber == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  captures.stopAll();
  server.stop();
  uploads.abortReceiving("the server is stopping");
  if (auto current = slot.current()) {
    current->stop();
    current->wait();
  }
  reporter.join();
  return 0;
}

}  // namespace netmeter
