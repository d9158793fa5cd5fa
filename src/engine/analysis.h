#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "io/capture_files.h"
#include "io/packet_source.h"

namespace netmeter {

// Where an analysis stands, for progress displays and /API/stats/processing.
struct AnalysisStatus {
  bool running = false;
  bool finished = false;
  uint64_t packets = 0;
  uint64_t bytesConsumed = 0;  // of the input files
  uint64_t bytesTotal = 0;
  double wallSeconds = 0;  // since start(), until the end of the trace
};

// One analysis job: a packet source (capture files now, a live interface later) feeding an Engine on
// a background thread. Statistics can be queried through engine() while it runs (the engine's
// queries lock one worker at a time); the source's interfaces and errors are published here as they
// appear, because the source itself belongs to the analysis thread.
class Analysis {
 public:
  Analysis(std::unique_ptr<PacketSource> source, std::vector<std::string> inputNames, EngineOptions options);
  // A source opened on the analysis thread, for inputs whose first bytes may not have arrived yet (an
  // upload being received): `open` may block. When it fails, the analysis ends at once with its error.
  using Opener = std::function<OpenResult()>;
  Analysis(Opener open, std::vector<std::string> inputNames, EngineOptions options);
  ~Analysis();  // waits for the analysis to end
  Analysis(const Analysis&) = delete;
  Analysis& operator=(const Analysis&) = delete;

  // Starts the background thread (once).
  void start();
  // Blocks until every packet of the source is processed (or stop() cut the source short). Any thread
  // may wait, several at once.
  void wait();
  // Stops reading the source; what was read is still processed and queryable.
  void stop() { engine_.requestStop(); }

  const Engine& engine() const { return engine_; }
  // A live capture on the packets analyzed from now on (Engine::attachCapture).
  bool attachCapture(const std::shared_ptr<LiveCapture>& capture) { return engine_.attachCapture(capture); }
  // Packet time -> file offsets of the input files, built while the analysis reads them (captures of
  // the past seek with it, see capture::openIndexed).
  const TimeOffsetIndex& timeIndex() const { return timeIndex_; }
  bool finished() const { return done_.load(std::memory_order_acquire); }
  AnalysisStatus status() const;
  // What the source is: file names (or later interface names).
  const std::vector<std::string>& inputNames() const { return inputNames_; }
  // Snapshots, safe from any thread.
  std::vector<InterfaceInfo> interfaces() const;
  std::vector<ReadError> errors() const;
  // The latest packet time any worker has processed (INT64_MIN before the first packet).
  PacketTime now() const;

 private:
  void run();
  void publish(const EngineProgress& progress);

  Opener open_;
  std::unique_ptr<PacketSource> source_;
  std::vector<std::string> inputNames_;
  TimeOffsetIndex timeIndex_;
  Engine engine_;
  std::thread thread_;
  std::mutex joinMutex_;  // serializes wait()
  std::chrono::steady_clock::time_point startWall_;
  std::atomic<bool> started_{false};
  std::atomic<bool> done_{false};  // every packet processed (or the source could not be opened)
  std::atomic<int64_t> wallNanos_{0};
  mutable std::mutex mutex_;  // guards the published snapshots below
  std::vector<InterfaceInfo> interfaces_;
  std::vector<ReadError> errors_;
  EngineProgress progress_;
};

}  // namespace netmeter
