// The workers' own scaling, with the reader's work taken out of the measurement.
//
//   worker_scaling TRACE [--packets N] [--rounds R] [--threads LIST] [--l7 all|off|LIST] [--tcp on|off]
//
// `netmeter analyze` runs a reader thread (read, decode, shard) besides its workers; on a machine
// with as many cores as workers the reader takes a core's share that the workers then lack, so the
// end-to-end wall clock cannot show how the sharded workers themselves scale. Here the first N packets
// of TRACE are read, decoded and sharded exactly as the engine's reader does it (Engine::run), into
// batches queued for each worker before any worker starts (untimed); then all workers start at once
// and the wall clock runs until the last one has processed its share. Each thread count is measured
// in every round, in turn (the VM's phases hit all alike), after an uncounted warm-up round; the
// medians are printed with the speed-up over one worker. Connections found must be the same for every thread
// count (exit status 1 if not).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "decode/decoder.h"
#include "decode/ip_bytes.h"
#include "engine/engine.h"
#include "engine/engine_options.h"
#include "engine/worker.h"
#include "flow/flow_key.h"
#include "io/capture_files.h"

namespace netmeter {
namespace {

struct Arguments {
  std::string trace;
  uint64_t packets = 2'000'000;
  unsigned rounds = 3;
  std::vector<unsigned> threads{1, 2};
  EngineOptions options;
};

struct Run {
  double wallSeconds = 0;
  double workerCpuSeconds = 0;  // all workers together
  uint64_t packets = 0;
  size_t connections = 0;
};

// Workers whose queues hold the first Arguments::packets packets of the trace, sharded as the engine
// shards them.
struct Prepared {
  std::vector<std::unique_ptr<Worker>> workers;
  uint64_t packets = 0;
  PacketTime last = INT64_MIN;
};

// Feeds the first a.packets packets of a.trace to `sink(worker, raw, decoded, bytesToKeep)`.
template <typename Sink>
bool readShards(const Arguments& a, unsigned threads, Sink&& sink) {
  auto opened = openCaptureFiles({a.trace});
  if (!opened.source) {
    std::fprintf(stderr, "worker_scaling: %s\n", opened.error.toString().c_str());
    return false;
  }
  const bool keepBytes = a.options.l7.any();
  RawPacket raw;
  DecodedPacket decoded;
  for (uint64_t n = 0; n < a.packets && opened.source->next(raw) == ReadStatus::kPacket; ++n) {
    decodePacket(raw, decoded);
    const size_t w = threads == 1 ? 0 : shardHash(decoded) % threads;
    sink(w, raw, decoded, keepBytes ? ipBytesToKeep(decoded) : 0u);
  }
  return true;
}

size_t powerOfTwoAtLeast(size_t n) {
  size_t p = 1;
  while (p < n) p *= 2;
  return p;
}

std::unique_ptr<Prepared> prepare(const Arguments& a, unsigned threads) {
  // First pass: how many batches each worker's queue must hold (a batch ends when it is full or its
  // arena has no room for the next packet's bytes, as in the reader).
  std::vector<size_t> batches(threads, 1);
  std::vector<uint32_t> count(threads, 0), arena(threads, 0);
  if (!readShards(a, threads, [&](size_t w, const RawPacket&, const DecodedPacket&, uint32_t keep) {
        if (count[w] == PacketBatch::kCapacity || arena[w] + keep > PacketBatch::kArenaBytes) {
          ++batches[w];
          count[w] = arena[w] = 0;
        }
        ++count[w];
        arena[w] += keep;
      }))
    return nullptr;
  const size_t depth = powerOfTwoAtLeast(*std::max_element(batches.begin(), batches.end()) + 1);

  auto p = std::make_unique<Prepared>();
  EngineOptions options = a.options;
  options.threads = threads;
  // The engine's statistics budget per shard, not counting the queued batches (far more here than
  // the engine ever queues).
  const int64_t perShard = Engine::statisticsBudgetPerShard(options, 0);
  for (unsigned i = 0; i < threads; ++i)
    p->workers.push_back(std::make_unique<Worker>(options, perShard, depth, i));
  std::vector<PacketBatch*> open(threads);
  for (unsigned i = 0; i < threads; ++i) open[i] = p->workers[i]->takeFreeBatch();
  uint64_t seq = 0;
  auto handOver = [&](size_t w, bool last) {
    open[w]->readerTime = p->last;
    open[w]->readerSeq = seq;
    open[w]->last = last;
    p->workers[w]->submit(open[w], /*urgent=*/last);
    if (!last) open[w] = p->workers[w]->takeFreeBatch();
  };
  readShards(a, threads, [&](size_t w, const RawPacket& raw, const DecodedPacket& d, uint32_t keep) {
    if (!open[w]->arenaHasRoom(keep)) handOver(w, false);
    PacketBatch& b = *open[w];
    b.packets[b.count] = d;
    b.seq[b.count] = seq++;
    b.keepBytes(b.count, raw.data + d.ipOffset, keep);
    b.frameOffset[b.count] = PacketBatch::kNoFrame;
    ++b.count;
    p->last = std::max(p->last, raw.timestamp);
    ++p->packets;
    if (b.count == PacketBatch::kCapacity) handOver(w, false);
  });
  for (unsigned i = 0; i < threads; ++i) handOver(i, true);
  return p;
}

Run measure(Prepared& p) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  for (auto& w : p.workers) w->start();
  for (auto& w : p.workers) w->join();
  Run r;
  r.wallSeconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.packets = p.packets;
  for (auto& w : p.workers) {
    r.workerCpuSeconds += w->cpuSeconds();
    w->finish(p.last);
    r.connections += w->finishedShard().flows().connectionCount();
  }
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

bool parse(int argc, char** argv, Arguments& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    auto number = [&](uint64_t lo, uint64_t hi, uint64_t& out) {
      char* end = nullptr;
      const unsigned long long v = value != nullptr ? std::strtoull(value, &end, 10) : 0;
      if (value == nullptr || *end != '\0' || v < lo || v > hi) return false;
      out = v;
      ++i;
      return true;
    };
    uint64_t n = 0;
    if (arg == "--packets") {
      if (!number(1, uint64_t{1} << 40, a.packets)) return false;
    } else if (arg == "--rounds") {
      if (!number(1, 100, n)) return false;
      a.rounds = unsigned(n);
    } else if (arg == "--threads" && value != nullptr) {
      a.threads.clear();
      for (std::string_view list = value; !list.empty();) {
        const size_t comma = std::min(list.find(','), list.size());
        const unsigned t = unsigned(std::atoi(std::string(list.substr(0, comma)).c_str()));
        if (t < 1 || t > 64) return false;
        a.threads.push_back(t);
        list.remove_prefix(std::min(comma + 1, list.size()));
      }
      ++i;
    } else if (arg == "--l7" && value != nullptr) {
      const auto l7 = L7Analyzers::parse(value);
      if (!l7) return false;
      a.options.l7 = *l7;
      ++i;
    } else if (arg == "--tcp" && value != nullptr &&
               (std::string_view(value) == "on" || std::string_view(value) == "off")) {
      a.options.tcpAnalysis = std::string_view(value) == "on";
      ++i;
    } else if (a.trace.empty() && !arg.empty() && arg[0] != '-') {
      a.trace = arg;
    } else {
      return false;
    }
  }
  return !a.trace.empty() && !a.threads.empty();
}

int run(int argc, char** argv) {
  Arguments a;
  if (!parse(argc, argv, a)) {
    std::fprintf(
        stderr,
        "usage: worker_scaling TRACE [--packets N] [--rounds R] [--threads LIST] [--l7 all|off|LIST] "
        "[--tcp on|off]\n");
    return 2;
  }
  std::map<unsigned, std::vector<double>> wall, cpu;
  std::map<unsigned, size_t> connections;
  uint64_t packets = 0;
  bool consistent = true;
  // Round 0 warms up and is not counted: the first shards of a process fault every page of their
  // state in (the later ones reuse the memory the earlier ones freed), and with two workers faulting
  // at once that took up to 1.8 times as long as the following rounds.
  for (unsigned round = 0; round <= a.rounds; ++round) {
    for (const unsigned threads : a.threads) {
      auto prepared = prepare(a, threads);
      if (!prepared) return 2;
      const Run r = measure(*prepared);
      packets = r.packets;
      std::printf("round %u%s, %u worker%s: %.3f s wall, %.3f s worker CPU, %zu connections\n", round,
                  round == 0 ? " (warm-up)" : "", threads, threads == 1 ? "" : "s", r.wallSeconds,
                  r.workerCpuSeconds, r.connections);
      std::fflush(stdout);
      if (connections.count(threads) == 0) connections[threads] = r.connections;
      consistent = consistent && r.connections == connections.begin()->second;
      if (round == 0) continue;
      wall[threads].push_back(r.wallSeconds);
      cpu[threads].push_back(r.workerCpuSeconds);
      // The shards are destroyed here, untimed, before the next measurement allocates its own.
    }
  }
  // Speed-up: the first thread count's wall clock over each one's, within each round (paired, so
  // that a slow phase of the machine does not land on one side only), median and range.
  const unsigned first = a.threads.front();
  for (const unsigned threads : a.threads) {
    std::vector<double> ratios;
    for (size_t r = 0; r < wall[threads].size(); ++r) ratios.push_back(wall[first][r] / wall[threads][r]);
    const double w = median(wall[threads]);
    std::printf(
        "workers alone, %u worker%s: %.3f s wall (median of %u), %.2f M packets/s, %.2f M packets/s of "
        "worker CPU; "
        "speed-up over %u worker%s %.2fx (rounds %.2f-%.2f)\n",
        threads, threads == 1 ? "" : "s", w, a.rounds, double(packets) / w / 1e6,
        double(packets) / median(cpu[threads]) / 1e6, first, first == 1 ? "" : "s", median(ratios),
        *std::min_element(ratios.begin(), ratios.end()), *std::max_element(ratios.begin(), ratios.end()));
  }
  if (!consistent) {
    std::fprintf(stderr, "worker_scaling: the thread counts found different numbers of connections\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace netmeter

int main(int argc, char** argv) {
  return netmeter::run(argc, argv);
}
