#include "generate/generate_command.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "generate/generator_options.h"
#include "generate/trace_generator.h"

namespace netmeter {
namespace {

constexpr const char* kUsage =
    "usage: netmeter-generate --out FILE [options]\n"
    "Writes deterministic synthetic traffic to a pcap file (nanosecond timestamps).\n"
    "  --out FILE            capture to write (required)\n"
    "  --packets N           packets to write (default 1000000)\n"
    "  --hosts N             client hosts (default 20000)\n"
    "  --servers N           servers (default 3000)\n"
    "  --connections N       sessions over the trace (default 30000)\n"
    "  --seed N              random seed (default 1); same options give the same file\n"
    "  --ipv6-share F        share of sessions over IPv6 (default 0.2)\n"
    "  --vlan-share F        share of hosts on a tagged VLAN (default 0.3)\n"
    "  --udp-share F         share of sessions that are UDP (default 0.3)\n"
    "  --rate PPS            average packets per second (default 100000)\n"
    "  --snaplen N           bytes kept per packet (default 128)\n"
    "  --start EPOCH_SECONDS time of the first packet (default 1705309200)\n"
    "  --flood               every packet from a new random source address and port\n"
    "  --quiet               no progress bar\n";

template <typename T>
std::optional<T> parseNumber(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

struct CommandLine {
  GeneratorOptions options;
  std::string out;
  bool quiet = false;
  bool help = false;
};

// Applies one `--name value` pair; returns an error message or empty.
std::string applyOption(CommandLine& c, std::string_view name, std::string_view value) {
  GeneratorOptions& o = c.options;
  auto integer = [&](auto& field) -> bool {
    auto v = parseNumber<std::remove_reference_t<decltype(field)>>(value);
    if (v) field = *v;
    return v.has_value();
  };
  auto real = [&](double& field) -> bool {
    auto v = parseNumber<double>(value);
    if (v) field = *v;
    return v.has_value();
  };
  bool ok;
  if (name == "out") {
    c.out = std::string(value);
    ok = !value.empty();
  } else if (name == "packets") {
    ok = integer(o.packets);
  } else if (name == "hosts") {
    ok = integer(o.hosts);
  } else if (name == "servers") {
    ok = integer(o.servers);
  } else if (name == "connections") {
    ok = integer(o.connections);
  } else if (name == "seed") {
    ok = integer(o.seed);
  } else if (name == "ipv6-share") {
    ok = real(o.ipv6Share);
  } else if (name == "vlan-share") {
    ok = real(o.vlanShare);
  } else if (name == "udp-share") {
    ok = real(o.udpShare);
  } else if (name == "rate") {
    ok = real(o.packetsPerSecond);
  } else if (name == "snaplen") {
    ok = integer(o.snapLength);
  } else if (name == "start") {
    int64_t seconds = 0;
    ok = integer(seconds) && seconds >= 0 && seconds < int64_t{9'000'000'000};
    o.start = seconds * kNanosPerSecond;
  } else {
    return "unknown option --" + std::string(name);
  }
  return ok ? std::string{} : "bad value for --" + std::string(name) + ": '" + std::string(value) + "'";
}

std::string parse(int argc, char** argv, CommandLine& c) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      c.help = true;
      return {};
    }
    if (!arg.starts_with("--")) return "unexpected argument '" + std::string(arg) + "'";
    arg.remove_prefix(2);
    if (arg == "flood") {
      c.options.randomAddressFlood = true;
      continue;
    }
    if (arg == "quiet") {
      c.quiet = true;
      continue;
    }
    std::string_view value;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return "--" + std::string(arg) + " needs a value";
    }
    if (std::string error = applyOption(c, arg, value); !error.empty()) return error;
  }
  if (c.out.empty()) return "--out FILE is required";
  return validateOptions(c.options);
}

// "[#####.....]  45%  4.5 M packets  2.1 Mpkt/s  ETA 3 s" on one terminal line.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  void operator()(uint64_t done, uint64_t total) {
    if (!enabled_ || total == 0) return;
    const double seconds = elapsed();
    const double rate = seconds > 0 ? double(done) / seconds : 0;
    const int width = 30;
    const int filled = int(double(done) / double(total) * width);
    std::string bar(size_t(filled), '#');
    bar.append(size_t(width - filled), '.');
    const double eta = rate > 0 ? double(total - done) / rate : 0;
    std::fprintf(stderr, "\r[%s] %3d%%  %.1f M packets  %.2f Mpkt/s  ETA %.0f s ", bar.c_str(),
                 int(double(done) * 100 / double(total)), double(done) / 1e6, rate / 1e6, eta);
    std::fflush(stderr);
    drawn_ = true;
  }
  void finish() {
    if (drawn_) std::fputc('\n', stderr);
  }
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

int runGenerateCommand(int argc, char** argv) {
  CommandLine c;
  if (std::string error = parse(argc, argv, c); !error.empty()) {
    std::fprintf(stderr, "netmeter-generate: %s (see --help)\n", error.c_str());
    return 2;
  }
  if (c.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Progress progress(!c.quiet && isatty(STDERR_FILENO));
  const GeneratorResult r =
      generateTrace(c.options, c.out, [&progress](uint64_t done, uint64_t total) { progress(done, total); });
  progress.finish();
  if (!r.ok) {
    std::fprintf(stderr, "netmeter-generate: %s\n", r.error.c_str());
    return 1;
  }
  const double seconds = progress.elapsed();
  std::printf(
      "%s: %llu packets, %.1f MB on the wire, %.1f MB captured, %.3f s of traffic\n"
      "  %llu TCP connections, %llu UDP flows, %llu ICMP echo, %llu ARP; %llu IPv4, %llu IPv6, %llu "
      "VLAN-tagged "
      "packets\n"
      "  generated in %.2f s (%.2f Mpkt/s)\n",
      c.out.c_str(), (unsigned long long)r.packets, double(r.wireBytes) / 1e6, double(r.capturedBytes) / 1e6,
      double(r.lastTime - r.firstTime) / 1e9, (unsigned long long)r.tcpConnections,
      (unsigned long long)r.udpFlows, (unsigned long long)r.icmpExchanges, (unsigned long long)r.arpExchanges,
      (unsigned long long)r.ipv4Packets, (unsigned long long)r.ipv6Packets, (unsigned long long)r.vlanPackets,
      seconds, seconds > 0 ? double(r.packets) / seconds / 1e6 : 0.0);
  return 0;
}

}  // namespace netmeter
