#include "app/capture_command.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "app/progress_bar.h"
#include "capture/extraction.h"
#include "capture/peeked_source.h"
#include "filter/filter.h"
#include "io/capture_files.h"

namespace netmeter {

namespace {

struct CaptureArguments {
  std::vector<std::string> files;
  std::string expression;
  bool expressionGiven = false;
  std::string output;
  capture::SinkOptions sink;
  capture::CaptureWindow window;
  capture::CaptureLimits limits;
  int64_t flowMemory = int64_t{256} << 20;
  bool quiet = false;
};

void printCaptureUsage(std::FILE* out) {
  std::fputs(
      "usage: netmeter capture FILE... -e EXPR -w OUT [--snaplen N] [--start T] [--end T] [--pcap|--pcapng]\n"
      "                        [--single-interface] [--count N] [--max-bytes SIZE] [--duration S]\n"
      "                        [--memory SIZE] [--quiet]\n"
      "  FILE        pcap or pcapng file (gzip/zstd compressed too) or a directory of them; several\n"
      "              files are one trace, merged by timestamp\n"
      "  -e EXPR     filter expression (docs/filter-language.md), e.g. 'ip == 10.0.0.1 and port == 443';\n"
      "              '' or omitted: every packet\n"
      "  -w OUT      output file ('-' for standard output)\n"
      "  --snaplen N cut packets to N bytes (layer 2, original length kept)\n"
      "  --start T, --end T\n"
      "              packet-time window in epoch seconds (fractions allowed): the first packet at or\n"
      "              after T starts / ends the capture\n"
      "  --pcap      classic pcap (default when the trace has one interface, or with --single-interface)\n"
      "  --pcapng    pcapng with one interface block per capture interface (default otherwise)\n"
      "  --single-interface\n"
      "              write every packet as if it arrived on one interface\n"
      "  --count N, --max-bytes SIZE, --duration S\n"
      "              stop after N packets, SIZE packet bytes, S seconds of packet time\n"
      "  --memory    bound for the connection state 'serverport' needs (default 256M)\n"
      "  --quiet     no summary\n"
      "exit status: 0 done, 1 input or output cannot be opened or written, 2 bad arguments or\n"
      "expression (nothing written), 3 an input file is damaged (packets before the damage are used)\n",
      out);
}

// Prints "netmeter capture: " and `message` with its "%s" replaced by `value`.
bool fail(std::string message, const char* value) {
  const size_t at = message.find("%s");
  if (at != std::string::npos) message.replace(at, 2, value);
  std::fprintf(stderr, "netmeter capture: %s\n", message.c_str());
  return false;
}

bool parseArguments(int argc, char** argv, CaptureArguments& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const char* name = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) return nullptr;
      return argv[++i];
    };
    if (a == "-e" || a == "--expression" || a == "-w" || a == "--write" || a == "--snaplen" ||
        a == "--start" || a == "--end" || a == "--count" || a == "--max-bytes" || a == "--duration" ||
        a == "--memory") {
      const char* v = value();
      if (v == nullptr) return fail("%s needs a value", name);
      if (a == "-e" || a == "--expression") {
        args.expression = v;
        args.expressionGiven = true;
      } else if (a == "-w" || a == "--write") {
        args.output = v;
      } else if (a == "--snaplen") {
        auto n = parseInteger(v, 1, 262144);
        if (!n) return fail("--snaplen '%s' is not a number from 1 to 262144", v);
        args.sink.snapLength = uint32_t(*n);
      } else if (a == "--start" || a == "--end") {
        auto t = parseEpochSeconds(v);
        if (!t) return fail("'%s' is not a time in epoch seconds (e.g. 1517306266.5)", v);
        (a == "--start" ? args.window.start : args.window.end) = *t;
      } else if (a == "--count") {
        auto n = parseInteger(v, 1, INT64_MAX);
        if (!n) return fail("--count '%s' is not a positive number", v);
        args.limits.maxPackets = uint64_t(*n);
      } else if (a == "--max-bytes") {
        auto n = parseByteSize(v);
        if (!n) return fail("--max-bytes '%s' is not a size (e.g. 10M)", v);
        args.limits.maxBytes = uint64_t(*n);
      } else if (a == "--duration") {
        auto t = parseEpochSeconds(v);
        if (!t || *t == 0) return fail("--duration '%s' is not a positive number of seconds", v);
        args.limits.maxDuration = *t;
      } else {
        auto n = parseByteSize(v);
        if (!n || *n < (int64_t{1} << 20)) return fail("--memory '%s' is not a size of at least 1M", v);
        args.flowMemory = *n;
      }
    } else if (a == "--pcap") {
      args.sink.format = capture::OutputFormat::kPcap;
    } else if (a == "--pcapng") {
      args.sink.format = capture::OutputFormat::kPcapng;
    } else if (a == "--single-interface") {
      args.sink.singleInterface = true;
    } else if (a == "--quiet" || a == "-q") {
      args.quiet = true;
    } else if (a == "--help" || a == "-h") {
      printCaptureUsage(stdout);
      std::exit(0);
    } else if (a.size() > 1 && a[0] == '-') {
      return fail("unknown option '%s'", name);
    } else {
      args.files.emplace_back(a);
    }
  }
  if (args.files.empty()) return fail("%s", "no capture file given");
  if (args.output.empty()) return fail("%s", "no output file given (-w OUT)");
  if (args.window.end <= args.window.start) return fail("%s", "--end must be after --start");
  return true;
}

// Prints the expression with a caret under the position the error names.
void printExpressionError(const std::string& expression, const filter::FilterError& error) {
  std::fprintf(stderr, "netmeter capture: bad expression: %s\n", error.toString().c_str());
  std::fprintf(stderr, "  %s\n  %*s^\n", expression.c_str(), int(std::min(error.position, expression.size())),
               "");
}

}  // namespace

int runCaptureCommand(int argc, char** argv) {
  CaptureArguments args;
  if (!parseArguments(argc, argv, args)) {
    printCaptureUsage(stderr);
    return 2;
  }
  // An empty expression takes every packet (the language itself has no "true").
  std::optional<filter::Filter> filter;
  if (args.expression.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto compiled = filter::Filter::compile(args.expression, capture::captureCompileOptions());
    if (!compiled.ok()) {
      printExpressionError(args.expression, compiled.error);
      return 2;
    }
    filter = std::move(compiled.filter);
  }
  auto opened = openCaptureFiles(args.files);
  if (!opened.ok()) {
    std::fprintf(stderr, "netmeter capture: %s\n", opened.error.toString().c_str());
    return 1;
  }
  capture::PeekedSource source(*opened.source);
  source.peek();
  if (source.interfaces().empty()) {
    // Nothing to write a header for: a damaged or empty capture without any interface.
    for (const ReadError& e : captureErrors(source))
      std::fprintf(stderr, "netmeter capture: %s\n", e.toString().c_str());
    std::fputs("netmeter capture: the input has no packets and declares no interface; nothing written\n",
               stderr);
    return captureErrors(source).empty() ? 1 : 3;
  }
  capture::SelectorOptions selectorOptions;
  selectorOptions.flowMemoryBytes = args.flowMemory;
  capture::PacketSelector selector(std::move(filter), selectorOptions);

  capture::SinkTarget target;
  if (args.output == "-") {
    target.callback = [](const uint8_t* data, size_t size) {
      return std::fwrite(data, 1, size, stdout) == size;
    };
  } else {
    target.path = args.output;
  }
  std::string error;
  auto sink = capture::CaptureSink::create(target, args.sink, source.interfaces(), error);
  if (sink == nullptr) {
    std::fprintf(stderr, "netmeter capture: %s\n", error.c_str());
    return 1;
  }

  ProgressBar bar(stderr);
  capture::ExtractionOptions options;
  options.window = args.window;
  options.limits = args.limits;
  options.progress = [&](const capture::ExtractionCounters& c, const PacketSource& s) {
    bar.update(s.bytesConsumed(), s.bytesTotal(), c.read);
  };
  const capture::ExtractionResult result = capture::extract(source, selector, *sink, options);
  bar.finish();
  const bool closed = sink->close();
  const std::vector<ReadError> errors = captureErrors(source);
  for (const ReadError& e : errors) std::fprintf(stderr, "netmeter capture: %s\n", e.toString().c_str());
  if (!result.writeError.empty() || !closed) {
    std::fprintf(stderr, "netmeter capture: cannot write %s: %s\n", args.output.c_str(),
                 result.writeError.empty() ? sink->error().c_str() : result.writeError.c_str());
    return 1;
  }
  if (!args.quiet) {
    const capture::ExtractionCounters& c = result.counters;
    std::fprintf(stderr,
                 "captured %" PRIu64 " of %" PRIu64 " packets read (%" PRIu64 " ignored, %" PRIu64
                 " skipped while their L7 protocol was unknown), %s written to %s as %s; stopped: %s\n",
                 c.captured, c.read, c.ignored, c.skipped, humanBytes(double(sink->bytesWritten())).c_str(),
                 args.output == "-" ? "standard output" : args.output.c_str(),
                 sink->format() == capture::OutputFormat::kPcap ? "pcap" : "pcapng",
                 capture::stopReasonName(result.reason));
    if (sink->linkTypeMismatches() > 0) {
      std::fprintf(stderr,
                   "netmeter capture: %" PRIu64
                   " matching packets of interfaces with another link type were left out (use --pcapng)\n",
                   sink->linkTypeMismatches());
    }
    if (sink->unstorableTimestamps() > 0) {
      std::fprintf(stderr,
                   "netmeter capture: %" PRIu64
                   " matching packets were left out: their time cannot be stored in %s (use --pcapng)\n",
                   sink->unstorableTimestamps(),
                   sink->format() == capture::OutputFormat::kPcap ? "pcap" : "pcapng");
    }
  }
  return errors.empty() ? 0 : 3;
}

}  // namespace netmeter
