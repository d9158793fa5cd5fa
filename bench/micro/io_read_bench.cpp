// Read speed of the capture readers from the page cache: a synthetic capture (64-byte frames) written
// once to a temp file, then read end to end per iteration. Reports packets/s (items_per_second).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "io/capture_files.h"
#include "io/pcap_writer.h"
#include "io/pcapng_writer.h"

namespace {

constexpr size_t kPackets = 1'000'000;
constexpr uint32_t kFrameSize = 64;

std::string tempPath(const char* suffix) {
  return (std::filesystem::temp_directory_path() /
          ("netmeter-io-bench-" + std::to_string(::getpid()) + suffix))
      .string();
}

// The synthetic captures, written on first use and removed at exit.
struct Files {
  std::string pcap = tempPath(".pcap");
  std::string pcapng = tempPath(".pcapng");
  Files() {
    std::vector<uint8_t> frame(kFrameSize);
    for (uint32_t i = 0; i < kFrameSize; ++i) frame[i] = static_cast<uint8_t>(i);
    netmeter::RawPacket p;
    p.capturedLength = p.originalLength = kFrameSize;
    p.data = frame.data();
    std::string error;
    auto w = netmeter::io::PcapWriter::create(pcap, netmeter::io::PcapWriterOptions{1, 262144, true}, error);
    auto ng = netmeter::io::PcapngWriter::create(pcapng, {}, error);
    ng->addInterface(netmeter::InterfaceInfo{"eth0", "", 1, 262144, 9, 0, 0});
    for (size_t i = 0; i < kPackets; ++i) {
      p.timestamp = 1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 1000;
      w->write(p);
      ng->write(p);
    }
    w->close();
    ng->close();
  }
  ~Files() {
    std::remove(pcap.c_str());
    std::remove(pcapng.c_str());
  }
};

const Files& files() {
  static Files f;
  return f;
}

void readAll(benchmark::State& state, const std::string& path) {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    netmeter::OpenResult opened = netmeter::openCaptureFiles({path});
    if (!opened.ok()) {
      state.SkipWithError(opened.error.toString().c_str());
      return;
    }
    netmeter::RawPacket p;
    while (opened.source->next(p) == netmeter::ReadStatus::kPacket) {
      ++packets;
      bytes += p.capturedLength;
      benchmark::DoNotOptimize(p.data[0]);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_ReadPcap(benchmark::State& state) {
  readAll(state, files().pcap);
}
void BM_ReadPcapng(benchmark::State& state) {
  readAll(state, files().pcapng);
}
// Two files merged (each a copy of the pcap): the k-way merge's cost per packet.
void BM_MergeTwoPcaps(benchmark::State& state) {
  uint64_t packets = 0;
  for (auto _ : state) {
    netmeter::OpenResult opened = netmeter::openCaptureFiles({files().pcap, files().pcap});
    netmeter::RawPacket p;
    while (opened.source->next(p) == netmeter::ReadStatus::kPacket) ++packets;
  }
  state.SetItemsProcessed(static_cast<int64_t>(packets));
}

BENCHMARK(BM_ReadPcap)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadPcapng)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MergeTwoPcaps)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
